"""Reading the leaderboard from the aggregates (never from complaints), and its stable export
columns. One (window, category) holds at most one row per company; every sort column is indexed
with (period, category, ranked) in front (app/models/stats.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from app.errors import DomainError
from app.models.company import Company
from app.models.complaint import Category
from app.models.stats import CompanyStat, LeaderboardSnapshot, StatFields
from app.stats.metrics import WINDOWS


@dataclass(frozen=True)
class Sort:
    key: str
    column: str
    label: str
    anchor: str  # /methodology#anchor
    higher_is_better: bool
    none_is_worst: bool = False  # a median "not reached" is slower than any number


SORTS: dict[str, Sort] = {
    s.key: s
    for s in [
        Sort("confirmed", "confirmed_rate", "Confirmed resolved", "confirmed", True),
        Sort("resolved", "resolved_rate", "Resolved (company says)", "resolved", True),
        Sort("timely", "timely_rate", "Answered on time", "timely", True),
        Sort("response", "response_median_days", "Median first response", "response", False, True),
        Sort(
            "resolution", "resolution_median_days", "Median resolution", "resolution", False, True
        ),
        Sort("dispute", "dispute_rate", "Disputed", "dispute", False),
        Sort("filed", "filed", "Complaints", "filed", True),
    ]
}
DEFAULT_SORT = "confirmed"


@dataclass(frozen=True)
class Query:
    period: str = "12m"
    category: str = ""
    sort: str = DEFAULT_SORT
    direction: str = ""  # "asc" or "desc"; blank: best first

    @classmethod
    def parse(cls, *, window: str, category: str, sort: str, direction: str) -> Query:
        if window not in WINDOWS:
            raise DomainError(f"window must be one of {', '.join(WINDOWS)}")
        if category and category not in {c.value for c in Category}:
            raise DomainError("unknown category")
        if sort not in SORTS:
            raise DomainError(f"sort must be one of {', '.join(SORTS)}")
        if direction not in ("", "asc", "desc"):
            raise DomainError("dir must be asc or desc")
        return cls(window, category, sort, direction)

    @property
    def descending(self) -> bool:
        if self.direction:
            return self.direction == "desc"
        return SORTS[self.sort].higher_is_better

    def order_by(self) -> list[ColumnElement[Any]]:
        """Ranked companies first, then by the metric. In the default direction this is the
        precomputed sort key (an index range scan); reversed, the metric itself, sorted over
        one (window, category): at most one row per company, never per complaint."""
        spec = SORTS[self.sort]
        if self.descending == spec.higher_is_better:
            return [col(getattr(CompanyStat, f"sort_{spec.key}")), col(CompanyStat.company_id)]
        column = col(getattr(CompanyStat, spec.column))
        ordered = column.desc() if self.descending else column.asc()
        # NULL placement: no data always last; "not reached" is the slowest, wherever that is.
        nulls_first = spec.none_is_worst and self.descending
        ordered = ordered.nulls_first() if nulls_first else ordered.nulls_last()
        return [col(CompanyStat.ranked).desc(), ordered, col(CompanyStat.company_id)]


UNRANKED = 1e10  # added to the key of a company below the minimum sample: after every ranked one
MISSING = 1e9  # no data, or a median not reached: after every real value


def sort_key(fields: StatFields, spec: Sort) -> float:
    """The non-null number the default order sorts by, ascending: best first."""
    offset = 0.0 if fields.ranked else UNRANKED
    value = getattr(fields, spec.column)
    if value is None:
        return MISSING + offset
    return (-float(value) if spec.higher_is_better else float(value)) + offset


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
    return (col(CompanyStat.period) == query.period) & (col(CompanyStat.category) == query.category)


# (window, category, latest refresh) -> rows: the count visits one row per company (and, right
# after refreshes rewrote them, their dead versions too), so each process counts once per refresh.
_totals: dict[tuple[str, str, datetime | None], int] = {}
_TOTALS_KEPT = 256


def total(*, session: Session, query: Query, refreshed: datetime | None = None) -> int:
    """How many companies the (window, category) lists; with ``refreshed`` (``last_change``'s
    first part), counted once per refresh per process."""
    key = (query.period, query.category, refreshed)
    if refreshed is not None and key in _totals:
        return _totals[key]
    found = session.exec(select(func.count()).select_from(CompanyStat).where(_where(query))).one()
    if refreshed is not None:
        if len(_totals) >= _TOTALS_KEPT:
            _totals.clear()
        _totals[key] = found
    return found


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
    return rows, count


def last_change(*, session: Session) -> tuple[datetime | None, int | None]:
    """When any aggregate was last written, and the newest snapshot: the live leaderboard's
    validator. Two index probes, whatever the number of companies (company names never
    change, and a refresh rewrites a company's rows with a new ``computed_at``)."""
    latest = session.exec(select(func.max(CompanyStat.computed_at))).one()
    newest_snapshot = session.exec(select(func.max(LeaderboardSnapshot.id))).one()
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
