"""Posts stay true: when a complaint's public text changes (a moderator's edit or masking, a
redaction rule re-applied, a company's rename), its live posts are brought up to date, on each
network by its own "broadcast.refresh" job.

A network that edits in place (Mastodon 3.5 and later: the status keeps its id, its replies and
its place in the thread, and is shown as edited) gets each live post edited. Bluesky has no edit
a reader would see, so there each live post, oldest first, is posted again with the current text
(in the same position of a new thread: the first as its root, each later one replying to the one
before) and the old record deleted. Record keys come from the refresh job's key, so a retried
refresh reads back what it already posted instead of posting it twice. Queued posts get their
preview text updated at once.
"""

import uuid
from datetime import datetime

from sqlmodel import Session, col, select

from app.broadcast import compose
from app.broadcast.base import Adapter, BroadcastError, RemoteRef, Thread
from app.broadcast.delivery import (
    NEVER_GIVE_UP,
    OpenSession,
    _failure,
    _opener,
    _paused,
    _succeeded,
    _thread_of,
    adapters,
)
from app.broadcast.schedule import record_key
from app.clock import utcnow
from app.complaints import visibility
from app.jobs.queue import Context, Outcome, enqueue
from app.models.broadcast import Broadcast, BroadcastStatus, BroadcastThread
from app.models.complaint import Complaint
from app.models.job import Job
from app.models.keys import keys, pk

KIND = "broadcast.refresh"


def refresh_posts(*, session: Session, complaint: Complaint) -> list[Job]:
    """After a change to what ``complaint``'s posts say: queue one refresh per network that has
    live posts of it, and update queued posts' previews. In the caller's transaction."""
    rows = session.exec(
        select(Broadcast).where(
            Broadcast.complaint_id == complaint.id,
            col(Broadcast.status).in_((BroadcastStatus.QUEUED, BroadcastStatus.POSTED)),
        )
    ).all()
    networks = adapters()
    for row in rows:
        adapter = networks.get(row.network)
        if row.status == BroadcastStatus.QUEUED and adapter is not None:
            post = compose.post_for(
                session, complaint=complaint, event=row.event, days=row.days_open, record_key="x"
            )
            try:
                row.text = adapter.format(post).text
            except BroadcastError:
                row.text = ""
            session.add(row)
    revision = uuid.uuid4().hex[:12]
    return [
        enqueue(
            session=session,
            kind=KIND,
            key=f"broadcast-refresh:{complaint.id}:{network}:{revision}",
            payload={"complaint_id": complaint.id, "network": network},
            max_attempts=NEVER_GIVE_UP,
        )
        for network in sorted({row.network for row in rows if row.status == "posted"})
    ]


def refresh_company(*, session: Session, company_id: int) -> list[Job]:
    """After a company's rename: refresh every complaint of it that has live posts."""
    complaint_ids = session.exec(
        select(Broadcast.complaint_id)
        .join(Complaint, col(Complaint.id) == Broadcast.complaint_id)
        .where(
            Complaint.company_id == company_id,
            col(Broadcast.status).in_((BroadcastStatus.QUEUED, BroadcastStatus.POSTED)),
        )
        .distinct()
    ).all()
    jobs: list[Job] = []
    for complaint_id in complaint_ids:
        complaint = session.get(Complaint, complaint_id)
        if complaint is not None:
            jobs += refresh_posts(session=session, complaint=complaint)
    return jobs


