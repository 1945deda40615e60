"""The queue: a company's complaints as its reps work through them, by state, search and filters,
oldest due first unless the rep sorts otherwise."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, true
from sqlmodel import Session, col, func, select

from app.clock import utcnow
from app.complaints import turn, visibility
from app.complaints.flags import Flags, flags, overdue_cutoff
from app.complaints.states import OPEN_STATES
from app.complaints.turn import TurnState
from app.dashboard import targets
from app.dashboard.targets import Due
from app.models.company import Company
from app.models.complaint import Category, Complaint, ComplaintState, TurnWhy
from app.models.keys import pk
from app.models.membership import CompanyMember
from app.models.user import User

# Each queue's count stops one past this: a rep needs "more than 100", not the exact backlog of
# the busiest company, and six counts of a hundred cost the same at any size.
COUNT_CAP = 100


class Queue(StrEnum):
    OPEN = "open"
    UNASSIGNED = "unassigned"
    MINE = "mine"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    REPLIED = "replied"
    AWAITING = "awaiting"
    DISPUTED = "disputed"
    RESOLVED = "resolved"
    CLOSED = "closed"
    ALL = "all"


LABELS = {
    Queue.OPEN: "All open",
    Queue.UNASSIGNED: "Unassigned",
    Queue.MINE: "Mine",
    Queue.AT_RISK: "At risk",
    Queue.OVERDUE: "Overdue",
    Queue.REPLIED: "Customer replied",
    Queue.AWAITING: "Awaiting the consumer",
    Queue.DISPUTED: "Disputed",
    Queue.RESOLVED: "Resolved, awaiting confirmation",
    Queue.CLOSED: "Confirmed or withdrawn",
    Queue.ALL: "Everything",
}


class Sort(StrEnum):
    DUE = "due"  # oldest filed first: the deadline runs from filing
    NEWEST = "newest"
    UPDATED = "updated"
    COSIGNS = "cosigns"


SORT_LABELS = {
    Sort.DUE: "Due first",
    Sort.NEWEST: "Newest",
    Sort.UPDATED: "Recently changed",
    Sort.COSIGNS: "Most co-signed",
}


@dataclass(frozen=True)
class Filters:
    """A rep's search within a queue (all optional)."""

    q: str = ""  # complaint number, private reference, consumer name or words of the text
    category: Category | None = None
    assignee: int | None = None  # a rep's user id
    min_cosigns: int = 0
    older_than_days: int = 0
    sort: Sort = Sort.DUE

    @property
    def active(self) -> bool:
        return bool(self.q or self.category or self.assignee or self.min_cosigns)


@dataclass(frozen=True)
class Row:
    complaint: Complaint
    author: User
    assignee: CompanyMember | None
    flags: Flags
    turn: TurnState
    due: Due | None = None


CLOSED = [ComplaintState.CONFIRMED, ComplaintState.WITHDRAWN]


def _where(queue: Queue, user: User, company: Company, now: datetime) -> ColumnElement[bool]:
    """Which of the company's complaints the queue holds; the open ones unless it says."""
    open_ = col(Complaint.state).in_(list(OPEN_STATES))
    match queue:
        case Queue.OPEN:
            return open_
        case Queue.UNASSIGNED:
            return and_(open_, col(Complaint.assignee_id).is_(None))
        case Queue.MINE:
            return and_(open_, col(Complaint.assignee_id) == user.id)
        case Queue.AT_RISK:  # a promise due within a day, or already broken
            return targets.within(company, now=now, window=targets.AT_RISK)
        case Queue.OVERDUE:  # the same rule as the public "overdue" flag
            return and_(
                open_,
                col(Complaint.first_response_at).is_(None),
                col(Complaint.created_at) <= overdue_cutoff(now=now),
            )
        case Queue.REPLIED:  # the consumer wrote (or disputed) after the company spoke
            return col(Complaint.turn_why) == TurnWhy.CUSTOMER_REPLIED
        case Queue.AWAITING:
            return and_(open_, col(Complaint.awaiting_consumer).is_(True))
        case Queue.DISPUTED:
            return col(Complaint.state) == ComplaintState.DISPUTED
        case Queue.RESOLVED:
            return col(Complaint.state) == ComplaintState.RESOLVED
        case Queue.CLOSED:
            return col(Complaint.state).in_(CLOSED)
        case Queue.ALL:
            return true()


def _of(company_id: int) -> ColumnElement[bool]:
    return and_(
        col(Complaint.company_id) == company_id,
        visibility.reached_company(),  # not one still waiting for verification or review
    )


