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
    kind: str  # the task that does the work (app/tasks.py)
    every: timedelta


# Every schedule, from app/tasks.py (installed at start-up: app/startup.py).
SCHEDULE: list[Periodic] = []


def install(schedule: list[Periodic]) -> None:
    SCHEDULE[:] = schedule


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
