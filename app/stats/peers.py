"""Each industry's numbers as a whole (and the whole site's): how many companies the leaderboard
lists and ranks per window and category, their complaints (the home page's totals), and the
industry medians a company page shows beside its own numbers. Computing them reads every company's aggregates, so the statistics refresh
does it once per sweep and stores one row per (scope, window, category) (``IndustryStat``);
pages read a row by its key, whatever the number of companies.

Until the first refresh stores them (a new site, or right after the upgrade that added them)
the readers compute them live from the aggregates, as before."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, delete, select

from app.models.company import SECTORS, Company
from app.models.complaint import Category
from app.models.stats import CompanyStat, IndustryStat
from app.stats.metrics import WINDOWS

EVERY = ""  # the scope of every company, whatever its industry
MEDIAN_FIELDS = (
    "timely_rate",
    "unanswered_rate",
    "confirmed_rate",
    "response_median_days",
    "resolution_median_days",
)
MIN_PEERS = 3  # fewer ranked companies than this are not an industry to compare with
Key = tuple[str, str, str]  # (scope, period, category)


def median(values: list[Any], *, durations: bool) -> Any:
    """The median over ranked companies. A duration's "not reached" (None) is slower than any
    number, as in the leaderboard's order; a rate's None (no data) is left out."""
    if durations:
        ordered = sorted(values, key=lambda v: (v is None, v or 0.0))
    else:
        ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return None
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    low, high = ordered[mid - 1], ordered[mid]
    return None if low is None or high is None else (low + high) / 2


def medians_of(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """Each of ``MEDIAN_FIELDS``' median over rows holding those fields in that order."""
    return {
        name: median([r[i] for r in rows], durations=name.endswith("_days"))
        for i, name in enumerate(MEDIAN_FIELDS)
    }


def compute(*, session: Session) -> dict[Key, dict[str, Any]]:
    """Every (scope, window, category), companies or not: an absent row then means "not computed
    yet", never "none". Two reads of the aggregates, each one pass over them."""
    sector = col(Company.sector)
    scopes = [EVERY, *SECTORS]
    scopes += sorted(
        s for s in session.exec(select(sector).distinct()) if s not in SECTORS
    )  # a sector outside today's list still has its companies compared
    categories = [EVERY, *(c.value for c in Category)]
    out: dict[Key, dict[str, Any]] = {
        (scope, period, category): {
            "listed": 0,
            "ranked": 0,
            "filed": 0,
            "overdue": 0,
            **dict.fromkeys(MEDIAN_FIELDS),
        }
        for scope in scopes
        for period in WINDOWS
        for category in categories
    }
    ranked = func.sum(case((col(CompanyStat.ranked), 1), else_=0))
    joined = col(Company.id) == col(CompanyStat.company_id)
    for scope, period, category, *sums in session.execute(
        sa_select(
            sector,
            col(CompanyStat.period),
            col(CompanyStat.category),
            func.count(),
            ranked,
            func.sum(col(CompanyStat.filed)),
            func.sum(col(CompanyStat.overdue_now)),
        )
        .join(Company, joined)
        .group_by(sector, col(CompanyStat.period), col(CompanyStat.category))
    ):
        for key in ((scope, period, category), (EVERY, period, category)):
            if key in out:
                for name, value in zip(("listed", "ranked", "filed", "overdue"), sums, strict=True):
                    out[key][name] += int(value or 0)
    peers: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for scope, period, *values in session.execute(
        sa_select(
            sector,
            col(CompanyStat.period),
            *(col(getattr(CompanyStat, name)) for name in MEDIAN_FIELDS),
        )
        .join(Company, joined)
        .where(col(CompanyStat.category) == EVERY, col(CompanyStat.ranked))
    ):
        peers[(scope, period)].append(tuple(values))
        peers[(EVERY, period)].append(tuple(values))
    for (scope, period), rows in peers.items():
        if (scope, period, EVERY) in out:
            out[(scope, period, EVERY)].update(medians_of(rows))
    return out


def changes(*, session: Session, computed: dict[Key, dict[str, Any]]) -> tuple[list[Key], list]:
    """The rows whose numbers differ from those stored (and stored rows no longer computed):
    a sweep rewrites only what moved, so an unchanged industry keeps its pages' validators."""
    stored = {(r.scope, r.period, r.category): r for r in session.exec(select(IndustryStat))}
    changed = [
        key
        for key, values in computed.items()
        if key not in stored or any(getattr(stored[key], k) != v for k, v in values.items())
    ]
    return changed, [key for key in stored if key not in computed]


def store(
    *,
    session: Session,
    computed: dict[Key, dict[str, Any]],
    keys: Sequence[Key],
    gone: Sequence[Key] = (),
    now: datetime,
) -> None:
    """Write ``keys``' rows of ``computed`` (flushes, never commits)."""
    for scope, period, category in [*keys, *gone]:
        session.exec(
            delete(IndustryStat).where(
                col(IndustryStat.scope) == scope,
                col(IndustryStat.period) == period,
                col(IndustryStat.category) == category,
            )
        )
    session.flush()
    for scope, period, category in keys:
        values = computed[(scope, period, category)]
        session.add(
            IndustryStat(scope=scope, period=period, category=category, computed_at=now, **values)
        )
    session.flush()


def stored(*, session: Session, scope: str, period: str, category: str) -> IndustryStat | None:
    return session.get(IndustryStat, (scope, period, category))


def by_window(*, session: Session, scope: str, category: str) -> dict[str, IndustryStat]:
    """The stored rows of one scope and category, by window (a range of the primary key)."""
    return {
        row.period: row
        for row in session.exec(
            select(IndustryStat).where(
                col(IndustryStat.scope) == scope, col(IndustryStat.category) == category
            )
        )
    }


def present(*, session: Session) -> bool:
    """Whether a refresh has stored them (the whole site's all-time row is always written)."""
    return stored(session=session, scope=EVERY, period="all", category=EVERY) is not None


def last_change_query() -> ScalarSelect[datetime]:
    """When any row was last rewritten: part of the leaderboard's validator (a few hundred
    rows at most: industries x windows x categories, however many companies)."""
    return sa_select(func.max(IndustryStat.computed_at)).scalar_subquery()


def computed_at_query(*, scope: str) -> ScalarSelect[datetime]:
    """When the industry's all-time medians were last rewritten: part of a company page's
    validator (a primary-key probe)."""
    return (
        sa_select(col(IndustryStat.computed_at))
        .where(
            col(IndustryStat.scope) == scope,
            col(IndustryStat.period) == "all",
            col(IndustryStat.category) == EVERY,
        )
        .scalar_subquery()
    )
