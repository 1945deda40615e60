"""Deadlines of the Defamation (Operators of Websites) Regulations 2013, in UK time.

Two kinds of period, read from the Regulations (docs/takedown.md, legislation.gov.uk
SI 2013/3028):

- "within 48 hours" (the operator's own actions): reg. 1(3) disregards any time falling on a
  Saturday, Sunday, Good Friday, Christmas Day or an England & Wales bank holiday. So only the
  hours of business days count, all 24 of them (not office hours): ``add_hours``.
- the poster's answer is due by "midnight at the end of the fifth day after the day on which the
  notice is sent" (Schedule, para. 2). Reg. 1(3) speaks only of the operator's 48-hour periods, so
  these are **calendar days**: ``end_of_fifth_day``. A notice forwarded on a Monday must be
  answered by the midnight that ends Saturday.

Days begin and end at midnight in Europe/London (GMT or BST); durations are real elapsed time,
so the 23- and 25-hour days of a clock change are counted as they are.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from app.config import get_settings

UK = ZoneInfo("Europe/London")


@lru_cache(maxsize=4)
def _holidays(country: str, subdiv: str | None) -> holidays.HolidayBase:
    # Years are filled in lazily by the package as dates are looked up.
    return holidays.country_holidays(country, subdiv=subdiv)


def is_business_day(day: date) -> bool:
    settings = get_settings()
    calendar = _holidays(
        settings.takedown_holidays_country, settings.takedown_holidays_subdiv or None
    )
    return day.weekday() < 5 and day not in calendar


def _start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` in UK time, as UTC."""
    return datetime.combine(day, time(0), tzinfo=UK).astimezone(UTC)


def add_hours(start: datetime, hours: float) -> datetime:
    """``start`` plus ``hours`` counted only while it is a business day in the UK."""
    remaining = timedelta(hours=hours)
    current = start.astimezone(UTC)
    while True:
        day = current.astimezone(UK).date()
        next_midnight = _start_of(day + timedelta(days=1))
        if is_business_day(day):
            available = next_midnight - current
            if remaining <= available:
                return current + remaining
            remaining -= available
        current = next_midnight


def end_of_fifth_day(start: datetime) -> datetime:
    """Midnight at the end of the fifth calendar day after the UK day of ``start``."""
    return _start_of(start.astimezone(UK).date() + timedelta(days=6))
