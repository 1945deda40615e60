"""The whole site's monthly trends, and each industry's: complaints filed per month and, for that
month's cohort followed to today, how many were answered, marked resolved and confirmed, the
share answered on time and the Kaplan-Meier median time to a first response, with intervals.

The same definitions as a company's trends (app/stats/trends.py, one ``Cohort`` per month), over
every counted complaint. One pass over the complaints of the months shown, streamed from the
database, keeps only two compact numbers per complaint; the worker runs it with the daily
refresh and stores one row per scope, so the page reads one row.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine
from sqlmodel import Session, col, delete, select

from app.clock import as_utc, utcnow
from app.complaints.visibility import counted
from app.config import get_settings
from app.db import for_reading
from app.models.company import SECTORS, Company
from app.models.complaint import Complaint, ComplaintState
from app.models.stats import SiteTrend
from app.stats.trends import Cohort, Month, month_keys, month_of

MONTHS = 24  # two years, like a company's complaints-per-month chart
SITE = ""  # the scope of every company together
STREAM = 5000  # rows fetched at a time


class _Row:
    __slots__ = ("closed_at", "created_at", "first_response_at", "state")

    def __init__(
        self, created: datetime, first: datetime | None, closed: datetime | None, state: str
    ) -> None:
        self.created_at = as_utc(created)
        self.first_response_at = as_utc(first) if first else None
        self.closed_at = as_utc(closed) if closed else None
        self.state = ComplaintState(state)


def compute(*, session: Session, now: datetime, months: int = MONTHS) -> dict[str, list[Month]]:
    """Every scope's months as of ``now``: the site's, and each industry's that has complaints."""
    keys = month_keys(now, months)
    year, month = (int(p) for p in keys[0].split("-"))
    start = datetime(year, month, 1, tzinfo=UTC)
    deadline = timedelta(days=get_settings().response_deadline_days)
    cohorts: dict[str, dict[str, Cohort]] = {SITE: {k: Cohort() for k in keys}}
    stmt = (
        select(  # type: ignore[call-overload]
            Complaint.created_at,
            Complaint.first_response_at,
            Complaint.closed_at,
            Complaint.state,
            Complaint.resolved_at,
            Company.sector,
        )
        .join(Company, col(Company.id) == Complaint.company_id)
        .where(counted(), col(Complaint.created_at) >= start, col(Complaint.created_at) <= now)
    )
    for created, first, closed, state, resolved_at, sector in session.execute(
        stmt.execution_options(yield_per=STREAM)
    ):
        row = _Row(created, first, closed, state)
        resolved = resolved_at is not None and as_utc(resolved_at) <= now
        key = month_of(row.created_at)
        scopes = (SITE, sector) if sector in SECTORS else (SITE,)
        for scope in scopes:
            if scope not in cohorts:
                cohorts[scope] = {k: Cohort() for k in keys}
            if key in cohorts[scope]:
                cohorts[scope][key].add(row, as_of=now, deadline=deadline, resolved=resolved)
    return {
        scope: [cohort.month(key) for key, cohort in by_month.items()]
        for scope, by_month in cohorts.items()
    }


def refresh(engine: Engine | Connection, now: datetime | None = None) -> int:
    """Compute and store every scope (replacing the previous rows). Returns the scopes stored."""
    now = now or utcnow()
    with Session(for_reading(engine)) as session:  # the pass over the complaints: no lock
        found = compute(session=session, now=now)
    with Session(engine) as session:
        session.exec(delete(SiteTrend))
        for scope, months in found.items():
            session.add(SiteTrend(scope=scope, computed_at=now, months=[asdict(m) for m in months]))
        session.commit()
    return len(found)


def stored(*, session: Session, scope: str) -> tuple[list[Month], datetime] | None:
    """A scope's months and when they were computed; None before the first computation (or for
    an industry with no complaint)."""
    row = session.get(SiteTrend, scope)
    if row is None:
        return None
    return [Month(**m) for m in row.months], row.computed_at


def computed_at(*, session: Session, scope: str) -> datetime | None:
    """When a scope was computed: the page's validator (a primary-key probe; the JSON unread)."""
    return session.exec(select(SiteTrend.computed_at).where(SiteTrend.scope == scope)).first()
