"""Which complaints are broadcast, and when; queued as outbox jobs in the causing transaction.

Only complaints whose consumer opted in (Complaint.broadcast_opt_in). Nothing goes out before the
company's right-of-reply window (OUTCRY_BROADCAST_GRACE_DAYS): a post due earlier waits for it.
Then: a milestone post at each of OUTCRY_BROADCAST_MILESTONES days open while unresolved (the hourly
"broadcast.scan" job), a resolution post when the consumer confirms (an event listener), and one
when a company's resolution stays unconfirmed past the confirmation deadline (the scan).
"""

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.broadcast import compose, digest
from app.broadcast.base import BroadcastError
from app.broadcast.delivery import KIND, adapters
from app.clock import as_utc, utcnow
from app.complaints import visibility
from app.complaints.public import complaint_url
from app.complaints.states import OPEN_STATES
from app.config import get_settings
from app.db import for_reading, retry_busy
from app.events import ComplaintCreated, ComplaintUpdated, Confirmed
from app.jobs.queue import Context, Outcome, enqueue
from app.models.broadcast import Broadcast, BroadcastStatus
from app.models.complaint import Complaint, ComplaintState
from app.models.job import Job
from app.models.keys import keys, pk

SCAN_KIND = "broadcast.scan"


def record_key(complaint_id: int, event: str, network: str) -> str:
    """Also the job's unique key: one post per (complaint, event, network), ever."""
    return f"broadcast:{complaint_id}:{event}:{network}"


def queue(
    *, session: Session, complaint: Complaint, event: str, days: int, now: datetime | None = None
) -> list[Broadcast]:
    """A Broadcast row and its job per network, unless already queued. Flushes, never commits."""
    if not complaint.broadcast_opt_in or not visibility.is_listed(complaint):
        return []  # never post a complaint that lists and feeds do not show (moderation)
    now = now or utcnow()
    not_before = as_utc(complaint.created_at) + timedelta(days=get_settings().broadcast_grace_days)
    queued = []
    for network, adapter in adapters().items():
        key = record_key(pk(complaint), event, network)
        if _recorded(session, complaint, event, network):
            continue
        post = compose.post_for(
            session, complaint=complaint, event=event, days=days, record_key=key
        )
        try:
            preview = adapter.format(post).text  # what /broadcasts shows until it is posted
        except BroadcastError:
            preview = ""
        broadcast = Broadcast(
            complaint_id=pk(complaint),
            event=event,
            network=network,
            days_open=days,
            text=preview,
            link=complaint_url(pk(complaint)),
            created_at=now,
        )
        try:
            with session.begin_nested():  # a concurrent scan may have queued it first
                session.add(broadcast)
                session.flush()
        except IntegrityError:
            continue
        enqueue(
            session=session,
            kind=KIND,
            key=key,
            payload={"broadcast_id": broadcast.id},
            run_after=max(now, not_before),
        )
        queued.append(broadcast)
    return queued


def _days_between(start: datetime, end: datetime) -> int:
    return max(0, (as_utc(end) - as_utc(start)).days)


def _recorded(session: Session, complaint: Complaint, event: str, network: str) -> bool:
    """Whether this milestone already has its row on this network (queued, posted or skipped)."""
    return (
        session.exec(
            select(Broadcast.id).where(
                Broadcast.complaint_id == complaint.id,
                Broadcast.event == event,
                Broadcast.network == network,
            )
        ).first()
        is not None
    )


def _stale(due_at: datetime, now: datetime) -> bool:
    return now - due_at > timedelta(days=get_settings().broadcast_stale_days)


def _skip_stale(*, session: Session, complaint: Complaint, event: str, days: int) -> bool:
    """Record a milestone too old to post as skipped (so it is counted once); True if new."""
    if not complaint.broadcast_opt_in or not visibility.is_listed(complaint):
        return False
    new = False
    for network in adapters():
        if not _recorded(session, complaint, event, network):
            session.add(
                Broadcast(
                    complaint_id=pk(complaint),
                    event=event,
                    network=network,
                    days_open=days,
                    status=BroadcastStatus.SKIPPED,
                    link=complaint_url(pk(complaint)),
                )
            )
            new = True
    session.flush()
    return new


def scan(*, session: Session, now: datetime | None = None) -> list[Broadcast]:
    """Catch up the milestone and unconfirmed-resolution posts that are due (the planned jobs
    post them on time; this finds what they missed, e.g. on first switch-on). A complaint seen
    late gets only its latest milestone, and one due more than ``broadcast_stale_days`` ago is
    not posted at all: it is counted in one catch-up post instead."""
    now = now or utcnow()
    queued, stale = _scan(session=session, now=now)
    if stale:
        digest.queue_catch_up(session=session, count=stale, now=now)
    return queued


