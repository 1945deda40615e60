"""Good manners: a posting budget per network, shared by every worker, spent by priority.

Each network may post ``broadcast_posts_per_hour`` posts in any hour (networks not listed are not
limited) and a sixth of that in any ten minutes, so a backlog goes out spread over hours instead
of in one burst. Resolutions and digests may use the whole of each window; milestones leave a
quarter of it for them. Deletions never spend it: taking a post down is never postponed for
manners. A post that finds the budget spent waits (no attempt spent) until its turn comes.

The budget is counted from the posts recorded in the window (``broadcast_spend``), under the
network's row lock, so two worker processes spend one budget, not one each.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.broadcast.breaker import locked
from app.config import get_settings
from app.models.broadcast import BroadcastSpend

RESERVE = 0.25  # the part of each window milestones leave for resolutions
BURST_HOURS = 1 / 6  # at most ten minutes' worth of posts in any ten minutes
HOUR = timedelta(hours=1)


def per_hour(network: str) -> float | None:
    budget = get_settings().broadcast_posts_per_hour.get(network)
    return float(budget) if budget else None


def _wait(times: list[datetime], window: timedelta, limit: float, now: datetime) -> float:
    """Seconds until fewer than ``limit`` of ``times`` (oldest first) fall in the window."""
    recent = [t for t in times if t > now - window]
    over = len(recent) - int(limit) + 1
    if over <= 0:
        return 0.0
    return max(0.0, (recent[over - 1] + window - now).total_seconds())


def take(
    session: Session, network: str, *, now: datetime, urgent: bool, key: str = ""
) -> float | None:
    """Spend one post of ``network``'s budget: None when granted (recorded and committed), else
    seconds to wait."""
    rate = per_hour(network)
    if rate is None:
        return None
    share = 1.0 if urgent else 1 - RESERVE
    hourly = max(1.0, rate * share)
    burst = max(1.0, rate * BURST_HOURS * share)
    locked(session, network)  # two workers count and spend one at a time
    session.execute(  # older spends no longer count
        delete(BroadcastSpend).where(
            col(BroadcastSpend.network) == network, col(BroadcastSpend.spent_at) <= now - HOUR
        )
    )
    times = list(
        session.exec(
            select(BroadcastSpend.spent_at)
            .where(BroadcastSpend.network == network, col(BroadcastSpend.spent_at) > now - HOUR)
            .order_by(col(BroadcastSpend.spent_at))
        )
    )
    times = [t if t.tzinfo else t.replace(tzinfo=now.tzinfo) for t in times]
    wait = max(_wait(times, HOUR, hourly, now), _wait(times, HOUR * BURST_HOURS, burst, now))
    if wait <= 0:
        session.add(BroadcastSpend(network=network, spent_at=now, urgent=urgent, key=key[:300]))
    session.commit()
    return wait or None


def refund(session: Session, network: str, *, key: str) -> None:
    """A post that did not get out (the network failed) gives its place in the budget back:
    an outage's probes must not use up the budget the backlog needs afterwards."""
    if per_hour(network) is None:
        return
    spent = session.exec(
        select(BroadcastSpend)
        .where(BroadcastSpend.network == network, BroadcastSpend.key == key[:300])
        .order_by(col(BroadcastSpend.id).desc())
        .limit(1)
    ).first()
    if spent is not None:
        session.delete(spent)
        session.commit()
