"""Who did the work on a complaint, as it happened: the rep who wrote its first answer and the rep
who resolved it, from the timeline; when the timeline names nobody (an answer that came by
email), whoever owned it at that moment, from the assignment history in the audit log.

The current owner is the wrong person to credit: a complaint answered by one rep and handed to
another afterwards was still answered by the first.
"""

import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from app.models.audit import AuditEntry
from app.models.complaint import Complaint, Side, TimelineEvent

# The audit detail of an assignment ends with its new owner: "user 7" or "user 3 -> user 7".
_NEW_OWNER = re.compile(r"user (\d+)$")


@dataclass(frozen=True)
class Credit:
    answered_by: int | None  # the rep credited with the first response, if answered
    resolved_by: int | None  # the rep credited with the (latest) resolution, if resolved


def new_owner(action: str, detail: str) -> int | None:
    """The owner an assignment or release left the complaint with (None: back to unassigned)."""
    found = _NEW_OWNER.search(detail) if action == "complaint.assign" else None
    return int(found.group(1)) if found else None


OWNER_ACTIONS = ("complaint.assign", "complaint.release")


class _Owners:
    """A complaint's owners over time: (when, user id or None) in order."""

    def __init__(self) -> None:
        self.times: list[datetime] = []
        self.owners: list[int | None] = []

    def add(self, at: datetime, owner: int | None) -> None:
        self.times.append(at)
        self.owners.append(owner)

    def at(self, moment: datetime) -> int | None:
        n = bisect_right(self.times, moment)
        return self.owners[n - 1] if n else None


def credits(
    *, session: Session, which: ColumnElement[bool], complaints: list[Complaint]
) -> dict[int | None, Credit]:
    """Each complaint's credits; ``which`` selects the same complaints in SQL (two queries in
    all, however many complaints)."""
    ids = select(Complaint.id).where(which)
    first_answer: dict[int | None, tuple[datetime, int | None]] = {}
    last_resolve: dict[int | None, tuple[datetime, int | None]] = {}
    events = session.exec(
        select(
            TimelineEvent.complaint_id, TimelineEvent.at, TimelineEvent.kind, TimelineEvent.actor_id
        )
        .where(
            col(TimelineEvent.complaint_id).in_(ids),
            TimelineEvent.side == Side.COMPANY,
            col(TimelineEvent.kind).in_(["answer", "resolve"]),
        )
        .order_by(col(TimelineEvent.at), col(TimelineEvent.id))
    ).all()
    for complaint_id, at, kind, actor_id in events:
        # A resolution is also a response (it sets the first response time when none came first).
        first_answer.setdefault(complaint_id, (at, actor_id))
        if kind == "resolve":
            last_resolve[complaint_id] = (at, actor_id)
    owners: dict[int | None, _Owners] = {}
    history = session.exec(
        select(AuditEntry.target_id, AuditEntry.at, AuditEntry.action, AuditEntry.detail)
        .where(
            AuditEntry.target_type == "complaint",
            col(AuditEntry.action).in_(OWNER_ACTIONS),
            col(AuditEntry.target_id).in_(ids),
        )
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
    ).all()
    for complaint_id, at, action, detail in history:
        owners.setdefault(complaint_id, _Owners()).add(at, new_owner(action, detail))

    def who(complaint: Complaint, seen: tuple[datetime, int | None] | None) -> int | None:
        if seen is None:
            return None
        at, actor = seen
        if actor is not None:
            return actor
        history = owners.get(complaint.id)
        return history.at(at) if history else complaint.assignee_id

    result: dict[int | None, Credit] = {}
    for c in complaints:
        answered = first_answer.get(c.id) if c.first_response_at else None
        resolved = last_resolve.get(c.id) if c.resolved_at else None
        result[c.id] = Credit(
            answered_by=who(c, answered) if answered else _fallback(c, owners, c.first_response_at),
            resolved_by=who(c, resolved) if resolved else _fallback(c, owners, c.resolved_at),
        )
    return result


def _fallback(
    c: Complaint, owners: dict[int | None, _Owners], moment: datetime | None
) -> int | None:
    """No timeline event (data older than the timeline): the owner at that moment, if known."""
    if moment is None:
        return None
    history = owners.get(c.id)
    return history.at(moment) if history else c.assignee_id
