"""Posting queued broadcasts: the "broadcast" and "broadcast.delete" job handlers.

The network call happens outside any transaction; its RemoteRef is written in a short transaction
right after. A worker killed between the two leaves the job leased; when the lease expires the
job runs again with the same record key, and the network answers with the first post instead of
a second one (Bluesky: create-only putRecord under an rkey derived from the key; Mastodon:
Idempotency-Key; docs/social-networks.md). A retry that finds the row already
posted does nothing.
"""

import asyncio
import logging
import random
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from sqlmodel import Session, col, select

from app.broadcast import alerts, breaker, budget, compose
from app.broadcast.base import (
    Adapter,
    BroadcastError,
    PermanentError,
    RateLimited,
    RemoteRef,
    TemporaryError,
    Thread,
    outcome_for,
)
from app.broadcast.networks import configured_adapters
from app.clock import as_utc, utcnow
from app.complaints import visibility
from app.complaints.states import OPEN_STATES
from app.config import get_settings
from app.db import AFTER_EFFECT_SECONDS, retry_busy
from app.jobs.queue import Context, Outcome, enqueue
from app.models.broadcast import Broadcast, BroadcastStatus, BroadcastThread
from app.models.complaint import Complaint
from app.models.job import Job
from app.models.keys import pk

KIND, DELETE_KIND = "broadcast", "broadcast.delete"
# A deletion must happen whatever it takes: it never runs out of attempts (admins are alerted).
NEVER_GIVE_UP = 1_000_000
log = logging.getLogger(__name__)
OpenSession = Callable[[], AbstractContextManager[Session]]

_cache: dict[str, Adapter] | None = None
_cache_lock = threading.Lock()


def adapters() -> dict[str, Adapter]:
    """The configured networks by name, created once per process: a Bluesky login is precious."""
    global _cache
    with _cache_lock:
        if _cache is None:
            _cache = {adapter.name: adapter for adapter in configured_adapters(get_settings())}
        return _cache


def _thread_of(session: Session, complaint_id: int, network: str) -> BroadcastThread | None:
    return session.exec(
        select(BroadcastThread).where(
            BroadcastThread.complaint_id == complaint_id, BroadcastThread.network == network
        )
    ).first()


def _reply_to(thread: BroadcastThread | None) -> Thread | None:
    if thread is None:
        return None
    root = RemoteRef(thread.network, thread.root_id, thread.root_cid, thread.root_url)
    parent = RemoteRef(thread.network, thread.parent_id, thread.parent_cid, thread.parent_url)
    return Thread(root=root, parent=parent)


def _record(
    session: Session, broadcast: Broadcast, ref: RemoteRef, text: str, now: datetime
) -> None:
    """The post is out: remember where, and make it the parent of the complaint's next post."""
    broadcast.status, broadcast.text, broadcast.posted_at = BroadcastStatus.POSTED, text, now
    broadcast.remote_id, broadcast.remote_cid, broadcast.remote_url = ref.id, ref.cid, ref.url
    session.add(broadcast)
    thread = _thread_of(session, broadcast.complaint_id, broadcast.network)
    if thread is None:
        thread = BroadcastThread(
            complaint_id=broadcast.complaint_id,
            network=broadcast.network,
            root_id=ref.id,
            root_cid=ref.cid,
            root_url=ref.url,
            parent_id=ref.id,
        )
    thread.parent_id, thread.parent_cid, thread.parent_url = ref.id, ref.cid, ref.url
    session.add(thread)
    session.flush()


def _paused(session: Session, adapter: Adapter, now: datetime) -> Outcome | None:
    """The network's breaker is open: put the job back without contacting it."""
    wait = breaker.paused_for(session, adapter.name, now=now)
    if wait is None:
        return None
    since = breaker.down_since(session, adapter.name)
    detail = (
        f"{adapter.name} is paused (failing since {since:%Y-%m-%d %H:%M:%S} UTC)" if since else ""
    )
    return Outcome(ok=False, weather=True, retry_after=breaker.spread(wait), detail=detail)


def _weather(
    open_session: OpenSession, adapter: Adapter, error: BroadcastError, now: datetime
) -> Outcome:
    """An outage or a rate limit: pause the whole network, and spend no attempt on it."""
    wait = error.retry_after_seconds if isinstance(error, RateLimited) else None
    detail = f"{type(error).__name__}: {error}"
    with open_session() as session:
        pause = breaker.failed(session, adapter.name, wait=wait, cause=detail, now=now)
    return Outcome(ok=False, weather=True, retry_after=breaker.spread(pause), detail=detail)


def _failure(
    open_session: OpenSession, adapter: Adapter, error: BroadcastError, now: datetime
) -> Outcome:
    if isinstance(error, RateLimited | TemporaryError):
        return _weather(open_session, adapter, error, now)
    return outcome_for(error)


