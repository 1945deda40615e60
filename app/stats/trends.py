"""Monthly trends: for each calendar month's cohort of complaints (those filed in that month,
UTC), the share answered on time, the Kaplan-Meier median time to a first response and the
confirmed-resolution rate, each with a 95% interval, as they stand at ``as_of``.

A cohort is followed from filing to ``as_of``: recent months have had less time, which the
Kaplan-Meier censoring accounts for (a median "not reached" rather than a flattering number).
The median's interval is Brookmeyer and Crowley's (Biometrics 38, 1982): the times whose
survival estimate is within 1.96 Greenwood standard errors of 0.5.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import Session

from app.config import get_settings
from app.models.complaint import ComplaintState
from app.models.stats import CompanyChart
from app.stats.metrics import Record
from app.stats.wilson import wilson

Z = 1.96
DAY = 86_400.0


@dataclass(frozen=True)
class Month:
    month: str  # "2026-11"
    filed: int
    due: int
    timely: int
    timely_rate: float | None
    timely_low: float | None
    timely_high: float | None
    response_median_days: float | None
    response_median_low: float | None
    response_median_high: float | None  # None: beyond what the cohort has shown yet
    confirmed: int
    confirmed_rate: float | None
    confirmed_low: float | None
    confirmed_high: float | None
    answered: int = 0  # got a first response by as_of (any time)
    resolved: int = 0  # marked resolved by the company (site-wide trends only)


def km_median_interval(
    durations: list[float], observed: list[bool]
) -> tuple[float | None, float | None, float | None]:
    """The Kaplan-Meier median and its Brookmeyer-Crowley 95% interval (None: not reached)."""
    pairs = sorted(zip(durations, observed, strict=True), key=lambda p: p[0])
    at_risk, survival, greenwood = len(pairs), 1.0, 0.0
    steps: list[tuple[float, float, float]] = []  # (time, S, standard error)
    i = 0
    while i < len(pairs):
        t, events, leaving = pairs[i][0], 0, 0
        while i < len(pairs) and pairs[i][0] == t:
            events += pairs[i][1]
            leaving += 1
            i += 1
        if events:
            survival *= 1 - events / at_risk
            if at_risk > events:
                greenwood += events / (at_risk * (at_risk - events))
            steps.append((t, survival, survival * math.sqrt(greenwood)))
        at_risk -= leaving
    median = next((t for t, s, _ in steps if s <= 0.5 + 1e-12), None)
    inside = [t for t, s, se in steps if abs(s - 0.5) <= Z * se + 1e-12]
    low = inside[0] if inside else median
    # The interval ends at the first time the curve is surely below one half.
    high = next((t for t, s, se in steps if s < 0.5 - Z * se - 1e-12), None)
    return median, low, high


def _rate(successes: int, n: int) -> tuple[float | None, float | None, float | None]:
    interval = wilson(successes, n)
    return (None, None, None) if interval is None else (successes / n, *interval)


def month_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def month_keys(as_of: datetime, months: int) -> list[str]:
    """The last ``months`` calendar months up to ``as_of``'s, oldest first."""
    keys: list[str] = []
    year, month = as_of.year, as_of.month
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


def monthly(records: Iterable[Followed], *, as_of: datetime, months: int = 12) -> list[Month]:
    """The last ``months`` calendar months up to ``as_of``'s, oldest first; months with no
    complaint are listed with empty numbers, so a gap shows as a gap."""
    deadline = timedelta(days=get_settings().response_deadline_days)
    keys = month_keys(as_of, months)
    cohorts: dict[str, list[Followed]] = {k: [] for k in keys}
    for r in records:
        if r.created_at <= as_of and (key := month_of(r.created_at)) in cohorts:
            cohorts[key].append(r)
    out = []
    for key in keys:
        cohort = Cohort()
        for r in cohorts[key]:
            cohort.add(r, as_of=as_of, deadline=deadline)
        out.append(cohort.month(key))
    return out


class Followed(Protocol):
    """What following a complaint needs (metrics.Record, charts.data.Row and plain rows)."""

    @property
    def created_at(self) -> datetime: ...
    @property
    def first_response_at(self) -> datetime | None: ...
    @property
    def closed_at(self) -> datetime | None: ...
    @property
    def state(self) -> ComplaintState: ...


@dataclass
class Cohort:
    """One month's complaints followed to ``as_of``, added one at a time (durations kept as
    compact arrays, so a site-wide month of 100,000 complaints is a few hundred kilobytes)."""

    filed: int = 0
    due: int = 0
    timely: int = 0
    answered: int = 0
    resolved: int = 0
    confirmed: int = 0
    durations: array = field(default_factory=lambda: array("d"))
    observed: array = field(default_factory=lambda: array("b"))

    def add(
        self, r: Followed, *, as_of: datetime, deadline: timedelta, resolved: bool = False
    ) -> None:
        closed = r.closed_at is not None and r.closed_at <= as_of
        withdrawn = closed and r.state == ComplaintState.WITHDRAWN
        answered = (
            r.first_response_at if r.first_response_at and r.first_response_at <= as_of else None
        )
        limit = r.created_at + deadline
        if answered is not None:
            self.due += 1
            self.timely += answered <= limit
        elif as_of >= limit and not (withdrawn and r.closed_at and r.closed_at < limit):
            self.due += 1
        end = answered or (r.closed_at if withdrawn and r.closed_at else as_of)
        self.durations.append((end - r.created_at).total_seconds() / DAY)
        self.observed.append(answered is not None)
        self.filed += 1
        self.answered += answered is not None
        self.resolved += resolved
        self.confirmed += closed and r.state == ComplaintState.CONFIRMED

    def month(self, key: str) -> Month:
        timely_rate, timely_low, timely_high = _rate(self.timely, self.due)
        confirmed_rate, confirmed_low, confirmed_high = _rate(self.confirmed, self.filed)
        median, low, high = (
            km_median_interval(list(self.durations), [bool(o) for o in self.observed])
            if self.filed
            else (None, None, None)
        )
        return Month(
            key,
            self.filed,
            self.due,
            self.timely,
            timely_rate,
            timely_low,
            timely_high,
            median,
            low,
            high,
            self.confirmed,
            confirmed_rate,
            confirmed_low,
            confirmed_high,
            self.answered,
            self.resolved,
        )


def computed(records: list[Record], *, as_of: datetime) -> list[dict]:
    """The company's monthly trends, ready to keep beside its chart numbers (same refresh, same
    row), so its statistics page reads one row whatever the company's size."""
    return [asdict(m) for m in monthly(records, as_of=as_of)]


def stored(*, session: Session, company_id: int) -> list[Month]:
    """The trends of the last refresh (empty before the first)."""
    row = session.get(CompanyChart, company_id)
    return [Month(**m) for m in (row.data.get("trends") or [])] if row is not None else []
