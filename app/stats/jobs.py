"""Keeping the aggregates fresh, and taking the monthly snapshot, through the job queue.

- Every complaint event marks its company dirty: one append-only row, nothing else. A
  "stats.refresh" sweep runs every minute (app/stats/tasks.py) and recomputes each marked
  company once, so a burst of changes costs one recomputation per company, not one per change.
  Changes queue no job of their own: a job key shared by every change of a minute made
  concurrent filings wait on each other (PostgreSQL holds a duplicate key insert until the first
  inserter commits).
- "stats.refresh_all" (daily, app/stats/tasks.py) recomputes every company: windows slide.
- After either, each industry's counts and medians are recomputed from the aggregates and the
  rows that moved are stored (app/stats/peers.py).
- "stats.snapshot" (daily) freezes the previous month's leaderboard once, when it is missing.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.clock import utcnow
from app.db import for_reading, retry_busy
from app.errors import Conflict
from app.events import Event
from app.jobs.queue import Context, Outcome
from app.models.complaint import Complaint
from app.models.job import Job
from app.stats import aggregates, dataset, peers, site_trends, snapshots
from app.writegate import give_way

REFRESH, REFRESH_ALL, SNAPSHOT = "stats.refresh", "stats.refresh_all", "stats.snapshot"
DATASET = "stats.dataset"
BATCH = 200  # companies computed per read snapshot
WRITE_ROWS = 50  # rows per write transaction: about 100 ms of the lock on a busy machine


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
        with Session(for_reading(engine), expire_on_commit=False) as session:
            marked = aggregates.marked(session=session, limit=BATCH)
            computed = _compute(session, [company_id for company_id, _ in marked], now)
        _write(engine, computed, dict(marked))
        done += len(marked)
        if len(marked) < BATCH:
            break
    refresh_peers(engine, now, always=done > 0)
    return done


def refresh_peers(engine: Engine, now: datetime | None = None, *, always: bool = True) -> int:
    """Recompute the industries' counts and medians from the aggregates (app/stats/peers.py)
    and store the rows that moved; without ``always``, only when none are stored yet. Returns
    the rows written."""
    with Session(for_reading(engine), expire_on_commit=False) as session:
        if not always and peers.present(session=session):
            return 0
        computed = peers.compute(session=session)
        keys, gone = peers.changes(session=session, computed=computed)
    at = now or utcnow()
    for start in range(0, max(len(keys), len(gone)), WRITE_ROWS):
        _write_peers(
            engine, computed, keys[start : start + WRITE_ROWS], gone[start : start + WRITE_ROWS], at
        )
    return len(keys)


def _write_peers(engine: Engine, computed: dict, keys: list, gone: list, now: datetime) -> None:
    def work() -> None:
        with Session(engine) as session:
            peers.store(session=session, computed=computed, keys=keys, gone=gone, now=now)
            session.commit()

    retry_busy(work, within=60, what="industry statistics")


def refresh_all(engine: Engine, now: datetime | None = None) -> int:
    """Recompute every company, then the site-wide trends. Returns the companies done."""
    now = now or utcnow()
    done = after = 0
    while True:
        with Session(for_reading(engine), expire_on_commit=False) as session:
            ids = aggregates.company_ids(session=session, after_id=after, limit=BATCH)
            computed = _compute(session, ids, now)
        _write(engine, computed, {})
        done += len(ids)
        if len(ids) < BATCH:
            break
        after = ids[-1]
    refresh_peers(engine, now)
    retry_busy(lambda: site_trends.refresh(engine, now), within=60, what="site trends")
    return done


def _compute(
    session: Session, company_ids: list[int], now: datetime | None
) -> list[aggregates.Computed]:
    """The reads and the arithmetic, in a read snapshot: outside any write transaction, and
    letting the process's writers go first between companies (``give_way``)."""
    at = now or utcnow()
    computed = []
    for company_id in company_ids:
        give_way()
        computed.append(aggregates.compute_refresh(session=session, company_id=company_id, now=at))
    return computed


def _write(engine: Engine, computed: list[aggregates.Computed], marks: dict[int, int]) -> None:
    """Store ``computed`` in write transactions of about ``WRITE_ROWS`` rows each, committing
    between them, so a filing never waits long for SQLite's write lock; each batch also
    deletes its companies' dirty marks up to the ids read (``marks``)."""
    batch: list[aggregates.Computed] = []
    rows = 0
    for item in computed:
        batch.append(item)
        rows += len(item.cells or ()) + 2  # its rows, its charts row, the delete
        if rows >= WRITE_ROWS:
            _write_batch(engine, batch, marks)
            batch, rows = [], 0
    if batch:
        _write_batch(engine, batch, marks)


def _write_batch(engine: Engine, batch: list[aggregates.Computed], marks: dict[int, int]) -> None:
    def work() -> None:
        with Session(engine) as session:
            for item in batch:
                aggregates.write_safely(session=session, computed=item)
                if item.company_id in marks:
                    aggregates.unmark(
                        session=session, company_id=item.company_id, upto=marks[item.company_id]
                    )
            session.commit()

    retry_busy(work, within=60, what="statistics refresh")


def snapshot_previous_month(engine: Engine, now: datetime | None = None) -> str | None:
    """Take last month's snapshot unless it exists. Returns the month taken, or None."""
    now = now or utcnow()
    month = snapshots.previous_month(now)
    with Session(for_reading(engine), expire_on_commit=False) as session:
        if snapshots.get(session=session, month=month) is not None:
            return None
        try:
            rows = snapshots.compute(session=session, month=month, now=now)
        except Conflict:  # not over yet
            return None

    def write() -> bool:
        # One short transaction: the rows are computed (a few hundred inserts for 100
        # companies), and a snapshot is never seen half written.
        with Session(engine, expire_on_commit=False) as session:
            try:
                snapshots.store(session=session, month=month, rows=rows, now=now)
                session.commit()
            except (Conflict, IntegrityError):  # another worker took it first
                return False
        return True

    return month if retry_busy(write, within=60, what="leaderboard snapshot") else None


async def refresh_job(_job: Job, ctx: Context) -> Outcome:
    done = await asyncio.to_thread(refresh_dirty, ctx.engine)
    return Outcome(ok=True, detail=f"Statistics: {done} companies recomputed")


async def refresh_all_job(_job: Job, ctx: Context) -> Outcome:
    done = await asyncio.to_thread(refresh_all, ctx.engine)
    return Outcome(ok=True, detail=f"Statistics: all {done} companies recomputed")


async def snapshot_job(_job: Job, ctx: Context) -> Outcome:
    month = await asyncio.to_thread(snapshot_previous_month, ctx.engine)
    return Outcome(ok=True, detail=f"Snapshot {month} taken" if month else "Nothing to snapshot")


async def dataset_job(_job: Job, ctx: Context) -> Outcome:
    built = await asyncio.to_thread(dataset.build, ctx.engine)
    counts = ", ".join(f"{n} {name}" for name, n in built.rows.items())
    return Outcome(ok=True, detail=f"Dataset {built.day} built: {counts}")
