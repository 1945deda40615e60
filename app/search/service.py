"""Complaint lists and search: one filtered query behind the home page, company pages, "my
complaints", the journalists' /search and the JSON API.

Every list costs what its page costs, not what the table holds (bench/README.md measures it at
10 thousand and 1 million complaints): a page is read in index order with a LIMIT, counts stop
at ``COUNT_CAP`` ("more than 1,000"), and text search ranks (and counts) the newest ``RANK_POOL``,
which the full-text backend finds by walking its index newest first and stopping.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, overload

from sqlalchemy import ColumnElement, Select, literal, text, tuple_
from sqlmodel import Session, col, func, select

from app.clock import utcnow
from app.columns import UTCDateTime
from app.complaints import visibility
from app.complaints.flags import overdue_cutoff
from app.complaints.states import OPEN_STATES
from app.models import fulltext as fts
from app.models.company import Company
from app.models.complaint import Category, Complaint, ComplaintState, Turn
from app.models.keys import keys
from app.models.user import User
from app.search import fulltext
from app.search import query as parser

MAX_QUERY_CHARS = 200
# A count stops here; beyond it "more than 1,000" is all a reader needs. Low enough that a small
# site already reaches it for common filters, so counting costs the same at 10 thousand and at a
# million complaints.
COUNT_CAP = 1_000
# Text search ranks the newest RANK_POOL matches and counts no further ("more than 200"): the
# newest matches of a filtered or phrase search are sparse at a million complaints, and every
# one more found is more of the index walked; a small site has about this many for most
# searches, so a large one does no more work per page.
RANK_POOL = 200


Row = tuple[Complaint, Company, User]


@dataclass(frozen=True)
class Filters:
    company_id: int | None = None
    state: ComplaintState | None = None
    category: Category | None = None
    author_id: int | None = None
    waiting_for: Turn | None = None  # whose turn it is (app/complaints/turn.py)
    text: str | None = None
    overdue: bool = False
    industry: str | None = None  # a sector key: complaints about companies in that industry
    filed_from: date | None = None  # inclusive, UTC calendar days
    filed_to: date | None = None  # inclusive


def cap(filters: Filters) -> int:
    """Where the count of this search stops (above it: "more than")."""
    return RANK_POOL if parser.parse((filters.text or "")[:MAX_QUERY_CHARS]) else COUNT_CAP


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Cursor:
    """A place in a newest-first list: keyset pagination reads the next page by index from
    here, so page 500 costs what page 1 costs (an offset reads and drops every row before)."""

    created_at: datetime
    id: int

    @classmethod
    def of(cls, complaint: Complaint) -> "Cursor":
        return cls(complaint.created_at, complaint.id or 0)

    def token(self) -> str:
        return f"{(self.created_at - _EPOCH) // timedelta(microseconds=1)}.{self.id}"

    @classmethod
    def parse(cls, token: str) -> "Cursor | None":
        """None for anything that is not a token this class made."""
        try:
            micros, cid = (int(part) for part in token.split(".", 1))
            return cls(_EPOCH + timedelta(microseconds=micros), cid)
        except (ValueError, OverflowError):
            return None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _where(filters: Filters, now: datetime | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.company_id is not None:
        where.append(col(Complaint.company_id) == filters.company_id)
    if filters.state is not None:
        where.append(col(Complaint.state) == filters.state)
    if filters.category is not None:
        where.append(col(Complaint.category) == filters.category)
    if filters.author_id is not None:
        where.append(col(Complaint.author_id) == filters.author_id)
    if filters.waiting_for is not None:
        where.append(col(Complaint.turn) == filters.waiting_for)
    else:  # an author's own list shows everything of theirs; every other list, listed only
        where.append(visibility.listed())
    if filters.filed_from is not None:
        where.append(col(Complaint.created_at) >= _start_of(filters.filed_from))
    if filters.filed_to is not None:
        where.append(col(Complaint.created_at) < _start_of(filters.filed_to + timedelta(days=1)))
    if filters.industry is not None:
        peers = select(Company.id).where(col(Company.sector) == filters.industry)
        where.append(col(Complaint.company_id).in_(peers))
    if filters.overdue:
        where += [
            col(Complaint.first_response_at).is_(None),
            col(Complaint.state).in_(list(OPEN_STATES)),
            col(Complaint.created_at) <= overdue_cutoff(now=now),
        ]
    return where


MAX_MONTHS = 24  # a longer date range is checked on the rows alone


def _months(start: date, end: date) -> list[str]:
    months: list[str] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month) and len(months) <= MAX_MONTHS:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months if len(months) <= MAX_MONTHS else []


def _one_of(kind: str, values: list[str]) -> str:
    """FTS5: the facets column holds one of these values' tokens."""
    return f"{fts.FACETS} : (" + " OR ".join(f'"{fts.facet(kind, v)}"' for v in values) + ")"