SCAN_BATCH = 15  # complaints per write transaction of the daily scan (~100 ms of the lock)


def scan_in_batches(engine: Engine, now: datetime | None = None) -> int:
    """``scan`` for the worker: which complaints are due is read in a snapshot, and they are
    caught up ``SCAN_BATCH`` at a time, each batch its own short write transaction (on SQLite
    the write lock is free between them; the first scan of a large site had held it 12 s).
    Returns the broadcasts queued."""
    now = now or utcnow()
    with Session(for_reading(engine)) as session:
        found = [session.exec(select(col(Complaint.id)).where(*due)).all() for due in _due(now)]
    ids = sorted({id_ for rows in found for id_ in keys(rows)})
    queued = stale = 0
    for start in range(0, len(ids), SCAN_BATCH):
        chunk = ids[start : start + SCAN_BATCH]

        def batch(chunk: list[int] = chunk) -> tuple[int, int]:
            with Session(engine) as session:
                done, skipped = _scan(session=session, now=now, ids=chunk)
                session.commit()
                return len(done), skipped

        done, skipped = retry_busy(batch, within=60, what=SCAN_KIND)
        queued, stale = queued + done, stale + skipped
    if stale:
        with Session(engine) as session:
            digest.queue_catch_up(session=session, count=stale, now=now)
            session.commit()
    return queued


def _due(now: datetime) -> list[list[ColumnElement[bool]]]:
    """The conditions on complaints the scan catches up: open ones past the first milestone,
    and resolutions left unconfirmed past the deadline."""
    settings = get_settings()
    milestones = sorted(set(settings.broadcast_milestones))
    due = []
    if milestones:
        due.append(
            [
                col(Complaint.broadcast_opt_in).is_(True),
                col(Complaint.state).in_(OPEN_STATES),
                col(Complaint.created_at) <= now - timedelta(days=milestones[0]),
            ]
        )
    waited = timedelta(days=settings.confirm_deadline_days)
    due.append(
        [
            col(Complaint.broadcast_opt_in).is_(True),
            col(Complaint.state) == ComplaintState.RESOLVED,
            col(Complaint.resolved_at) <= now - waited,
        ]
    )
    return due


def _scan(
    *, session: Session, now: datetime, ids: list[int] | None = None
) -> tuple[list[Broadcast], int]:
    """Catch up every due complaint (only those in ``ids`` when given); returns the broadcasts
    queued and how many were too old to post (for the catch-up post)."""
    settings = get_settings()
    milestones = sorted(set(settings.broadcast_milestones))
    queued: list[Broadcast] = []
    stale = 0
    queries = [
        select(Complaint)
        .where(*due, *([] if ids is None else [col(Complaint.id).in_(ids)]))
        .order_by(col(Complaint.id))
        for due in _due(now)
    ]
    if milestones:
        unresolved = session.exec(queries[0]).all()
        for complaint in unresolved:
            days = _days_between(complaint.created_at, now)
            due = max(m for m in milestones if m <= days)
            plan_next(session=session, complaint=complaint, after_days=due)
            event = compose.milestone(due)
            if _stale(as_utc(complaint.created_at) + timedelta(days=due), now):
                stale += _skip_stale(session=session, complaint=complaint, event=event, days=due)
                continue
            queued += queue(session=session, complaint=complaint, event=event, days=due, now=now)
    waited = timedelta(days=settings.confirm_deadline_days)
    unconfirmed = session.exec(queries[-1]).all()
    for complaint in unconfirmed:
        assert complaint.resolved_at is not None  # noqa: S101 - filtered above
        days = _days_between(complaint.created_at, as_utc(complaint.resolved_at) + waited)
        event = compose.UNCONFIRMED
        if _stale(as_utc(complaint.resolved_at) + waited, now):
            stale += _skip_stale(session=session, complaint=complaint, event=event, days=days)
            continue
        queued += queue(session=session, complaint=complaint, event=event, days=days, now=now)
    return queued, stale


