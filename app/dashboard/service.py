"""The queue: a company's complaints as its reps work through them, by state, search and filters,
oldest due first unless the rep sorts otherwise."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    column,
    exists,
    literal_column,
    or_,
    table,
    true,
    union_all,
)
from sqlalchemy.orm import aliased
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
from app.models.fulltext import FACETS, FTS_TABLE, PG_COLUMN, facet
from app.models.keys import pk
from app.models.membership import CompanyMember
from app.models.user import User
from app.search import query as parser

# Each queue's count shows at most one past this: a rep needs "more than 100", not the exact
# backlog of the busiest company.
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


# Queues that hold open complaints only (see _where).
LIVE = (
    Queue.OPEN,
    Queue.UNASSIGNED,
    Queue.MINE,
    Queue.AT_RISK,
    Queue.OVERDUE,
    Queue.AWAITING,
    Queue.DISPUTED,
)

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


def _where(queue: Queue, user_id: int, company: Company, now: datetime) -> ColumnElement[bool]:
    """Which of the company's complaints the queue holds; the open ones unless it says."""
    open_ = col(Complaint.state).in_(list(OPEN_STATES))
    match queue:
        case Queue.OPEN:
            return open_
        case Queue.UNASSIGNED:
            return and_(open_, col(Complaint.assignee_id).is_(None))
        case Queue.MINE:
            return and_(open_, col(Complaint.assignee_id) == user_id)
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


def _words(q: str, company_id: int, dialect: str) -> ColumnElement[bool] | None:
    """Complaints whose title or text hold the words, through the full-text index (app/search):
    an index lookup instead of reading every complaint's text."""
    query = parser.parse(q)
    if not query:
        return None
    if dialect == "postgresql":
        # A subquery of its own, so the GIN index answers it (within an OR it could not).
        matched = aliased(Complaint, name="matched")
        vector: ColumnElement[Any] = literal_column(f"matched.{PG_COLUMN}")
        tsquery = func.to_tsquery(literal_column("'english'::regconfig"), parser.to_tsquery(query))
        return col(Complaint.id).in_(
            select(matched.id).where(matched.company_id == company_id, vector.op("@@")(tsquery))
        )
    fts = table(FTS_TABLE, column("rowid"))
    # The company is a token of the index's facets column: only its own matches are read.
    match = f'({parser.to_fts5(query)}) AND ({FACETS} : "{facet("c", company_id)}")'
    return col(Complaint.id).in_(
        select(fts.c.rowid).where(literal_column(FTS_TABLE).op("MATCH")(match))
    )


_consumer = aliased(User)  # its own name, so the probe never correlates with a page's join


def _search(filters: Filters, now: datetime, company_id: int, dialect: str) -> ColumnElement[bool]:
    found: list[ColumnElement[bool]] = []
    q = filters.q.strip()
    if q:
        number = q.lstrip("#")
        part = f"%{q}%"
        matches = [
            col(Complaint.private_reference).ilike(part),  # exact or part of it
            # The consumer's name: one primary-key probe per complaint, not a join for every query.
            exists().where(
                col(_consumer.id) == Complaint.author_id, col(_consumer.display_name).ilike(part)
            ),
        ]
        if (words := _words(q, company_id, dialect)) is not None:
            matches.append(words)
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
    """How many complaints each queue holds (with the rep's search applied); each count stops
    one past ``COUNT_CAP`` (a busy company's queue shows "more than")."""
    now = now or utcnow()
    found = shared_counts(session=session, company=company, filters=filters, now=now)
    found[Queue.MINE] = mine_count(
        session=session, company=company, user=user, filters=filters, now=now
    )
    return {q: found[q] for q in Queue}


