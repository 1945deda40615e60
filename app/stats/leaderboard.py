"""Reading the leaderboard from the aggregates (never from complaints), and its stable export
columns. One (window, category) holds at most one row per company; every sort column is indexed
with (period, category, ranked) in front (app/models/stats.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func
from sqlalchemy import select as sa_select
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from app.errors import DomainError
from app.models.company import SECTORS, Company
from app.models.complaint import Category
from app.models.stats import CompanyStat, LeaderboardSnapshot, StatFields
from app.stats import peers
from app.stats.metrics import WINDOWS


@dataclass(frozen=True)
class Sort:
    key: str
    column: str
    label: str
    anchor: str  # /methodology#anchor
    higher_is_better: bool
    none_is_worst: bool = False  # a median "not reached" is slower than any number
    rate: bool = False  # a proportion with a Wilson interval: ordered by a bound, not the rate
    none_as: float | None = None  # the value a missing number sorts as (nothing waiting: 0)

    def bound(self, descending: bool) -> str:
        """The column a rate is ordered by: the edge of its interval furthest from the top of
        the list (lower bound when the highest come first, upper bound when the lowest do), so
        a handful of complaints cannot put a company at the top or the bottom."""
        if not self.rate:
            return self.column
        return self.column.removesuffix("_rate") + ("_low" if descending else "_high")


SORTS: dict[str, Sort] = {
    s.key: s
    for s in [
        Sort("confirmed", "confirmed_rate", "Confirmed resolved", "confirmed", True, rate=True),
        Sort("resolved", "resolved_rate", "Resolved (company says)", "resolved", True, rate=True),
        Sort("timely", "timely_rate", "Answered on time", "timely", True, rate=True),
        Sort(
            "response",
            "response_median_days",
            "Median wait for a first response",
            "response",
            False,
            True,
        ),
        Sort(
            "resolution", "resolution_median_days", "Median resolution", "resolution", False, True
        ),
        Sort("dispute", "dispute_rate", "Disputed", "dispute", False, rate=True),
        Sort("filed", "filed", "Complaints", "filed", True),
        Sort("open", "open_now", "Open now", "open", False),
        Sort("overdue", "overdue_now", "Overdue now", "overdue", False),
        Sort(
            "unanswered",
            "unanswered_rate",
            "Unanswered past the deadline",
            "unanswered",
            False,
            rate=True,
        ),
        Sort("waiting", "oldest_wait_days", "Longest wait", "waiting", False, none_as=0.0),
    ]
}
DEFAULT_SORT = "confirmed"


@dataclass(frozen=True)
class Query:
    period: str = "12m"
    category: str = ""
    sort: str = DEFAULT_SORT
    direction: str = ""  # "asc" or "desc"; blank: best first
    industry: str = ""  # a sector key (app/models/company.py SECTORS); blank: every industry

    @classmethod
    def parse(
        cls, *, window: str, category: str, sort: str, direction: str, industry: str = ""
    ) -> Query:
        if window not in WINDOWS:
            raise DomainError(f"window must be one of {', '.join(WINDOWS)}")
        if category and category not in {c.value for c in Category}:
            raise DomainError("unknown category")
        if sort not in SORTS:
            raise DomainError(f"sort must be one of {', '.join(SORTS)}")
        if direction not in ("", "asc", "desc"):
            raise DomainError("dir must be asc or desc")
        if industry and industry not in SECTORS:
            raise DomainError(f"industry must be one of {', '.join(SECTORS)}")
        return cls(window, category, sort, direction, industry)

    @property
    def descending(self) -> bool:
        if self.direction:
            return self.direction == "desc"
        return SORTS[self.sort].higher_is_better

    def order_by(self) -> list[ColumnElement[Any] | Mapped[Any]]:
        """Ranked companies first, then by the metric; companies below the minimum sample after
        them, most complaints first. In the default direction this is the precomputed sort key
        (an index range scan); reversed, the metric itself, sorted over one (window, category):
        at most one row per company, never per complaint."""
        spec = SORTS[self.sort]
        if self.descending == spec.higher_is_better:
            return [col(getattr(CompanyStat, f"sort_{spec.key}")), col(CompanyStat.company_id)]
        column: ColumnElement[Any] | Mapped[Any] = col(
            getattr(CompanyStat, spec.bound(self.descending))
        )
        if spec.none_as is not None:
            column = func.coalesce(column, spec.none_as)
        ranked = col(CompanyStat.ranked)
        metric = case((ranked, column))  # NULL for unranked rows: they sort by size instead
        ordered = metric.desc() if self.descending else metric.asc()
        # NULL placement: no data always last; "not reached" is the slowest, wherever that is.
        nulls_first = spec.none_is_worst and self.descending
        ordered = ordered.nulls_first() if nulls_first else ordered.nulls_last()
        return [ranked.desc(), ordered, col(CompanyStat.filed).desc(), col(CompanyStat.company_id)]


@dataclass(frozen=True)
class Column:
    key: str  # the sort key when sortable, and the ?cols= name
    label: str
    anchor: str  # /methodology#anchor
    sortable: bool = True
    shown: bool = True  # in the default set


# The leaderboard's columns in order; ?cols= picks a subset (the column chooser). The default
# set fits a 1,280 px screen; the others are a tick away.
COLUMNS: list[Column] = [
    Column("filed", "Complaints", "filed"),
    Column("confirmed", "Confirmed resolved", "confirmed"),
    Column("timely", "Answered on time", "timely"),
    Column("unanswered", "Unanswered past the deadline", "unanswered"),
    Column("response", "Median wait for a first response · p90", "response"),
    Column("waiting", "Longest wait", "waiting"),
    Column("open", "Open now", "open"),
    Column("overdue", "Overdue now", "overdue"),
    Column("resolved", "Resolved (company says)", "resolved", shown=False),
    Column("resolution", "Resolution: median · p90", "resolution", shown=False),
    Column("dispute", "Disputed", "dispute"),
    Column("attempts", "Prior contact attempts", "attempts", sortable=False, shown=False),
    Column("templated", "Templated replies", "templated", sortable=False, shown=False),
    Column("cosigns", "Co-signers per complaint", "cosigns", sortable=False, shown=False),
]
DEFAULT_COLUMNS = tuple(c.key for c in COLUMNS if c.shown)


def columns(chosen: list[str]) -> tuple[str, ...]:
    """The columns to show, in table order: the chosen ones (unknown names are an error), or the
    default set. The sorted column is always shown, so the order on screen has a reason."""
    known = {c.key for c in COLUMNS}
    if unknown := [c for c in chosen if c not in known]:
        raise DomainError(f"unknown column: {', '.join(unknown)}")
    wanted = set(chosen) or set(DEFAULT_COLUMNS)
    return tuple(c.key for c in COLUMNS if c.key in wanted)


UNRANKED = 1e10  # added to the key of a company below the minimum sample: after every ranked one
MISSING = 1e9  # no data, or a median not reached: after every real value


def sort_key(fields: StatFields, spec: Sort) -> float:
    """The non-null number the default order sorts by, ascending: best first. Rates by the
    pessimistic edge of their interval (``Sort.bound``); companies below the minimum sample
    after every ranked one, most complaints first, whatever the metric."""
    if not fields.ranked:
        return UNRANKED - fields.filed
    value = getattr(fields, spec.bound(spec.higher_is_better))
    if value is None:
        value = spec.none_as
    if value is None:
        return MISSING
    return -float(value) if spec.higher_is_better else float(value)


def sort_keys(fields: StatFields) -> dict[str, float]:
    return {f"sort_{spec.key}": sort_key(fields, spec) for spec in SORTS.values()}


@dataclass(frozen=True)
class Row:
    position: int
    rank: int | None  # None: not enough complaints to rank
    company_id: int
    company_name: str
    company_slug: str
    stats: StatFields
    computed_at: datetime | None


def _where(query: Query) -> ColumnElement[bool]:
    where = (col(CompanyStat.period) == query.period) & (
        col(CompanyStat.category) == query.category
    )
    if query.industry:
        peers = select(Company.id).where(col(Company.sector) == query.industry)
        where = where & col(CompanyStat.company_id).in_(peers)
    return where


# (window, category, latest refresh) -> rows, for the live count (before the refresh has stored
# the counts): it visits one row per company, so each process counts once per refresh.
_totals: dict[tuple[str, str, str, datetime | None], int] = {}
_TOTALS_KEPT = 256


def total(*, session: Session, query: Query, refreshed: datetime | None = None) -> int:
    """How many companies the (window, category) lists: the stored count (one row), else
    counted; with ``refreshed`` (``last_change``'s first part), counted once per refresh per
    process."""
    scope = query.industry or peers.EVERY
    if found := peers.stored(
        session=session, scope=scope, period=query.period, category=query.category
    ):
        return found.listed
    key = (query.period, query.category, query.industry, refreshed)
    if refreshed is not None and key in _totals:
        return _totals[key]
    counted = session.exec(select(func.count()).select_from(CompanyStat).where(_where(query))).one()
    if refreshed is not None:
        if len(_totals) >= _TOTALS_KEPT:
            _totals.clear()
        _totals[key] = counted
    return counted


def page(
    *,
    session: Session,
    query: Query,
    offset: int,
    limit: int,
    refreshed: datetime | None = None,
) -> tuple[list[Row], int]:
    """One page of the live leaderboard and the total number of rows."""
    count = total(session=session, query=query, refreshed=refreshed)
    # The page of aggregates first (an index range scan), then the names of just those
    # companies: a join up front lets a planner sort every company before the LIMIT.
    found = session.exec(
        select(CompanyStat)
        .where(_where(query))
        .order_by(*query.order_by())
        .offset(offset)
        .limit(limit)
    ).all()
    return _rows(session, found, offset=offset), count


def _rows(session: Session, found: Sequence[CompanyStat], *, offset: int) -> list[Row]:
    """Aggregate rows with their companies' names (one query for the page's companies)."""
    ids = [stat.company_id for stat in found]
    names = {
        cid: (name, slug)
        for cid, name, slug in session.exec(
            select(Company.id, Company.name, Company.slug).where(col(Company.id).in_(ids))
        )
    }
    rows = []
    for i, stat in enumerate(found, start=offset + 1):
        name, slug = names.get(stat.company_id, ("", ""))
        rows.append(
            Row(
                position=i,
                rank=i if stat.ranked else None,
                company_id=stat.company_id,
                company_name=name,
                company_slug=slug,
                stats=stat,  # a CompanyStat is a StatFields: no copy
                computed_at=stat.computed_at,
            )
        )
    return rows


def ranked_counts(*, session: Session, category: str, industry: str = "") -> dict[str, int]:
    """How many companies each window ranks for a category (and industry): where to send a
    reader whose window hides most companies below the minimum sample."""
    stored = peers.by_window(session=session, scope=industry or peers.EVERY, category=category)
    if all(period in stored for period in WINDOWS):
        return {period: stored[period].ranked for period in WINDOWS}
    stmt = select(CompanyStat.period, func.count()).where(
        col(CompanyStat.category) == category, col(CompanyStat.ranked)
    )
    if industry:
        peer_ids = select(Company.id).where(col(Company.sector) == industry)
        stmt = stmt.where(col(CompanyStat.company_id).in_(peer_ids))
    found = dict(session.exec(stmt.group_by(col(CompanyStat.period))).all())
    return {period: found.get(period, 0) for period in WINDOWS}


# The "most ignored" lists: (column, ranked companies only?). Counts and waits need no minimum
# sample (eight overdue complaints are eight, whatever the total); a share does.
IGNORED: dict[str, tuple[str, bool]] = {
    "overdue": ("overdue_now", False),
    "waiting": ("oldest_wait_days", False),
    "unanswered": ("unanswered_low", True),
}


def most_ignored(
    *, session: Session, period: str, category: str, key: str, limit: int = 10, industry: str = ""
) -> list[Row]:
    """The companies worst on one neglect measure, worst first (a share by its Wilson lower
    bound, so a few complaints cannot top it); companies with nothing to report are left out."""
    column_name, ranked_only = IGNORED[key]
    column = col(getattr(CompanyStat, column_name))
    stmt = select(CompanyStat).where(
        _where(Query(period, category, industry=industry)), column.is_not(None), column > 0
    )
    if ranked_only:
        stmt = stmt.where(col(CompanyStat.ranked))
    found = session.exec(
        stmt.order_by(
            column.desc(), col(CompanyStat.filed).desc(), col(CompanyStat.company_id)
        ).limit(limit)
    ).all()
    return _rows(session, found, offset=0)


def industry_medians(*, session: Session, industry: str, period: str = "all") -> dict[str, Any]:
    """The median of each headline metric over the ranked companies of one industry (every
    category), with how many companies it covers; empty with fewer than ``MIN_PEERS``. A median
    "not reached" counts as slower than any number, as in the leaderboard's order. Stored by
    the refresh (one row); computed from every peer's aggregates until it has been."""
    if found := peers.stored(session=session, scope=industry, period=period, category=""):
        if found.ranked < peers.MIN_PEERS:
            return {}
        return {"companies": found.ranked, **{n: getattr(found, n) for n in peers.MEDIAN_FIELDS}}
    peer_ids = select(Company.id).where(col(Company.sector) == industry)
    rows = session.execute(
        sa_select(*(col(getattr(CompanyStat, n)) for n in peers.MEDIAN_FIELDS)).where(
            col(CompanyStat.period) == period,
            col(CompanyStat.category) == "",
            col(CompanyStat.ranked),
            col(CompanyStat.company_id).in_(peer_ids),
        )
    ).all()
    if len(rows) < peers.MIN_PEERS:
        return {}
    return {"companies": len(rows), **peers.medians_of([tuple(r) for r in rows])}