async def refresh_job(job: Job, open_session: OpenSession, now: datetime | None = None) -> Outcome:
    network, complaint_id = job.payload["network"], int(job.payload["complaint_id"])
    adapter = adapters().get(network)
    if adapter is None:
        return Outcome(ok=True, detail=f"network {network} is not configured")
    now = now or utcnow()
    with open_session() as session:
        if paused := _paused(session, adapter, now):
            return paused
        complaint = session.get(Complaint, complaint_id)
        if complaint is None or not visibility.is_listed(complaint):
            return Outcome(ok=True, detail="nothing to refresh: its posts are being withdrawn")
        row_ids = keys(
            session.exec(
                select(Broadcast.id)
                .where(
                    Broadcast.complaint_id == complaint_id,
                    Broadcast.network == network,
                    Broadcast.status == BroadcastStatus.POSTED,
                )
                .order_by(col(Broadcast.id))
            ).all()
        )
    try:
        if await _edits_in_place(adapter):
            return await _edit_all(adapter, row_ids, open_session, now)
    except BroadcastError as error:
        return _failure(open_session, adapter, error, now)
    chain: Thread | None = None
    replaced = 0
    for row_id in row_ids:
        with open_session() as session:
            row = session.get(Broadcast, row_id)
            complaint = session.get(Complaint, complaint_id)
            assert row is not None and complaint is not None  # noqa: S101 - cascades
            post = compose.post_for(
                session,
                complaint=complaint,
                event=row.event,
                days=row.days_open,
                record_key=f"{job.key}:{row.id}",
                reply_to=chain,
            )
            old = RemoteRef(network, row.remote_id or "", row.remote_cid, row.remote_url)
        try:
            text = adapter.format(post).text
            ref = await adapter.find(post) or await adapter.publish(post)
            if old.id and old.id != ref.id:
                await adapter.delete(old)
        except BroadcastError as error:
            # done rows stay done; the retry adopts them
            return _failure(open_session, adapter, error, now)
        with open_session() as session:
            row = session.get(Broadcast, row_id)
            assert row is not None  # noqa: S101
            row.text, row.remote_id, row.remote_cid, row.remote_url = text, ref.id, ref.cid, ref.url
            session.add(row)
            thread = _thread_of(session, complaint_id, network) or BroadcastThread(
                complaint_id=complaint_id, network=network, root_id=ref.id, parent_id=ref.id
            )
            root = chain.root if chain else ref
            thread.root_id, thread.root_cid, thread.root_url = root.id, root.cid, root.url
            thread.parent_id, thread.parent_cid, thread.parent_url = ref.id, ref.cid, ref.url
            session.add(thread)
            session.commit()
        chain = Thread(root=chain.root if chain else ref, parent=ref)
        replaced += 1
    _succeeded(open_session, adapter, now)
    return Outcome(ok=True, detail=f"{replaced} posts say what the complaint says now")


async def _edits_in_place(adapter: Adapter) -> bool:
    editable = getattr(adapter, "editable", None)
    return editable is not None and await editable()


async def _edit_all(
    adapter: Adapter, row_ids: list[int], open_session: OpenSession, now: datetime
) -> Outcome:
    """Edit each live post in place; one the network lost is posted anew where it was. An edit
    is idempotent (the same text again changes nothing), so a retry simply edits again."""
    edited = 0
    for row_id in row_ids:
        with open_session() as session:
            row = session.get(Broadcast, row_id)
            complaint = session.get(Complaint, row.complaint_id) if row else None
            assert row is not None and complaint is not None  # noqa: S101 - cascades
            thread = _thread_of(session, pk(complaint), row.network)
            parent = RemoteRef(row.network, thread.parent_id) if thread else None
            post = compose.post_for(
                session,
                complaint=complaint,
                event=row.event,
                days=row.days_open,
                # the key the post was made with: its link's fragment stays what it was
                record_key=record_key(row.complaint_id, row.event, row.network),
                reply_to=Thread(root=parent, parent=parent) if parent else None,
            )
            old = RemoteRef(row.network, row.remote_id or "", row.remote_cid, row.remote_url)
        text = adapter.format(post).text
        ref = await adapter.edit(old, post) or await adapter.publish(post)  # type: ignore[attr-defined]
        with open_session() as session:
            row = session.get(Broadcast, row_id)
            assert row is not None  # noqa: S101
            row.text, row.remote_id, row.remote_url = text, ref.id, ref.url or row.remote_url
            session.add(row)
            session.commit()
        edited += 1
    _succeeded(open_session, adapter, now)
    return Outcome(ok=True, detail=f"{edited} posts edited to say what the complaint says now")


async def refresh(job: Job, context: Context) -> Outcome:
    return await refresh_job(job, _opener(context))
