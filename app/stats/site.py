"""The whole site's numbers for the home page, added up from the statistics aggregates (one row
per company) instead of counted over the complaints: an estimate as of the latest refresh, which
the page says. Each process adds them up once per refresh, like the leaderboard's totals."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from app.models.stats import CompanyStat


@dataclass(frozen=True)
class SiteTotals:
    filed: int
    overdue: int
    computed_at: datetime  # the latest refresh they come from


_kept: dict[datetime, SiteTotals] = {}


def totals(*, session: Session) -> SiteTotals | None:
    """None before the statistics worker's first refresh."""
    latest = session.exec(select(func.max(CompanyStat.computed_at))).one()  # one index probe
    if latest is None:
        return None
    if (found := _kept.get(latest)) is not None:
        return found
    filed, overdue = session.exec(
        select(
            func.coalesce(func.sum(CompanyStat.filed), 0),
            func.coalesce(func.sum(CompanyStat.overdue_now), 0),
        ).where(col(CompanyStat.period) == "all", col(CompanyStat.category) == "")
    ).one()
    _kept.clear()  # only the latest refresh is ever asked for again
    _kept[latest] = SiteTotals(int(filed), int(overdue), latest)
    return _kept[latest]