def _search(filters: Filters, now: datetime) -> ColumnElement[bool]:
    found: list[ColumnElement[bool]] = []
    q = filters.q.strip()
    if q:
        number = q.lstrip("#")
        words = f"%{q}%"
        matches = [
            col(Complaint.private_reference) == q,
            col(Complaint.private_reference).ilike(words),
            col(Complaint.title).ilike(words),
            col(Complaint.body).ilike(words),
            col(User.display_name).ilike(words),
        ]
        if number.isdigit() and len(number) < 10:
            matches.insert(0, col(Complaint.id) == int(number))
        found.append(or_(*matches))
    if filters.category is not None:
        found.append(col(Complaint.category) == filters.category)
    if filters.assignee is not None:
        found.append(col(Complaint.assignee_id) == filters.assignee)
    if filters.min_cosigns:
        found.append(col(Complaint.cosign_count) >= filters.min_cosigns)
    if filters.older_than_days:
        found.append(col(Complaint.created_at) <= now - timedelta(days=filters.older_than_days))
    return and_(true(), *found)


def _order(sort: Sort, queue: Queue) -> tuple[Any, ...]:
    """The rep's order; by default by deadline (it runs from filing, so oldest first), and
    "customer replied" by how long the consumer has waited since they wrote."""
    if sort is Sort.DUE and queue is Queue.REPLIED:
        return (col(Complaint.turn_since), col(Complaint.id))
    match sort:
        case Sort.NEWEST:
            return (col(Complaint.created_at).desc(), col(Complaint.id).desc())
        case Sort.UPDATED:
            return (col(Complaint.updated_at).desc(), col(Complaint.id).desc())
        case Sort.COSIGNS:
            return (
                col(Complaint.cosign_count).desc(),
                col(Complaint.created_at),
                col(Complaint.id),
            )
    return (col(Complaint.created_at), col(Complaint.id))


def counts(
    *,
    session: Session,
    company: Company,
    user: User,
    filters: Filters | None = None,
    now: datetime | None = None,
) -> dict[Queue, int]:
    """How many complaints each queue holds (with the rep's search applied), in one query;
    each count stops one past ``COUNT_CAP`` (a busy company's queue shows "more than")."""
    now = now or utcnow()
    filters = filters or Filters()
    capped = []
    for q in Queue:
        inner = select(Complaint.id)
        if filters.q:
            inner = inner.join(User, col(User.id) == Complaint.author_id)
        inner = (
            inner.where(_of(pk(company)), _where(q, user, company, now), _search(filters, now))
            .order_by(col(Complaint.created_at), col(Complaint.id))  # the queue's index order
            .limit(COUNT_CAP + 1)
        )
        capped.append(select(func.count()).select_from(inner.subquery()).scalar_subquery())
    row = session.exec(select(*capped)).one()
    return {q: int(n) for q, n in zip(Queue, row, strict=True)}


def page(
    *,
    session: Session,
    company: Company,
    user: User,
    queue: Queue,
    filters: Filters | None = None,
    offset: int = 0,
    limit: int = 20,
    now: datetime | None = None,
) -> list[Row]:
    """One page of the queue, in the rep's order (due first unless they chose another)."""
    now = now or utcnow()
    filters = filters or Filters()
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
        .where(_of(pk(company)), _where(queue, user, company, now), _search(filters, now))
        .order_by(*_order(filters.sort, queue))
        .offset(offset)
        .limit(limit)
    ).all()
    return [
        Row(c, author, member, flags(c, now=now), turn.current(c), targets.due(c, company, now=now))
        for c, author, member in rows
    ]


NEXT_WINDOW = 500  # how far down the queue "next" looks


def next_after(
    *,
    session: Session,
    company: Company,
    user: User,
    queue: Queue,
    filters: Filters,
    complaint_id: int,
    now: datetime | None = None,
) -> int | None:
    """The complaint after this one in the rep's queue (same filters and order); if this one has
    left the queue (answered, taken), the top of the queue; None when nothing else is in it."""
    now = now or utcnow()
    found = select(Complaint.id)
    if filters.q:
        found = found.join(User, col(User.id) == Complaint.author_id)
    ids = list(
        session.exec(
            found.where(_of(pk(company)), _where(queue, user, company, now), _search(filters, now))
            .order_by(*_order(filters.sort, queue))
            .limit(NEXT_WINDOW)
        )
    )
    if complaint_id in ids:
        after = ids[ids.index(complaint_id) + 1 :]
        return after[0] if after else next((n for n in ids if n != complaint_id), None)
    return ids[0] if ids else None
