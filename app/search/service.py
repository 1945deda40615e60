"""Complaint lists and search: one filtered query behind the home page, company pages, "my
complaints", the journalists' /search and the JSON API."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, func, select

from app.complaints import visibility
from app.complaints.flags import overdue_cutoff
from app.complaints.states import OPEN_STATES
from app.models.company import Company
from app.models.complaint import Category, Complaint, ComplaintState
from app.models.user import User
from app.search import fulltext
from app.search import query as parser

MAX_QUERY_CHARS = 200


@dataclass(frozen=True)
class Filters:
    company_id: int | None = None
    state: ComplaintState | None = None
    category: Category | None = None
    author_id: int | None = None
    text: str | None = None
    overdue: bool = False
    filed_from: date | None = None  # inclusive, UTC calendar days
    filed_to: date | None = None  # inclusive


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _filtered(filters: Filters, now: datetime | None):
    stmt = select(Complaint)
    if filters.company_id is not None:
        stmt = stmt.where(Complaint.company_id == filters.company_id)
    if filters.state is not None:
        stmt = stmt.where(Complaint.state == filters.state)
    if filters.category is not None:
        stmt = stmt.where(Complaint.category == filters.category)
    if filters.author_id is not None:
        stmt = stmt.where(Complaint.author_id == filters.author_id)
    else:  # an author's own list shows everything of theirs; every other list, listed only
        stmt = stmt.where(visibility.listed())
    if filters.filed_from is not None:
        stmt = stmt.where(Complaint.created_at >= _start_of(filters.filed_from))
    if filters.filed_to is not None:
        stmt = stmt.where(Complaint.created_at < _start_of(filters.filed_to + timedelta(days=1)))
    if filters.overdue:
        stmt = stmt.where(
            col(Complaint.first_response_at).is_(None),
            col(Complaint.state).in_(list(OPEN_STATES)),
            Complaint.created_at <= overdue_cutoff(now=now),
        )
    return stmt


def search(
    *,
    session: Session,
    filters: Filters,
    offset: int = 0,
    limit: int = 20,
    oldest_first: bool = False,
    now: datetime | None = None,
) -> tuple[list[tuple[Complaint, Company, User]], int]:
    """A page of complaints with their company and author, and the total count.

    With search text: the best match first (ties newest first). Without: newest (or oldest) first.
    Text with nothing searchable in it (only punctuation) is no text filter at all.
    """
    stmt = _filtered(filters, now)
    newest = col(Complaint.created_at).asc() if oldest_first else col(Complaint.created_at).desc()
    order = [newest]
    query = parser.parse((filters.text or "")[:MAX_QUERY_CHARS])
    if query:
        stmt, relevance = fulltext.match(stmt, query, session.get_bind().dialect.name)
        order = [relevance, newest]
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    page = session.execute(  # execute, not exec: rows of three entities, not scalars
        stmt.add_columns(Company, User)
        .join(Company, col(Company.id) == Complaint.company_id)
        .join(User, col(User.id) == Complaint.author_id)
        .order_by(*order, col(Complaint.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return [(c, co, u) for c, co, u in page], total