async def after_effect(record: Callable[[], None], *, what: str) -> None:
    """Record what a network call did, in a thread, retried while the database is busy."""
    await asyncio.to_thread(retry_busy, record, within=AFTER_EFFECT_SECONDS, what=what)


def _succeeded(open_session: OpenSession, adapter: Adapter, now: datetime) -> None:
    with open_session() as session:
        breaker.succeeded(session, adapter.name, now=now)


def _urgent(event: str) -> bool:
    """Resolutions go before milestones when the budget is short."""
    return event.startswith(compose.RESOLUTION)


def _too_old(job: Job, now: datetime, *, hours: float) -> bool:
    return (now - as_utc(job.created_at)).total_seconds() > hours * 3600


def _mark_failed(open_session: OpenSession, broadcast_id: int, job: Job, outcome: Outcome) -> None:
    if outcome.weather:
        return
    if outcome.permanent or job.attempts >= job.max_attempts:  # the job goes dead with this
        with open_session() as session:
            if broadcast := session.get(Broadcast, broadcast_id):
                broadcast.status = BroadcastStatus.FAILED
                session.add(broadcast)
                alerts.post_gave_up(
                    session=session,
                    network=broadcast.network,
                    job_key=job.key,
                    detail=outcome.detail,
                )
                session.commit()


async def publish_job(job: Job, open_session: OpenSession, now: datetime | None = None) -> Outcome:
    """Post one queued broadcast; idempotent however often it is retried."""
    broadcast_id = int(job.payload["broadcast_id"])
    now = now or utcnow()
    retried = job.attempts > 1 or job.last_error is not None  # an earlier try may have landed
    with open_session() as session:
        broadcast = session.get(Broadcast, broadcast_id)
        # A post cancelled by moderation after a try that may have landed still needs a read-back.
        cancelled = broadcast is not None and broadcast.status == BroadcastStatus.SKIPPED
        if broadcast is None or not (
            broadcast.status == BroadcastStatus.QUEUED or (cancelled and retried)
        ):
            return Outcome(ok=True, detail="nothing to post (already posted or gone)")
        adapter = adapters().get(broadcast.network)
        if adapter is None:
            outcome = Outcome(
                ok=False, permanent=True, detail=f"network {broadcast.network} is not configured"
            )
            broadcast.status = BroadcastStatus.FAILED
            session.add(broadcast)
            session.commit()
            return outcome
        if paused := _paused(session, adapter, now):
            return paused
        # Posts of one complaint form a thread: wait for the one before to be out.
        earlier = session.exec(
            select(Broadcast.id).where(
                Broadcast.complaint_id == broadcast.complaint_id,
                Broadcast.network == broadcast.network,
                Broadcast.status == BroadcastStatus.QUEUED,
                col(Broadcast.id) < broadcast_id,
            )
        ).first()
        if earlier is not None and not cancelled:
            return Outcome(
                ok=False, weather=True, retry_after=60, detail="waiting for the earlier post"
            )
        complaint = session.get(Complaint, broadcast.complaint_id)
        assert complaint is not None  # noqa: S101 - the row cascades with its complaint
        skip = "skipped: cancelled while it waited" if cancelled else None
        if not visibility.is_listed(complaint):
            skip = "skipped: the complaint is not listed"  # moderated while it waited
        elif broadcast.event.startswith("milestone:") and complaint.state not in OPEN_STATES:
            skip = "skipped: the complaint is no longer unresolved"  # not true any more
        post = compose.post_for(
            session,
            complaint=complaint,
            event=broadcast.event,
            days=broadcast.days_open,
            record_key=job.key,
            reply_to=_reply_to(_thread_of(session, pk(complaint), broadcast.network)),
        )
        if skip and not retried:
            broadcast.status = BroadcastStatus.SKIPPED
            session.add(broadcast)
            session.commit()
            return Outcome(ok=True, detail=skip)
    if not skip:
        with open_session() as session:
            wait = budget.take(
                session, adapter.name, now=now, urgent=_urgent(broadcast.event), key=job.key
            )
    if not skip and wait:
        detail = f"{adapter.name}: posting budget spent, waiting its turn"
        # A backlog comes back spread over the next hour, not all at the next free moment.
        later = wait + random.uniform(0, 3600)  # noqa: S311 - not security
        return Outcome(ok=False, weather=True, retry_after=later, detail=detail)
    try:
        text = adapter.format(post).text
        # Before any retry, read back: a try that timed out may have landed after all.
        ref = await adapter.find(post) if retried else None
        if ref is None and skip:
            with open_session() as session:
                broadcast = session.get(Broadcast, broadcast_id)
                assert broadcast is not None  # noqa: S101
                broadcast.status = BroadcastStatus.SKIPPED
                session.add(broadcast)
                session.commit()
            _succeeded(open_session, adapter, now)
            return Outcome(ok=True, detail=skip)
        if ref is None:
            ref = await adapter.publish(post)
    except BroadcastError as error:
        if not skip:
            with open_session() as session:
                budget.refund(session, adapter.name, key=job.key)
        outcome = _failure(open_session, adapter, error, now)
        if outcome.weather and _too_old(
            job, now, hours=get_settings().broadcast_post_give_up_hours
        ):
            outcome = Outcome(ok=False, permanent=True, detail=f"gave up: {outcome.detail}")
        _mark_failed(open_session, broadcast_id, job, outcome)
        return outcome

    def record() -> None:
        _succeeded(open_session, adapter, now)
        with open_session() as session:
            broadcast = session.get(Broadcast, broadcast_id)
            assert broadcast is not None  # noqa: S101
            _record(session, broadcast, ref, text, now)
            if skip:  # it landed while the complaint was moderated or resolved: take it down
                _queue_delete(session, broadcast)
            session.commit()

    # The post is out: its record waits out a busy database (a retry would find the post by its
    # record key, but only after a backoff, and the page would say "queued" meanwhile).
    await after_effect(record, what=f"recording post {job.key}")
    if skip:
        return Outcome(ok=True, detail=f"adopted {ref.id} and queued its deletion ({skip})")
    return Outcome(ok=True, detail=f"posted {ref.id}", result=ref.as_dict())


