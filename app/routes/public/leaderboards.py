"""Leaderboards, monthly snapshots, the methodology and the data behind them (all read-only)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi import Query as QueryParam
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from app.config import get_settings
from app.errors import NotFound
from app.models.company import SECTORS
from app.models.complaint import Category
from app.models.stats import StatFields
from app.models.user import User
from app.slots import slot_when_needed
from app.stats import export, leaderboard, snapshots
from app.stats.leaderboard import COLUMNS, SORTS, Query, Row
from app.stats.metrics import METHODOLOGY_VERSION, WINDOW_LABELS
from app.web import caching
from app.web.csrf import require_csrf
from app.web.deps import OptionalUser, SessionDep
from app.web.downloads import csv_response, download_name, stats_window
from app.web.pagination import Page
from app.web.templating import alike_page, render

router = APIRouter(dependencies=[Depends(require_csrf)])
EXPORT_LIMIT = 100_000  # leaderboard rows in one export: more than there are companies


async def _query(
    window: str = "12m",
    category: str = "",
    sort: str = leaderboard.DEFAULT_SORT,
    dir: str = "",
    industry: str = "",
) -> Query:
    """The leaderboard view a URL asks for (?window=&category=&sort=&dir=&industry=): page and
    exports. Parsing only, so on the event loop: a thread hop would cost more."""
    return Query.parse(
        window=window, category=category, sort=sort, direction=dir, industry=industry
    )


QueryDep = Annotated[Query, Depends(_query)]


def leaderboard_record(row: Row, query: Query) -> dict[str, Any]:
    return {
        "rank": row.rank,
        "company_id": row.company_id,
        "company_name": row.company_name,
        "company_slug": row.company_slug,
        "window": query.period,
        "category": query.category,
        **export.rounded(row.stats),
        "methodology_version": METHODOLOGY_VERSION,
        "computed_at": row.computed_at,
    }


def _all_rows(session: Session, query: Query) -> list[Row]:
    rows, _ = leaderboard.page(session=session, query=query, offset=0, limit=EXPORT_LIMIT)
    return rows


@router.get("/leaderboards")
@slot_when_needed
async def index(
    request: Request,
    session: SessionDep,
    _user: OptionalUser,
    query: QueryDep,
    page: int = 1,
    cols: Annotated[list[str], QueryParam()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    def page_of() -> Response:
        return _index(request, session, _user, query, page=page, cols=cols)

    return await caching.serve(request, session, page_of, viewer=_user)


def _index(
    request: Request,
    session: Session,
    _user: User | None,
    query: Query,
    *,
    page: int,
    cols: list[str],
) -> Response:
    # Rendered once per refresh of the aggregates, per process (the query is in the URL,
    # which the ETag covers); the hour keeps "computed at" honest in a long quiet spell.
    fresh = caching.remembered(request, viewer=_user)
    if fresh is None:
        refreshed, newest_snapshot = leaderboard.last_change(session=session)
        fresh = caching.conditional(
            request,
            viewer=_user,
            parts=(
                *caching.settled(refreshed),
                newest_snapshot,
                caching.hour_bucket(),
                get_settings().min_ranked_complaints,
                METHODOLOGY_VERSION,
            ),
            keep=True,
        )
    if early := fresh.answered():
        return early

    def content() -> dict[str, Any]:
        shown = leaderboard.columns(cols)
        pager = Page.of(page, 50)
        rows, total = leaderboard.page(
            session=session,
            query=query,
            offset=pager.offset,
            limit=pager.size,
            refreshed=leaderboard.last_change(session=session)[0],
        )
        computed = [r.computed_at for r in rows if r.computed_at]
        return {
            "entries": [
                (r.rank, r.company_name, r.company_slug, export.rounded(r.stats)) for r in rows
            ],
            "query": query,
            "sorts": SORTS,
            "columns": COLUMNS,
            "cols": [c for c in COLUMNS if c.key in shown],
            "chosen": shown,
            "default_cols": leaderboard.DEFAULT_COLUMNS,
            "ranked_in": leaderboard.ranked_counts(
                session=session, category=query.category, industry=query.industry
            ),
            "windows": WINDOW_LABELS,
            "categories": list(Category),
            "industries": SECTORS,
            "pager": pager.with_total(total),
            "computed_from": min(computed) if computed else None,
            "computed_to": max(computed) if computed else None,
            "min_ranked": get_settings().min_ranked_complaints,
            "version": METHODOLOGY_VERSION,
            "snapshots": snapshots.listing(session=session)[:12],
        }

    # The whole table is alike for every viewer: its rows are read and it is rendered once per
    # validator, then only the page around it (the viewer's name, their forms) per visit.
    page_ = alike_page(request, "leaderboards/index.html", content, fresh=fresh, viewer=_user)
    return fresh.apply(page_)


def _records(session: Session, query: Query) -> list[dict]:
    """Every row of the live leaderboard in its export shape (CSV and JSON alike)."""
    return [leaderboard_record(r, query) for r in _all_rows(session, query)]


@router.get("/leaderboards.csv")
def index_csv(
    session: SessionDep,
    query: QueryDep,
) -> Response:
    records = _records(session, query)
    columns = [name for name, _ in export.LEADERBOARD_COLUMNS]
    name = download_name("outcry-leaderboard", query.period, query.category) + ".csv"
    return csv_response(export.csv_lines(columns, records), name)


@router.get("/leaderboards.json")
def index_json(
    session: SessionDep,
    query: QueryDep,
) -> Response:
    records = _records(session, query)
    return JSONResponse(
        {
            "methodology_version": METHODOLOGY_VERSION,
            "window": query.period,
            "category": query.category,
            "industry": query.industry,
            "sort": query.sort,
            "min_ranked": get_settings().min_ranked_complaints,
            "rows": [{k: export.json_value(v) for k, v in r.items()} for r in records],
        }
    )


@router.get("/leaderboards/snapshots")
def snapshot_list(request: Request, session: SessionDep, _user: OptionalUser) -> Response:
    return render(
        request,
        "leaderboards/snapshots.html",
        {"snapshots": snapshots.listing(session=session)},
    )


def _snapshot_or_404(session: Session, month: str):
    found = snapshots.get(session=session, month=month) if snapshots.MONTH_RE.match(month) else None
    if found is None:
        raise NotFound(f"There is no leaderboard snapshot for {month}.")
    return found


def snapshot_record(snapshot, row) -> dict[str, Any]:
    return {
        "month": snapshot.month,
        "rank": row.position if row.data.get("ranked") else None,
        "company_id": row.company_id,
        "company_name": row.company_name,
        "company_slug": row.company_slug,
        "window": row.period,
        "category": "",
        **export.rounded(StatFields.model_validate(row.data)),
        "methodology_version": snapshot.methodology_version,
        "computed_at": snapshot.as_of,
    }


@router.get("/leaderboards/{month}.csv")
def snapshot_csv(session: SessionDep, month: str, window: str = "12m") -> Response:
    snapshot = _snapshot_or_404(session, month)
    found, _ = snapshots.rows(
        session=session, snapshot=snapshot, period=stats_window(window), limit=EXPORT_LIMIT
    )
    columns = ["month", *(name for name, _ in export.LEADERBOARD_COLUMNS)]
    records = [snapshot_record(snapshot, r) for r in found]
    return csv_response(
        export.csv_lines(columns, records), f"outcry-leaderboard-{month}-{window}.csv"
    )


@router.get("/leaderboards/{month}.json")
def snapshot_json(session: SessionDep, month: str, window: str = "12m") -> Response:
    snapshot = _snapshot_or_404(session, month)
    found, _ = snapshots.rows(
        session=session, snapshot=snapshot, period=stats_window(window), limit=EXPORT_LIMIT
    )
    return JSONResponse(
        {
            "month": snapshot.month,
            "methodology_version": snapshot.methodology_version,
            "as_of": snapshot.as_of.isoformat(),
            "taken_at": snapshot.taken_at.isoformat(),
            "min_ranked": snapshot.min_ranked,
            "window": window,
            "rows": [
                {k: export.json_value(v) for k, v in snapshot_record(snapshot, r).items()}
                for r in found
            ],
        }
    )


@router.get("/leaderboards/ignored")
def ignored(
    request: Request,
    session: SessionDep,
    _user: OptionalUser,
    window: str = "all",
    category: str = "",
    industry: str = "",
) -> Response:
    """Who leaves customers waiting: most overdue now, longest unanswered, and the largest
    share unanswered past the deadline."""
    query = Query.parse(
        window=window, category=category, sort="overdue", direction="desc", industry=industry
    )
    lists = {
        key: leaderboard.most_ignored(
            session=session,
            period=query.period,
            category=query.category,
            key=key,
            industry=query.industry,
        )
        for key in leaderboard.IGNORED
    }
    return render(
        request,
        "leaderboards/ignored.html",
        {
            "query": query,
            "lists": {
                key: [(r.company_name, r.company_slug, export.rounded(r.stats)) for r in rows]
                for key, rows in lists.items()
            },
            "windows": WINDOW_LABELS,
            "categories": list(Category),
            "industries": SECTORS,
            "min_ranked": get_settings().min_ranked_complaints,
            "deadline_days": get_settings().response_deadline_days,
        },
    )


@router.get("/leaderboards/{month}")
def snapshot_page(
    request: Request,
    session: SessionDep,
    _user: OptionalUser,
    month: str,
    window: str = "12m",
    page: int = 1,
) -> Response:
    snapshot = _snapshot_or_404(session, month)
    # Frozen for good: the snapshot row itself is the validator.
    fresh = caching.conditional(request, viewer=_user, parts=(snapshot.id, snapshot.taken_at))
    if fresh.not_modified:
        return fresh.response_304()
    pager = Page.of(page, 50)
    found, total = snapshots.rows(
        session=session,
        snapshot=snapshot,
        period=stats_window(window),
        offset=pager.offset,
        limit=pager.size,
    )
    response = render(
        request,
        "leaderboards/snapshot.html",
        {
            "snapshot": snapshot,
            "entries": [
                (rec["rank"], r.company_name, r.company_slug, rec)
                for r in found
                for rec in [snapshot_record(snapshot, r)]
            ],
            "window": window,
            "windows": WINDOW_LABELS,
            "cols": [c for c in COLUMNS if c.shown],
            "pager": pager.with_total(total),
        },
    )
    return fresh.apply(response)
