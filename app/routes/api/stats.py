"""JSON API v1 for statistics: the live leaderboard and one company's numbers, paged, read from
the aggregates. Column names are those documented on /methodology#data."""

from datetime import datetime

from fastapi import APIRouter

from app.companies import service as companies
from app.errors import DomainError, NotFound
from app.models.keys import pk
from app.models.stats import StatFields
from app.stats import export, leaderboard
from app.stats.leaderboard import DEFAULT_SORT, Query
from app.stats.metrics import METHODOLOGY_VERSION, WINDOWS
from app.web.api_schema import PROBLEMS, DbId, Limit, Offset, Paged
from app.web.deps import SessionDep

router = APIRouter(prefix="/api/v1", tags=["statistics"])


class StatRow(StatFields):
    """Every metric for one company, window and category (rates 0-1, days; null: none/not
    reached)."""

    company_id: int
    company_name: str
    company_slug: str
    window: str
    category: str
    rank: int | None = None  # null: not enough complaints to rank
    methodology_version: str
    computed_at: datetime | None


@router.get("/leaderboard", response_model=Paged[StatRow], responses=PROBLEMS)
def get_leaderboard(
    session: SessionDep,
    limit: Limit = 20,
    offset: Offset = 0,
    window: str = "12m",
    category: str = "",
    sort: str = DEFAULT_SORT,
    dir: str = "",
):
    """The live leaderboard: ranked companies first, best first by ``sort``."""
    query = Query.parse(window=window, category=category, sort=sort, direction=dir)
    rows, total = leaderboard.page(session=session, query=query, offset=offset, limit=limit)
    items = [
        StatRow(
            **export.rounded(r.stats),
            company_id=r.company_id,
            company_name=r.company_name,
            company_slug=r.company_slug,
            window=query.period,
            category=query.category,
            rank=r.rank,
            methodology_version=METHODOLOGY_VERSION,
            computed_at=r.computed_at,
        )
        for r in rows
    ]
    return Paged[StatRow](items=items, total=total, limit=limit, offset=offset)


@router.get("/companies/{company_id}/stats", response_model=Paged[StatRow], responses=PROBLEMS)
def get_company_stats(
    session: SessionDep,
    company_id: DbId,
    limit: Limit = 20,
    offset: Offset = 0,
    window: str | None = None,
):
    """A company's numbers for every window and category it has complaints in (category ""
    is all categories). No rank here: see /api/v1/leaderboard."""
    company = companies.get(session=session, company_id=company_id)
    if company is None or not companies.is_listed(session=session, company=company):
        raise NotFound("There is no company with that id.")
    if window is not None and window not in WINDOWS:
        raise DomainError(f"window must be one of {', '.join(WINDOWS)}")
    stats = leaderboard.for_company(session=session, company_id=company_id, period=window)
    items = [
        StatRow(
            **export.rounded(StatFields.model_validate(s, from_attributes=True)),
            company_id=pk(company),
            company_name=company.name,
            company_slug=company.slug,
            window=s.period,
            category=s.category,
            methodology_version=s.methodology_version,
            computed_at=s.computed_at,
        )
        for s in stats[offset : offset + limit]
    ]
    return Paged[StatRow](items=items, total=len(stats), limit=limit, offset=offset)
