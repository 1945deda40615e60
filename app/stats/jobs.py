"""Keeping the aggregates fresh, and taking the monthly snapshot, through the job queue.

- Every complaint event marks its company dirty: one append-only row, nothing else. A
  "stats.refresh" sweep runs every minute (app/stats/tasks.py) and recomputes each marked
  company once, so a burst of changes costs one recomputation per company, not one per change.
  Changes queue no job of their own: a job key shared by every change of a minute made
  concurrent filings wait on each other (PostgreSQL holds a duplicate key insert until the first
  inserter commits).
- "stats.refresh_all" (daily, app/stats/tasks.py) recomputes every company: windows slide.
- "stats.snapshot" (daily) freezes the previous month's leaderboard once, when it is missing.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.clock import utcnow
from app.errors import Conflict
from app.events import Event
from app.jobs.queue import Context, Outcome
from app.models.complaint import Complaint
from app.models.job import Job
from app.stats import aggregates, snapshots

REFRESH, REFRESH_ALL, SNAPSHOT = "stats.refresh", "stats.refresh_all", "stats.snapshot"
BATCH = 200  # companies per transaction


def queue_refresh(*, session: Session, company_id: int, now: datetime | None = None) -> None:
    """Mark ``company_id`` dirty; the next minute's sweep recomputes it."""
    aggregates.mark_dirty(session=session, company_id=company_id, now=now or utcnow())


def on_complaint_event(session: Session, event: Event) -> None:
    complaint = session.get(Complaint, event.complaint_id)
    if complaint is not None:
        queue_refresh(session=session, company_id=complaint.company_id)


def refresh_dirty(engine: Engine, now: datetime | None = None) -> int:
    done = 0
    while True:
        with Session(engine, expire_on_commit=False) as session:
            count = aggregates.refresh_dirty(session=session, now=now, limit=BATCH)
            session.commit()
        done += count
        if count < BATCH:
            return done


def refresh_all(engine: Engine, now: datetime | None = None) -> int:
    """Recompute every company, a batch per transaction. Returns the companies done."""
    now = now or utcnow()
    done = after = 0
    while True:
        with Session(engine, expire_on_commit=False) as session:
            ids = aggregates.company_ids(session=session, after_id=after, limit=BATCH)
            for company_id in ids:
                aggregates.refresh_company_safely(session=session, company_id=company_id, now=now)
            session.commit()
        done += len(ids)
        if len(ids) < BATCH:
            return done
        after = ids[-1]


def snapshot_previous_month(engine: Engine, now: datetime | None = None) -> str | None:
    """Take last month's snapshot unless it exists. Returns the month taken, or None."""
    now = now or utcnow()
    month = snapshots.previous_month(now)
    with Session(engine, expire_on_commit=False) as session:
        if snapshots.get(session=session, month=month) is not None:
            return None
        try:
            snapshots.take(session=session, month=month, now=now)
            session.commit()
        except (Conflict, IntegrityError):  # another worker took it first
            return None
    return month


async def refresh_job(_job: Job, ctx: Context) -> Outcome:
    done = await asyncio.to_thread(refresh_dirty, ctx.engine)
    return Outcome(ok=True, detail=f"Statistics: {done} companies recomputed")


async def refresh_all_job(_job: Job, ctx: Context) -> Outcome:
    done = await asyncio.to_thread(refresh_all, ctx.engine)
    return Outcome(ok=True, detail=f"Statistics: all {done} companies recomputed")


async def snapshot_job(_job: Job, ctx: Context) -> Outcome:
    month = await asyncio.to_thread(snapshot_previous_month, ctx.engine)
    return Outcome(ok=True, detail=f"Snapshot {month} taken" if month else "Nothing to snapshot")
