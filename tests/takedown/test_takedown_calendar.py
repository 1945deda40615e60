"""The Regulations' clocks, hand-computed: 48 hours skip weekends and England & Wales bank
holidays (in UK time); the poster's deadline is midnight ending the fifth calendar day."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from app.config import get_settings
from app.takedown.calendar import add_hours, end_of_fifth_day, is_business_day


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Friday 15:00 GMT: 9 h of Friday, Monday's 24, then 15 h of Tuesday.
        (utc(2026, 11, 27, 15), utc(2026, 12, 1, 15)),
        # Friday 10:00 BST before the Late Summer bank holiday (Mon 31 Aug): 14 h Friday,
        # 24 h Tuesday, 10 h Wednesday -> Wednesday 10:00 BST.
        (utc(2026, 8, 28, 9), utc(2026, 9, 2, 9)),
        # Christmas Eve noon: Christmas Day (Fri), the weekend and Boxing Day observed (Mon 28)
        # do not count: 12 h Thursday, 24 h Tuesday 29, 12 h Wednesday 30.
        (utc(2026, 12, 24, 12), utc(2026, 12, 30, 12)),
        # New Year: 15 h of Wed 30 Dec, 24 h of Thu 31, New Year's Day and the weekend skipped,
        # 9 h of Monday 4 January.
        (utc(2026, 12, 30, 9), utc(2027, 1, 4, 9)),
        # Easter: Thu 2 Apr 12:00 BST; Good Friday to Easter Monday skipped; 12 h Thursday, 24 h
        # Tuesday, 12 h Wednesday -> Wed 8 Apr 12:00 BST.
        (utc(2026, 4, 2, 11), utc(2026, 4, 8, 11)),
        # Clocks go back on Sunday 25 Oct: Fri 15:00 BST (14:00 UTC) + 9 h Friday + 24 h Monday
        # + 15 h Tuesday = Tue 27 Oct 15:00 GMT, i.e. 15:00 UTC (a UTC-day count says 14:00).
        (utc(2026, 10, 23, 14), utc(2026, 10, 27, 15)),
        # Clocks go forward on Sunday 29 Mar: Fri 15:00 GMT -> Tue 31 Mar 15:00 BST = 14:00 UTC.
        (utc(2026, 3, 27, 15), utc(2026, 3, 31, 14)),
        # Received on a Saturday: the clock starts on Monday at midnight.
        (utc(2026, 11, 28, 13), utc(2026, 12, 2, 0)),
        # A Tuesday at noon: no weekend in the way.
        (utc(2026, 11, 24, 12), utc(2026, 11, 26, 12)),
    ],
)
def test_48_business_hours(start: datetime, expected: datetime) -> None:
    assert add_hours(start, 48) == expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Monday 30 Nov: the fifth day after is Saturday 5 Dec; it ends at midnight GMT.
        (utc(2026, 11, 30, 10), utc(2026, 12, 6, 0)),
        # Calendar days: a weekend and Christmas count (Mon 21 Dec -> end of Sat 26 Dec).
        (utc(2026, 12, 21, 10), utc(2026, 12, 27, 0)),
        # In summer "midnight" is BST: Mon 1 Jun -> the end of Sat 6 Jun = 23:00 UTC.
        (utc(2026, 6, 1, 9), utc(2026, 6, 6, 23)),
        # 00:30 BST on Wed 21 Oct is still Tuesday in UTC; the UK day counts: the fifth day is
        # Mon 26 Oct (after the clocks went back), ending 00:00 GMT on Tue 27.
        (utc(2026, 10, 20, 23, 30), utc(2026, 10, 27, 0)),
    ],
)
def test_end_of_the_fifth_day(start: datetime, expected: datetime) -> None:
    assert end_of_fifth_day(start) == expected


def test_business_days() -> None:
    assert is_business_day(datetime(2026, 12, 29).date())
    assert not is_business_day(datetime(2026, 12, 28).date())  # Boxing Day observed
    assert not is_business_day(datetime(2026, 11, 28).date())  # a Saturday
    assert is_business_day(datetime(2026, 11, 30).date())  # St Andrew's Day: Scotland only


@pytest.fixture
def scotland(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("OUTCRY_TAKEDOWN_HOLIDAYS_SUBDIV", "SCT")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_the_holiday_calendar_is_configurable(scotland: None) -> None:
    # St Andrew's Day (Mon 30 Nov 2026) is a Scottish bank holiday: 9 h Friday, 24 h Tuesday,
    # 15 h Wednesday.
    assert add_hours(utc(2026, 11, 27, 15), 48) == utc(2026, 12, 2, 15)