async def delete_job(job: Job, open_session: OpenSession, now: datetime | None = None) -> Outcome:
    """Take one post down; a post already gone is not an error. Never gives up: an outage waits
    (no attempt spent), any other failure retries with backoff, and admins see it on /admin/jobs
    once it has waited longer than ``broadcast_alert_after_minutes``."""
    with open_session() as session:
        broadcast = session.get(Broadcast, int(job.payload["broadcast_id"]))
        if broadcast is None or broadcast.status != BroadcastStatus.POSTED:
            return Outcome(ok=True, detail="nothing to delete")
        adapter = adapters().get(broadcast.network)
        if adapter is None:
            return outcome_for(PermanentError(f"network {broadcast.network} is not configured"))
        ref = RemoteRef(
            broadcast.network, broadcast.remote_id or "", broadcast.remote_cid, broadcast.remote_url
        )
        now = now or utcnow()
        outcome = _paused(session, adapter, now)
    if outcome is None:
        try:
            await adapter.delete(ref)
        except BroadcastError as error:
            outcome = _failure(open_session, adapter, error, now)
            outcome = Outcome(
                ok=False,
                weather=outcome.weather,
                retry_after=outcome.retry_after,
                detail=outcome.detail,  # never permanent: a deletion retries until it is done
            )
    if outcome is not None:
        if _too_old(job, now, hours=get_settings().broadcast_alert_after_minutes / 60):
            log.error("broadcast deletion %s still waiting: %s", job.key, outcome.detail)
            with open_session() as session:  # one mail per stuck deletion (its key says so)
                since = as_utc(job.created_at)
                alerts.deletion_stuck(
                    session=session, network=adapter.name, job_key=job.key, since=since
                )
                session.commit()
        return outcome
    _succeeded(open_session, adapter, now)
    with open_session() as session:
        if alerts.was_stuck(session=session, job_key=job.key):
            alerts.deletion_done(session=session, network=adapter.name, job_key=job.key)
        broadcast = session.get(Broadcast, int(job.payload["broadcast_id"]))
        if broadcast is not None:
            broadcast.status = BroadcastStatus.DELETED
            session.add(broadcast)
            # Never reply to a deleted record: a thread that named it starts anew.
            thread = _thread_of(session, broadcast.complaint_id, broadcast.network)
            if thread is not None and ref.id in (thread.root_id, thread.parent_id):
                session.delete(thread)
        session.commit()
    return Outcome(ok=True, detail=f"deleted {ref.id}")


def _queue_delete(session: Session, broadcast: Broadcast) -> Job:
    return enqueue(
        session=session,
        kind=DELETE_KIND,
        key=f"broadcast-delete:{broadcast.id}",
        payload={"broadcast_id": broadcast.id},
        max_attempts=NEVER_GIVE_UP,
    )


def withdraw_posts(*, session: Session, complaint: Complaint) -> list[Job]:
    """Queue the deletion of every post about ``complaint`` (moderation), in the caller's
    transaction."""
    posted = session.exec(
        select(Broadcast)
        .where(Broadcast.complaint_id == complaint.id, Broadcast.status == BroadcastStatus.POSTED)
        .order_by(col(Broadcast.id).desc())  # replies before the post they answer
    ).all()
    # The thread's records are going: the complaint's next post (after a restore) starts anew.
    for thread in session.exec(
        select(BroadcastThread).where(BroadcastThread.complaint_id == complaint.id)
    ):
        session.delete(thread)
    return [_queue_delete(session, broadcast) for broadcast in posted]


def _opener(context: Context) -> OpenSession:
    return lambda: Session(context.engine, expire_on_commit=False)


async def publish(job: Job, context: Context) -> Outcome:
    return await publish_job(job, _opener(context))


async def delete(job: Job, context: Context) -> Outcome:
    return await delete_job(job, _opener(context))
