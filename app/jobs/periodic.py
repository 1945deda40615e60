"""Periodic jobs. Each schedule queues one job per period, keyed by its kind and the period's
number, so however many workers call ``ensure_scheduled`` exactly one job exists per period
(enqueue's unique key does the rest) and a period missed while no worker ran is made up once.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from app.clock import utcnow
from app.jobs.queue import enqueue
from app.models.job import Job

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Periodic:
    kind: str  # the @handler that does the work
    every: timedelta


SCHEDULE: list[Periodic] = [
    # Re-check verified company claims; which ones are due is decided by the handler.
    Periodic(kind="claims.reverify", every=timedelta(days=1)),
    # Milestones are jobs at their exact time; this scan only catches up what they missed
    # (complaints from before the broadcaster was switched on) (app/broadcast/schedule.py).
    Periodic(kind="broadcast.scan", every=timedelta(days=1)),
    # The weekly digest post (app/broadcast/digest.py); periods start on Thursdays (the epoch's
    # weekday), so each one falls in exactly one ISO week.
    Periodic(kind="broadcast.digest", every=timedelta(weeks=1)),
    # Notice-and-takedown deadlines (app/takedown/): every step is owed "within 48 hours".
    Periodic(kind="takedown.tick", every=timedelta(minutes=15)),
    # Statistics (app/stats/jobs.py): recompute the companies marked dirty by changes every
    # minute, every company daily (windows slide), and freeze last month's leaderboard once it
    # is over (the handler skips a taken month).
    Periodic(kind="stats.refresh", every=timedelta(minutes=1)),
    Periodic(kind="stats.refresh_all", every=timedelta(days=1)),
    Periodic(kind="stats.snapshot", every=timedelta(days=1)),
    # Regroup systemic issues of companies whose complaints changed (app/systemic/jobs.py).
    Periodic(kind="systemic.scan", every=timedelta(minutes=5)),
    # Forget API Idempotency-Keys past their day (app/integrations/jobs.py).
    Periodic(kind="integrations.housekeeping", every=timedelta(days=1)),
]


def period_of(now: datetime, every: timedelta) -> int:
    return int((now - EPOCH) // every)


def ensure_scheduled(*, session: Session, now: datetime | None = None) -> list[Job]:
    """Queue this period's job of every schedule, unless it is already queued."""
    now = now or utcnow()
    jobs = []
    for periodic in SCHEDULE:
        period = period_of(now, periodic.every)
        jobs.append(
            enqueue(
                session=session,
                kind=periodic.kind,
                key=f"periodic:{periodic.kind}:{period}",
                payload={"period": period},
                run_after=EPOCH + period * periodic.every,
                max_attempts=3,
            )
        )
    return jobs


def schedule(engine: Engine, now: datetime | None = None) -> None:
    """What the worker loop calls (at most once a minute): its own short transaction."""
    with Session(engine) as session:
        ensure_scheduled(session=session, now=now)
        session.commit()
