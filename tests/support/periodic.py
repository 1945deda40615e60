"""Running a periodic job the way the worker does, without waiting for its period."""

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session, col

from app.clock import utcnow
from app.jobs.periodic import ensure_scheduled
from app.jobs.worker import drain
from app.models.job import Job, JobState


def run_periodic(engine: Engine, kind: str, now: datetime | None = None) -> None:
    """Queue the periods' jobs as of ``now`` (a later period if you like), run ``kind``'s now."""
    with Session(engine) as session:
        ensure_scheduled(session=session, now=now)
        session.execute(
            update(Job)
            .where(col(Job.kind) == kind, col(Job.state) == JobState.PENDING)
            .values(run_after=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    assert asyncio.run(drain(engine=engine, kinds=[kind])) == 1