# Each queue without a search, as disjoint conditions that are each one range of an index whose
# columns start (company_id, state, …) (the open queues: ix_complaint_company_state_owner and
# ix_complaint_company_state_answer; one range per open state), read in the index's order up to
# the cap: each count reads at most that many entries, whatever the company's size. The order
# matters to PostgreSQL too: without it, a LIMIT over a busy company's many rows looks cheap
# enough as a sequential scan of the table.
NOBODY = 0  # no user has this id: "mine" is counted on its own (``mine_count``)
# "Awaiting the consumer" is one range of its own index (the flag is cleared when a complaint
# is resolved or answered), read as it is: split by state, SQLite read each state's whole range.
STATES_OF = {
    q: [ComplaintState(s) for s in sorted(OPEN_STATES)] for q in LIVE if q is not Queue.AWAITING
}
STATES_OF[Queue.CLOSED] = CLOSED


# The column each open queue's range has between the state and the filing time: ordering by it
# too tells PostgreSQL that the range is read in order (``IS NULL`` does not fix a column for
# ordering as ``=`` does); without it PostgreSQL read the state's whole range in filing order
# looking for unanswered or unassigned complaints.
LEAD = {
    Queue.UNASSIGNED: col(Complaint.assignee_id),
    Queue.MINE: col(Complaint.assignee_id),
    Queue.OVERDUE: col(Complaint.first_response_at),
}


def _ranges(
    queue: Queue, user_id: int, company: Company, now: datetime
) -> list[tuple[ColumnElement[bool], tuple[Any, ...]]]:
    """The queue as disjoint conditions, each with the order that reads it as one index range."""
    order = _order(Sort.DUE, queue)
    if queue is Queue.AT_RISK:
        found = [
            (w, (col(Complaint.first_response_at), *order) if unanswered else order)
            for w, unanswered in targets.within_ranges(company, now=now, window=targets.AT_RISK)
        ]
    else:
        lead = (LEAD[queue],) if queue in LEAD else ()
        found = [(_where(queue, user_id, company, now), (*lead, *order))]
    if queue not in STATES_OF:
        return found
    return [(and_(w, col(Complaint.state) == s), o) for w, o in found for s in STATES_OF[queue]]


def _capped(where: ColumnElement[bool], order: tuple[Any, ...] = ()) -> Any:
    inner: Select[Any] = select(literal_column("1")).where(where).order_by(*order)
    return select(func.count()).select_from(inner.limit(COUNT_CAP + 1).subquery()).scalar_subquery()


def _capped_counts(
    session: Session, company: Company, user_id: int, queues: Sequence[Queue], now: datetime
) -> dict[Queue, int]:
    parts = [(q, part) for q in queues for part in _ranges(q, user_id, company, now)]
    row = session.execute(
        select(*(_capped(and_(_of(pk(company)), w), o) for _, (w, o) in parts))
    ).one()
    found = dict.fromkeys(queues, 0)
    for (q, _), n in zip(parts, row, strict=True):
        found[q] += int(n)
    return {q: min(n, COUNT_CAP + 1) for q, n in found.items()}


def shared_counts(
    *,
    session: Session,
    company: Company,
    filters: Filters | None = None,
    now: datetime | None = None,
) -> dict[Queue, int]:
    """Every queue's count but "mine": the same for each of the company's reps."""
    now = now or utcnow()
    filters = filters or Filters()
    queues = [q for q in Queue if q is not Queue.MINE]
    if not (filters.active or filters.older_than_days):
        return _capped_counts(session, company, NOBODY, queues, now)
    search = _search(filters, now, pk(company), _dialect(session))
    # A search: the open queues in one pass over the company's open complaints that match it,
    # each counted by a condition on the row (counting each on its own ran the search once per
    # queue), then the others, which grow with the company's history, each up to the cap.
    live = [q for q in LIVE if q is not Queue.MINE]
    counted = session.execute(
        select(*(func.count(case((_where(q, NOBODY, company, now), 1))) for q in live)).where(
            _of(pk(company)), col(Complaint.state).in_(list(OPEN_STATES)), search
        )
    ).one()
    found = dict(zip(live, counted, strict=True))
    history = [q for q in Queue if q not in LIVE]
    capped = [
        _capped(
            and_(_of(pk(company)), _where(q, NOBODY, company, now), search), _order(Sort.DUE, q)
        )
        for q in history
    ]
    found.update(zip(history, session.execute(select(*capped)).one(), strict=True))
    return {q: min(int(found[q]), COUNT_CAP + 1) for q in queues}