def last_change(*, session: Session) -> tuple[datetime | None, int | None]:
    """When any aggregate or industry total was last written, and the newest snapshot: the
    live leaderboard's validator. Index probes and a table of a few hundred rows, whatever the
    number of companies (company names never change, and a refresh rewrites a company's rows
    with a new ``computed_at``)."""
    latest, totals, newest_snapshot = session.execute(
        sa_select(
            sa_select(func.max(CompanyStat.computed_at)).scalar_subquery(),
            peers.last_change_query(),
            sa_select(func.max(LeaderboardSnapshot.id)).scalar_subquery(),
        )
    ).one()
    if latest is None or (totals is not None and totals > latest):
        latest = totals
    return latest, newest_snapshot


def for_company(
    *, session: Session, company_id: int, period: str | None = None
) -> list[CompanyStat]:
    """A company's aggregate rows (every window and category, or one window)."""
    stmt = select(CompanyStat).where(CompanyStat.company_id == company_id)
    if period:
        stmt = stmt.where(CompanyStat.period == period)
    stmt = stmt.order_by(col(CompanyStat.period), col(CompanyStat.category))
    return list(session.exec(stmt))


def headline(*, session: Session, company_id: int, period: str = "all") -> CompanyStat | None:
    return session.exec(
        select(CompanyStat).where(
            CompanyStat.company_id == company_id,
            CompanyStat.period == period,
            CompanyStat.category == "",
        )
    ).first()
