"""The queue: a company's open complaints as its reps work through them, oldest due first."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, true
from sqlmodel import Session, col, func, select

from app.clock import utcnow
from app.complaints import turn, visibility
from app.complaints.flags import Flags, flags, overdue_cutoff
from app.complaints.states import OPEN_STATES
from app.complaints.turn import TurnState
from app.models.complaint import Complaint, ComplaintState, TurnWhy
from app.models.membership import CompanyMember
from app.models.user import User

# Each queue's count stops one past this: a rep needs "more than 100", not the exact backlog of
# the busiest company, and six counts of a hundred cost the same at any size.
COUNT_CAP = 100


class Queue(StrEnum):
    OPEN = "open"
    UNASSIGNED = "unassigned"
    MINE = "mine"
    OVERDUE = "overdue"
    REPLIED = "replied"
    AWAITING = "awaiting"
    DISPUTED = "disputed"


LABELS = {
    Queue.OPEN: "All open",
    Queue.UNASSIGNED: "Unassigned",
    Queue.MINE: "Mine",
    Queue.OVERDUE: "Overdue",
    Queue.REPLIED: "Customer replied",
    Queue.AWAITING: "Awaiting the consumer",
    Queue.DISPUTED: "Disputed",
}


@dataclass(frozen=True)
class Row:
    complaint: Complaint
    author: User
    assignee: CompanyMember | None
    flags: Flags
    turn: TurnState


def _where(queue: Queue, user: User, now: datetime) -> ColumnElement[bool]:
    """The filter within the company's open complaints (resolved ones wait on the consumer)."""
    match queue:
        case Queue.OPEN:
            return true()
        case Queue.UNASSIGNED:
            return col(Complaint.assignee_id).is_(None)
        case Queue.MINE:
            return col(Complaint.assignee_id) == user.id
        case Queue.OVERDUE:  # the same rule as the public "overdue" flag
            return and_(
                col(Complaint.first_response_at).is_(None),
                col(Complaint.created_at) <= overdue_cutoff(now=now),
            )
        case Queue.REPLIED:  # the consumer wrote (or disputed) after the company spoke
            return col(Complaint.turn_why) == TurnWhy.CUSTOMER_REPLIED
        case Queue.AWAITING:
            return col(Complaint.awaiting_consumer).is_(True)
        case Queue.DISPUTED:
            return col(Complaint.state) == ComplaintState.DISPUTED


def _open_of(company_id: int) -> ColumnElement[bool]:
    return and_(
        col(Complaint.company_id) == company_id,
        col(Complaint.state).in_(list(OPEN_STATES)),
        visibility.reached_company(),  # not one still waiting for verification or review
    )


def _order(queue: Queue) -> tuple[ColumnElement, ...]:
    """By deadline (it runs from filing, so oldest first); "customer replied" by how long the
    consumer has waited since they wrote."""
    if queue is Queue.REPLIED:
        return (col(Complaint.turn_since), col(Complaint.id))
    return (col(Complaint.created_at), col(Complaint.id))


def counts(
    *, session: Session, company_id: int, user: User, now: datetime | None = None
) -> dict[Queue, int]:
    """How many complaints each filter holds, in one query; each count stops one past
    ``COUNT_CAP`` (a busy company's queue shows "more than")."""
    now = now or utcnow()
    capped = [
        select(func.count())
        .select_from(
            select(Complaint.id)
            .where(_open_of(company_id), _where(q, user, now))
            .order_by(*_order(q))  # the queue's index order
            .limit(COUNT_CAP + 1)
            .subquery()
        )
        .scalar_subquery()
        for q in Queue
    ]
    row = session.exec(select(*capped)).one()
    return {q: int(n) for q, n in zip(Queue, row, strict=True)}


def page(
    *,
    session: Session,
    company_id: int,
    user: User,
    queue: Queue,
    offset: int = 0,
    limit: int = 20,
    now: datetime | None = None,
) -> list[Row]:
    """One page of the queue, in its order (``_order``)."""
    now = now or utcnow()
    rows = session.execute(
        select(Complaint, User, CompanyMember)
        .join(User, col(User.id) == Complaint.author_id)
        .outerjoin(
            CompanyMember,
            and_(
                col(CompanyMember.company_id) == Complaint.company_id,
                col(CompanyMember.user_id) == Complaint.assignee_id,
            ),
        )
        .where(_open_of(company_id), _where(queue, user, now))
        .order_by(*_order(queue))
        .offset(offset)
        .limit(limit)
    ).all()
    return [
        Row(c, author, member, flags(c, now=now), turn.current(c)) for c, author, member in rows
    ]