def on_confirm(session: Session, event: Confirmed) -> None:
    """The consumer confirmed the resolution: post how long the company took to resolve it (filing
    to the company's resolution, not to the confirmation), in the complaint's thread."""
    complaint = session.get(Complaint, event.complaint_id)
    if complaint is None or complaint.state != ComplaintState.CONFIRMED:
        return
    closed = complaint.closed_at or utcnow()
    days = _days_between(complaint.created_at, complaint.resolved_at or closed)
    queue(session=session, complaint=complaint, event=compose.RESOLUTION, days=days, now=closed)


# Milestones on time: one job per complaint at the exact moment its next milestone falls due
# (and one at the end of a resolution's confirmation window); the daily scan only catches up.
MILESTONE_KIND = "broadcast.milestone"


def plan_next(*, session: Session, complaint: Complaint, after_days: int = -1) -> Job | None:
    """Queue the job for ``complaint``'s first milestone beyond ``after_days``, at its exact time
    (never before the right-of-reply window has run)."""
    settings = get_settings()
    later = [m for m in sorted(set(settings.broadcast_milestones)) if m > after_days]
    if not later or not complaint.broadcast_opt_in:
        return None
    created = as_utc(complaint.created_at)
    due = created + timedelta(days=later[0])
    return enqueue(
        session=session,
        kind=MILESTONE_KIND,
        key=f"broadcast-milestone:{complaint.id}:{later[0]}",
        payload={"complaint_id": complaint.id, "days": later[0]},
        run_after=max(due, created + timedelta(days=settings.broadcast_grace_days)),
    )


def plan_unconfirmed(*, session: Session, complaint: Complaint) -> Job | None:
    if not complaint.broadcast_opt_in or complaint.resolved_at is None:
        return None
    waited = timedelta(days=get_settings().confirm_deadline_days)
    resolved = as_utc(complaint.resolved_at)
    return enqueue(
        session=session,
        kind=MILESTONE_KIND,
        key=f"broadcast-unconfirmed:{complaint.id}:{resolved:%Y%m%dT%H%M%S}",
        payload={"complaint_id": complaint.id, "unconfirmed": resolved.isoformat()},
        run_after=resolved + waited,
    )


def milestone_due(
    *, session: Session, payload: dict, now: datetime | None = None
) -> list[Broadcast]:
    """A planned moment has come: post it if it is still true, and plan the next one."""
    now = now or utcnow()
    complaint = session.get(Complaint, int(payload["complaint_id"]))
    if complaint is None:
        return []
    if "unconfirmed" in payload:
        resolved_at = complaint.resolved_at
        if (
            complaint.state != ComplaintState.RESOLVED
            or resolved_at is None
            or as_utc(resolved_at).isoformat() != payload["unconfirmed"]
        ):
            return []  # confirmed, disputed or resolved again since
        waited = timedelta(days=get_settings().confirm_deadline_days)
        days = _days_between(complaint.created_at, as_utc(resolved_at) + waited)
        return queue(
            session=session, complaint=complaint, event=compose.UNCONFIRMED, days=days, now=now
        )
    days = int(payload["days"])
    if complaint.state not in OPEN_STATES:
        return []  # resolved or withdrawn: no more milestones
    plan_next(session=session, complaint=complaint, after_days=days)
    if _stale(as_utc(complaint.created_at) + timedelta(days=days), now):
        return []  # the worker was away for days: the daily scan counts it in a catch-up post
    return queue(
        session=session, complaint=complaint, event=compose.milestone(days), days=days, now=now
    )


def on_publish(session: Session, event: ComplaintCreated) -> None:
    """Plan a complaint's first milestone when it is published."""
    if (complaint := session.get(Complaint, event.complaint_id)) is not None:
        plan_next(session=session, complaint=complaint)


def on_update(session: Session, event: ComplaintUpdated) -> None:
    """Plan the unconfirmed-resolution post while the company's resolution stands (its key
    makes one job per resolution, whichever update saw it first)."""
    complaint = session.get(Complaint, event.complaint_id)
    if complaint is not None and complaint.state == ComplaintState.RESOLVED:
        plan_unconfirmed(session=session, complaint=complaint)


async def milestone_job(job: Job, context: Context) -> Outcome:
    def run() -> int:
        with Session(context.engine) as session:
            queued = milestone_due(session=session, payload=job.payload)
            session.commit()
        return len(queued)

    # The worker awaits every handler; the database work runs off its event loop.
    queued = await asyncio.to_thread(run)
    return Outcome(ok=True, detail=f"queued {queued} broadcasts")


async def scan_job(job: Job, context: Context) -> Outcome:
    queued = await asyncio.to_thread(scan_in_batches, context.engine)
    return Outcome(ok=True, detail=f"queued {queued} broadcasts")