def _in_index(
    filters: Filters, now: datetime | None
) -> tuple[list[str], list[ColumnElement[bool]]]:
    """SQLite text search: the filters as facet tokens of the full-text index (so the index
    finds the matches that pass), and what the tokens cannot say, checked on each match's row
    (the same meaning as ``_where``)."""
    facets: list[str] = []
    if filters.company_id is not None:
        facets.append(_one_of("c", [str(filters.company_id)]))
    if filters.state is not None:
        facets.append(_one_of("s", [filters.state.value]))
    if filters.category is not None:
        facets.append(_one_of("k", [filters.category.value]))
    if filters.industry is not None:
        facets.append(_one_of("i", [filters.industry]))
    if filters.waiting_for is None:
        facets.append(_one_of("v", [v.value for v in visibility.LISTED]))
    if filters.overdue:
        facets += [_one_of("unanswered", [""]), _one_of("s", [s.value for s in OPEN_STATES])]
    start = filters.filed_from
    end = filters.filed_to or (start and (now or utcnow()).date())
    if start and end and (months := _months(start, end)):
        facets.append(_one_of("m", months))
    rest: list[ColumnElement[bool]] = []
    if filters.author_id is not None:
        rest.append(col(Complaint.author_id) == filters.author_id)
    if filters.waiting_for is not None:  # as in _where: then not held to listed ones
        rest.append(col(Complaint.turn) == filters.waiting_for)
    if filters.filed_from is not None:
        rest.append(col(Complaint.created_at) >= _start_of(filters.filed_from))
    if filters.filed_to is not None:
        rest.append(col(Complaint.created_at) < _start_of(filters.filed_to + timedelta(days=1)))
    if filters.overdue:  # unanswered and open are in the tokens; the deadline is a time
        rest.append(col(Complaint.created_at) <= overdue_cutoff(now=now))
    return facets, rest


def _capped(session: Session, stmt: Select) -> int:
    """Rows of ``stmt``, counted up to one past ``COUNT_CAP``."""
    return session.execute(
        select(func.count()).select_from(stmt.limit(COUNT_CAP + 1).subquery())
    ).scalar_one()


def _rows(session: Session, ids: list[int]) -> list[Row]:
    """The complaints with these ids, with company and author, in the order given."""
    if not ids:
        return []
    found = session.execute(  # execute, not exec: rows of three entities, not scalars
        select(Complaint, Company, User)
        .join(Company, col(Company.id) == Complaint.company_id)
        .join(User, col(User.id) == Complaint.author_id)
        .where(col(Complaint.id).in_(ids))
    ).all()
    by_id = {c.id: (c, co, u) for c, co, u in found}
    return [by_id[i] for i in ids if i in by_id]


@overload
def search(
    *,
    session: Session,
    filters: Filters,
    offset: int = 0,
    limit: int = 20,
    oldest_first: bool = False,
    now: datetime | None = None,
    before: Cursor | None = None,
    after: Cursor | None = None,
    count: Literal[True] = True,
) -> tuple[list[Row], int]: ...


@overload
def search(
    *,
    session: Session,
    filters: Filters,
    offset: int = 0,
    limit: int = 20,
    oldest_first: bool = False,
    now: datetime | None = None,
    before: Cursor | None = None,
    after: Cursor | None = None,
    count: Literal[False],
) -> tuple[list[Row], None]: ...


@overload
def search(
    *,
    session: Session,
    filters: Filters,
    offset: int = 0,
    limit: int = 20,
    oldest_first: bool = False,
    now: datetime | None = None,
    before: Cursor | None = None,
    after: Cursor | None = None,
    count: bool,
) -> tuple[list[Row], int | None]: ...


def search(
    *,
    session: Session,
    filters: Filters,
    offset: int = 0,
    limit: int = 20,
    oldest_first: bool = False,
    now: datetime | None = None,
    before: Cursor | None = None,
    after: Cursor | None = None,
    count: bool = True,
) -> tuple[list[Row], int | None]:
    """A page of complaints with their company and author, and how many there are, counted up
    to ``COUNT_CAP + 1`` (more than the cap: show "more than"), or None with ``count=False``.

    With search text: the best match among the newest ``RANK_POOL`` matches first (ties
    newest first), counted up to ``RANK_POOL + 1`` (``cap()``); pages go as far as that.
    Without: newest (or oldest) first, from ``offset`` or
    from a cursor: ``before`` (older rows) or ``after`` (newer rows, still listed newest first).
    Text with nothing searchable in it (only punctuation) is no text filter at all.
    """
    where = _where(filters, now)
    query = parser.parse((filters.text or "")[:MAX_QUERY_CHARS])
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # psycopg prepares a statement on its fifth use, and after five more PostgreSQL may
        # settle on a generic plan, made without knowing the words, the filters or their
        # selectivity: for a search it picked scans that read every match (q=1750: 2 ms with
        # its own plan, 87 ms generic; a common phrase, 5.7 s). Plan each list for its values.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    if query and dialect == "sqlite":
        facets, rest = _in_index(filters, now)
        ids, total = fulltext.ranked(
            session,
            rest,
            query,
            dialect,
            pool=RANK_POOL + 1,
            rank=RANK_POOL,
            offset=offset,
            limit=limit,
            facets=facets,
        )
        return _rows(session, ids), total if count else None
    if query:
        # Overdue ones are all unanswered: the unanswered index (first_response_at, created_at,
        # id) lists them newest first, instead of every listed complaint filed before the cutoff.
        constant = (col(Complaint.first_response_at),) if filters.overdue else ()
        ids, total = fulltext.ranked(
            session,
            where,
            query,
            dialect,
            pool=RANK_POOL + 1,
            rank=RANK_POOL,
            offset=offset,
            limit=limit,
            constant=constant,
        )
        return _rows(session, ids), total if count else None
    key = (col(Complaint.created_at), col(Complaint.id))
    stmt = select(col(Complaint.id)).where(*where)
    if before is not None:
        stmt = stmt.where(tuple_(*key) < tuple_(literal(before.created_at, UTCDateTime), before.id))
    if after is not None:
        stmt = stmt.where(tuple_(*key) > tuple_(literal(after.created_at, UTCDateTime), after.id))
    ascending = oldest_first or after is not None
    order = [k.asc() if ascending else k.desc() for k in key]
    ids = keys(session.exec(stmt.order_by(*order).offset(offset).limit(limit)))
    if after is not None and not oldest_first:
        ids.reverse()
    if not count:
        return _rows(session, ids), None
    # Counted in the list's own order, so the count reads the same index as the page.
    return _rows(session, ids), _capped(
        session, select(Complaint.id).where(*where).order_by(*order)
    )
