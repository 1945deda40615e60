"""A company's headline numbers, computed simply (the leaderboard work replaces this)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

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
