"""A complaint's history as its reps read it beside the conversation: who owned it when, and each
change of state, newest first.

The owners come from the audit log (the public timeline only says that a complaint changed hands,
never between whom); the states from the timeline.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from app.dashboard.attribution import OWNER_ACTIONS, new_owner
from app.models.audit import AuditEntry
from app.models.complaint import Complaint, ComplaintState, TimelineEvent

# Short on purpose: the side column is a summary; the full record is the timeline.
LIMIT = 12


@dataclass(frozen=True)
class Step:
    at: datetime
    user_id: int | None  # the new owner, or who changed the state (None: nobody named)
    state: ComplaintState | None = None  # set for a change of state, None for a change of owner


def history(*, session: Session, complaint: Complaint, limit: int = LIMIT) -> list[Step]:
    owners = session.exec(
        select(AuditEntry.at, AuditEntry.action, AuditEntry.detail)
        .where(
            AuditEntry.target_type == "complaint",
            AuditEntry.target_id == complaint.id,
            col(AuditEntry.action).in_(OWNER_ACTIONS),
        )
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(limit)
    ).all()
    states = session.exec(
        select(TimelineEvent.at, TimelineEvent.actor_id, TimelineEvent.to_state)
        .where(
            TimelineEvent.complaint_id == complaint.id,
            col(TimelineEvent.to_state).is_not(None),
            or_(
                col(TimelineEvent.from_state).is_(None),
                col(TimelineEvent.from_state) != col(TimelineEvent.to_state),
            ),
        )
        .order_by(col(TimelineEvent.at).desc(), col(TimelineEvent.id).desc())
        .limit(limit)
    ).all()
    steps = [Step(at, new_owner(action, detail)) for at, action, detail in owners]
    steps += [
        Step(at, actor, ComplaintState(state) if state else None) for at, actor, state in states
    ]
    # Stable: at the same moment, the change of owner (listed first) stays first.
    steps.sort(key=lambda step: step.at, reverse=True)
    return steps[:limit]