def mine_count(
    *,
    session: Session,
    company: Company,
    user: User,
    filters: Filters | None = None,
    now: datetime | None = None,
) -> int:
    """How many of the company's open complaints the rep owns (with their search), up to the cap."""
    now = now or utcnow()
    filters = filters or Filters()
    if not (filters.active or filters.older_than_days):
        return _capped_counts(session, company, pk(user), [Queue.MINE], now)[Queue.MINE]
    search = _search(filters, now, pk(company), _dialect(session))
    where = and_(_of(pk(company)), _where(Queue.MINE, pk(user), company, now), search)
    return min(int(session.execute(select(_capped(where))).scalar_one()), COUNT_CAP + 1)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


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
    found = and_(_of(pk(company)), _search(filters, now, pk(company), _dialect(session)))
    where = and_(found, _where(queue, pk(user), company, now))
    chosen = (
        col(Complaint.id).in_(
            _due_first(found, queue, pk(user), company, now, offset=offset, limit=limit)
        )
        if filters.sort is Sort.DUE and queue in STATES_OF
        else None
    )
    query = (
        select(Complaint, User, CompanyMember)
        .join(User, col(User.id) == Complaint.author_id)
        .outerjoin(
            CompanyMember,
            and_(
                col(CompanyMember.company_id) == Complaint.company_id,
                col(CompanyMember.user_id) == Complaint.assignee_id,
            ),
        )
        .order_by(*_order(filters.sort, queue))
    )
    if chosen is None:
        query = query.where(where).offset(offset).limit(limit)
    else:
        query = query.where(chosen)
    rows = session.execute(query).all()
    return [
        Row(c, author, member, flags(c, now=now), turn.current(c), targets.due(c, company, now=now))
        for c, author, member in rows
    ]


def _due_first(
    where: ColumnElement[bool],
    queue: Queue,
    user_id: int,
    company: Company,
    now: datetime,
    *,
    offset: int,
    limit: int,
) -> Any:
    """The ids of a page of a queue of several states, oldest first: the first ``offset +
    limit`` of each of its index ranges (``_ranges``: one per state, and at risk's two kinds)
    read in the index's order, then merged. In one range over all the states, PostgreSQL
    cannot read the index in filing order and sorted every open complaint of the company."""
    parts = []
    for condition, order in _ranges(queue, user_id, company, now):
        part = (
            select(col(Complaint.id).label("id"), col(Complaint.created_at).label("at"))
            .where(where, condition)
            .order_by(*order)
            .limit(offset + limit)
            .subquery()
        )
        parts.append(select(part.c.id, part.c.at))
    merged = union_all(*parts).subquery()
    return select(merged.c.id).order_by(merged.c.at, merged.c.id).offset(offset).limit(limit)


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
    search = _search(filters, now, pk(company), _dialect(session))
    where = and_(_of(pk(company)), _where(queue, pk(user), company, now), search)
    if filters.sort is Sort.DUE and queue in STATES_OF:
        base = and_(_of(pk(company)), search)
        found = session.execute(
            _due_first(base, queue, pk(user), company, now, offset=0, limit=NEXT_WINDOW)
        )
    else:
        found = session.execute(
            select(Complaint.id)
            .where(where)
            .order_by(*_order(filters.sort, queue))
            .limit(NEXT_WINDOW)
        )
    ids = [int(n) for n in found.scalars()]
    if complaint_id in ids:
        after = ids[ids.index(complaint_id) + 1 :]
        return after[0] if after else next((n for n in ids if n != complaint_id), None)
    return ids[0] if ids else None
