"""Keeping systemic issues current: every five minutes a scan queues a regrouping of each company
whose complaints changed (new ones, edits, redaction, moderation) since the previous scan.

Filing queues nothing here: a per-company job key would be inserted by every concurrent filing
against that company, and on PostgreSQL each would wait for the first inserter to commit."""

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from app.clock import as_utc, utcnow
from app.db import for_reading, retry_busy
from app.jobs.periodic import period_of
from app.jobs.queue import Context, Outcome, enqueue
from app.models.complaint import Complaint
from app.models.job import Job, JobState
from app.systemic import service

KIND = "systemic.company"
SCAN_KIND = "systemic.scan"
SCAN_EVERY = timedelta(minutes=5)
# A change stamped before the previous scan read the table but committed after it is still
# seen, provided its transaction took less than this.
SLACK = timedelta(minutes=1)
FIRST_LOOKBACK = timedelta(days=2)  # no scan has finished yet (a new install, a long outage)


def queue_company(*, session: Session, company_id: int, now: datetime | None = None) -> Job:
    """One regrouping of ``company_id`` per scan period, due at once."""
    now = now or utcnow()
    return enqueue(
        session=session,
        kind=KIND,
        key=f"{KIND}:{company_id}:{period_of(now, SCAN_EVERY)}",
        payload={"company_id": company_id},
        run_after=now,
        max_attempts=3,
    )


def rebuild(engine: Engine, company_id: int) -> int:
    """Compare the company's texts in a read snapshot, then store the groups in a short write
    transaction (the comparing had held SQLite's write lock for a busy company's whole year)."""
    now = utcnow()
    with Session(for_reading(engine)) as session:
        found = service.regroup(session=session, company_id=company_id, now=now)

    def write() -> int:
        with Session(engine) as session:
            groups = service.store(session=session, company_id=company_id, found=found, now=now)
            session.commit()
        return groups

    return retry_busy(write, within=60, what=KIND)


async def regroup(job: Job, ctx: Context) -> Outcome:
    company_id = int(job.payload["company_id"])
    groups = await asyncio.to_thread(rebuild, ctx.engine, company_id)
    return Outcome(ok=True, detail=f"company {company_id}: {groups} systemic issues")


def changed_companies(*, session: Session, since: datetime) -> list[int]:
    return list(
        session.exec(
            select(Complaint.company_id)
            .where(Complaint.updated_at >= since)
            .distinct()
            .order_by(col(Complaint.company_id))
        )
    )


def scan_since(*, session: Session, now: datetime) -> datetime:
    """When the previous finished scan was due, less SLACK; at most FIRST_LOOKBACK ago."""
    previous = session.exec(
        select(func.max(Job.run_after)).where(
            col(Job.kind) == SCAN_KIND, col(Job.state) == JobState.DONE
        )
    ).one()
    floor = now - FIRST_LOOKBACK
    return max(as_utc(previous) - SLACK, floor) if previous else floor


def queue_changed(engine: Engine, now: datetime | None = None) -> int:
    """Queue a regrouping of every company changed since the previous scan."""
    now = now or utcnow()
    with Session(engine) as session:
        ids = changed_companies(session=session, since=scan_since(session=session, now=now))
        for company_id in ids:
            queue_company(session=session, company_id=company_id, now=now)
        session.commit()
    return len(ids)


async def scan(_job: Job, ctx: Context) -> Outcome:
    queued = await asyncio.to_thread(queue_changed, ctx.engine)
    return Outcome(ok=True, detail=f"{queued} companies queued for regrouping")
