"""Time-based flags, computed from timestamps rather than stored, so they are never stale."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.clock import utcnow
from app.complaints.states import OPEN_STATES
from app.config import get_settings
from app.models.complaint import Complaint, ComplaintState


@dataclass(frozen=True)
class Flags:
    deadline: datetime
    overdue: bool
    very_overdue: bool
    resolved_unconfirmed: bool


def flags(complaint: Complaint, *, now: datetime | None = None) -> Flags:
    now = now or utcnow()
    settings = get_settings()
    window = timedelta(days=settings.response_deadline_days)
    deadline = complaint.created_at + window
    unanswered = complaint.first_response_at is None and complaint.state in OPEN_STATES
    unconfirmed = (
        complaint.state == ComplaintState.RESOLVED
        and complaint.resolved_at is not None
        and now >= complaint.resolved_at + timedelta(days=settings.confirm_deadline_days)
    )
    return Flags(
        deadline=deadline,
        overdue=unanswered and now >= deadline,
        very_overdue=unanswered and now >= complaint.created_at + 2 * window,
        resolved_unconfirmed=unconfirmed,
    )


def overdue_cutoff(*, now: datetime | None = None) -> datetime:
    """Complaints created before this and still unanswered are overdue."""
    return (now or utcnow()) - timedelta(days=get_settings().response_deadline_days)
