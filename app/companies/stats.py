"""A company's headline numbers, computed simply (the leaderboard work replaces this)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from sqlmodel import Session, col, func, select

from app.clock import utcnow
from app.complaints.states import OPEN_STATES
from app.config import get_settings
from app.models.complaint import Complaint, ComplaintState


@dataclass(frozen=True)
class Headline:
    complaints: int
    open: int
    due: int  # answered, or past the response deadline: the base of the timely rate
    answered_on_time: int
    confirmed_resolved: int

    @property
    def timely_rate(self) -> float | None:
        return self.answered_on_time / self.due if self.due else None

    @property
    def confirmed_rate(self) -> float | None:
        return self.confirmed_resolved / self.complaints if self.complaints else None


def headline(*, session: Session, company_id: int, now: datetime | None = None) -> Headline:
    now = now or utcnow()
    window = timedelta(days=get_settings().response_deadline_days)
    rows = session.exec(
        select(Complaint.state, Complaint.created_at, Complaint.first_response_at).where(
            Complaint.company_id == company_id
        )
    ).all()
    due = on_time = open_ = confirmed = 0
    for state, created, responded in rows:
        open_ += state in OPEN_STATES or state == ComplaintState.RESOLVED
        confirmed += state == ComplaintState.CONFIRMED
        if responded is not None or now >= created + window:
            due += 1
            on_time += responded is not None and responded <= created + window
    return Headline(len(rows), open_, due, on_time, confirmed)


@dataclass(frozen=True)
class Medians:
    """Simple medians over the complaints that have the event, in days (open ones are left out,
    which flatters slow companies: shared/domain-notes.md; the leaderboard replaces this)."""

    first_response_days: float | None
    answered: int
    resolution_days: float | None
    resolved: int


def _days_to(session: Session, company_id: int, column: Any) -> list[float]:
    """Days from filing to ``column``, computed by the database so only numbers cross the wire."""
    if session.get_bind().dialect.name == "postgresql":
        days = func.extract("epoch", column - Complaint.created_at) / 86_400
    else:  # SQLite keeps datetimes as text that julianday() reads
        days = func.julianday(column) - func.julianday(Complaint.created_at)
    rows = session.exec(
        select(days).where(Complaint.company_id == company_id, col(column).is_not(None))
    )
    return [float(d) for d in rows]


def simple_medians(*, session: Session, company_id: int) -> Medians:
    responses = _days_to(session, company_id, Complaint.first_response_at)
    resolutions = _days_to(session, company_id, Complaint.resolved_at)
    return Medians(
        median(responses) if responses else None,
        len(responses),
        median(resolutions) if resolutions else None,
        len(resolutions),
    )
