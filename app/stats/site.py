"""The whole site's numbers for the home page, added up from the statistics aggregates instead of
counted over the complaints: an estimate as of the latest refresh, which the page says. The
refresh stores the sums (app/stats/peers.py); until it first has, each process adds up the
aggregates (one row per company) once per refresh."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from app.models.stats import CompanyStat
from app.stats import peers


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
    stored = peers.stored(session=session, scope=peers.EVERY, period="all", category="")
    if stored is not None:  # stored by the refresh (app/stats/peers.py): one row
        return SiteTotals(stored.filed, stored.overdue, latest)
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
