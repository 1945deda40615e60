"""Webhook deliveries: a listener queues one job per (event, webhook) in the change's own
transaction; the worker POSTs it, signed (app/integrations/signing.py).

The body is built when the event happens and kept in the job, so every retry sends the same bytes
and the same delivery id, which receivers use to ignore duplicates.
"""

import asyncio
import functools
import json
import ssl
import uuid
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx
from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.complaints import company as company_side
from app.complaints import reading
from app.complaints.public import complaint_public
from app.complaints.turn_hint import whose_turn
from app.db import for_reading, must_get, retry_busy
from app.events import Assigned, ComplaintCreated, ComplaintUpdated, Event, MessageCreated
from app.integrations import signing, webhooks
from app.integrations.schemas import MessagePublic
from app.integrations.webhooks import KIND, address_policy, job_key
from app.jobs.queue import Context, Outcome, enqueue
from app.models.company import Company
from app.models.complaint import Complaint, Message, TimelineEvent
from app.models.integration import Webhook
from app.models.job import Job
from app.models.keys import pk
from app.models.user import User
from app.net import UnsafeAddress, resolve_checked

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
ANSWER_CAP = 500  # bytes of the receiver's answer kept with each attempt
HOLD = timedelta(days=7)  # how long a disabled webhook's deliveries wait to be replayed
MAX_RETRY_AFTER = 24 * 3600.0
USER_AGENT = "Outcry-Webhooks/1"
TLS_TRUST: ssl.SSLContext | None = None  # None: the system's CAs; tests trust their own CA


@functools.cache
def _system_trust() -> ssl.SSLContext:
    # Built once: loading the CA store costs tens of milliseconds, more than a delivery.
    return ssl.create_default_context()


def _event_key(event: Event) -> str:
    """Identifies the event, so queueing it twice for one webhook queues one delivery."""
    if isinstance(event, ComplaintUpdated):
        # Its message identifies it; without one, each emitted update is its own change.
        change = f"m{event.message_id}" if event.message_id is not None else uuid.uuid4().hex
        return f"{event.name}:{event.complaint_id}:{event.action}:{change}"
    if isinstance(event, MessageCreated):
        return f"{event.name}:{event.message_id}"
    return f"{event.name}:{event.complaint_id}"  # filed: once per complaint


def event_data(*, session: Session, complaint: Complaint, message_id: int | None) -> dict:
    """Public fields only: the public ticket, its named owner, and the public message if any."""
    company = must_get(session, Company, complaint.company_id)
    author = must_get(session, User, complaint.author_id)
    attempts = reading.contact_attempts(session=session, complaint_ids=[pk(complaint)])
    data = {
        "complaint": complaint_public(
            complaint, company, author, attempts[pk(complaint)]
        ).model_dump(mode="json"),
        "assignee": _assignee(session, complaint),
    }
    message = session.get(Message, message_id) if message_id is not None else None
    if message is not None:
        data["message"] = MessagePublic.of(message).model_dump(mode="json")
    return data


def _assignee(session: Session, complaint: Complaint) -> dict | None:
    # Reps answer in public under their public name: the owner's name is no secret.
    member = company_side.assignee_member(session=session, complaint=complaint)
    if member is None:
        return None
    return {"id": member.user_id, "public_name": member.public_name, "job_title": member.job_title}


def changes(*, session: Session, complaint: Complaint, event: Event) -> dict:
    """What this event changed: state (from, to), assignee (from, to), the new message, and whose
    move the complaint now waits for."""
    found: dict = {"whose_turn": whose_turn(complaint)}
    if isinstance(event, ComplaintCreated):
        found["state"] = {"from": None, "to": complaint.state.value}
    elif isinstance(event, ComplaintUpdated) and not isinstance(event, Assigned):
        step = session.exec(
            select(TimelineEvent)
            .where(TimelineEvent.complaint_id == complaint.id, TimelineEvent.kind == event.action)
            .order_by(col(TimelineEvent.id).desc())
            .limit(1)
        ).first()
        if (
            step is not None
            and step.from_state
            and step.to_state is not None
            and step.from_state != step.to_state
        ):
            found["state"] = {"from": step.from_state.value, "to": step.to_state.value}
    if isinstance(event, Assigned):
        found["assignee"] = {"from": event.previous_assignee_id, "to": event.assignee_id}
    if (message_id := _message_id(event)) is not None:
        message = session.get(Message, message_id)
        if message is not None:
            found["message"] = {"id": message.id, "side": message.side.value}
    return found


def _merged(earlier: dict, later: dict) -> dict:
    """Two changes of one transaction as one: the first ``from``, the last ``to``."""
    merged = {**earlier, **later}
    for field in ("state", "assignee"):
        if field in earlier and field in later:
            merged[field] = {"from": earlier[field]["from"], "to": later[field]["to"]}
    return merged


# Which name a delivery carries when one transaction emits several events for a complaint: the
# most specific event the webhook subscribed to.
_RANK = {ComplaintUpdated.name: 0, MessageCreated.name: 1}
_BATCH = "outcry_webhook_batch"


def _pending(session: Session) -> dict[tuple[int, int], Job]:
    """This transaction's queued deliveries by (webhook, complaint)."""
    transaction = session.get_transaction()
    batch = session.info.get(_BATCH)
    if batch is None or batch[0] is not transaction:
        batch = (transaction, {})
        session.info[_BATCH] = batch
    return batch[1]


def _message_id(event: Event) -> int | None:
    return event.message_id if isinstance(event, ComplaintUpdated | MessageCreated) else None


def queue_deliveries(session: Session, event: Event) -> None:
    """One delivery per webhook per change: a reply emits an update, a new message and perhaps
    an assignment, which reach each webhook as one delivery saying all that changed."""
    complaint = session.get(Complaint, event.complaint_id)
    if complaint is None:
        return
    hooks = [
        hook
        for hook in session.exec(
            select(Webhook)
            .where(Webhook.company_id == complaint.company_id)
            .order_by(col(Webhook.id))
        )
        if event.name in hook.events
        or (
            isinstance(event, ComplaintUpdated)
            and event.message_id is not None
            and MessageCreated.name in hook.events
        )
    ]
    if not hooks:
        return
    pending = _pending(session)
    data = event_data(session=session, complaint=complaint, message_id=_message_id(event))
    changed = changes(session=session, complaint=complaint, event=event)
    now = utcnow()
    created_at = now.isoformat()
    key = _event_key(event)
    for hook in hooks:
        name = event.name if event.name in hook.events else MessageCreated.name
        # A filing stays its own delivery, even when a change follows in its transaction.
        queued = None if name == ComplaintCreated.name else pending.get((pk(hook), pk(complaint)))
        if queued is not None:
            _merge(queued, name, data, changed)
            continue
        delivery_id = str(uuid.uuid4())
        body = {
            "id": delivery_id,
            "event": name,
            "created_at": created_at,
            "data": data,
            "changes": changed,
        }
        # A disabled webhook's deliveries are held for a week, for the owner to replay.
        job = enqueue(
            session=session,
            kind=KIND,
            key=job_key(pk(hook), key),
            payload={
                "webhook_id": hook.id,
                "delivery_id": delivery_id,
                "event": name,
                "body": body,
                "held": not hook.active,
            },
            run_after=None if hook.active else now + HOLD,
        )
        if name != ComplaintCreated.name and job.payload.get("delivery_id") == delivery_id:
            pending[(pk(hook), pk(complaint))] = job


def _merge(job: Job, name: str, data: dict, changed: dict) -> None:
    payload = dict(job.payload)
    body = dict(payload["body"])
    if _RANK[name] > _RANK[payload["event"]]:
        payload["event"] = body["event"] = name
    body["data"] = {**body["data"], **data}  # the latest complaint, and any message kept
    if "message" in body["data"] and "message" not in data:
        body["data"]["message"] = payload["body"]["data"]["message"]
    body["changes"] = _merged(body.get("changes", {}), changed)
    payload["body"] = body
    job.payload = payload


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds or an HTTP date (RFC 9110), capped at a day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            seconds = (parsedate_to_datetime(value) - (now or utcnow())).total_seconds()
        except (TypeError, ValueError):
            return None
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


async def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[httpx.Response, str]:
    """POST to the address the SSRF check approved, not to a second DNS answer (rebinding):
    connect to that IP, with the real host in the Host header and in TLS SNI/verification."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = await asyncio.to_thread(resolve_checked, host, port, policy=address_policy())
    netloc = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    pinned = parts._replace(netloc=netloc).geturl()
    async with (
        httpx.AsyncClient(
            timeout=TIMEOUT,
            follow_redirects=False,
            trust_env=False,
            verify=TLS_TRUST or _system_trust(),
        ) as client,
        client.stream(
            "POST",
            pinned,
            content=body,
            headers={**headers, "Host": parts.netloc},
            extensions={"sni_hostname": host},
        ) as response,
    ):
        # The start of the answer, for the owner's delivery log; the rest is never read.
        start = b""
        async for chunk in response.aiter_bytes():
            start += chunk
            if len(start) >= ANSWER_CAP:
                break
        text = start[:ANSWER_CAP].decode("utf-8", "replace").strip()
        return response, " ".join(text.split())


def _disable(ctx: Context, webhook_id: int, reason: str) -> None:
    with Session(ctx.engine) as session:  # in a thread (deliver)
        webhook = session.get(Webhook, webhook_id)
        if webhook is not None and webhook.active:
            webhook.active = False
            session.add(webhook)
            audit.record(
                session=session,
                actor=None,
                action="webhook.disable",
                target_type="webhook",
                target_id=webhook_id,
                detail=reason,
            )
            webhooks.tell_owners_disabled(session=session, webhook=webhook, reason=reason)
            session.commit()


def _read_webhook(ctx: Context, webhook_id: int) -> tuple[str, str, bool] | None:
    # A read: on SQLite a plain snapshot, not the write lock that a session otherwise takes.
    with Session(for_reading(ctx.engine)) as session:
        webhook = session.get(Webhook, webhook_id)
        return (webhook.url, webhook.secret, webhook.active) if webhook else None


async def deliver(job: Job, ctx: Context) -> Outcome:
    webhook_id = job.payload["webhook_id"]
    found = await asyncio.to_thread(_read_webhook, ctx, webhook_id)
    if found is None:
        return Outcome(ok=False, permanent=True, detail="the webhook was deleted")
    url, secret, active = found
    if job.payload.get("held"):
        return Outcome(
            ok=False, permanent=True, detail="held while the webhook was disabled; not replayed"
        )
    if not active:
        return Outcome(ok=False, permanent=True, detail="the webhook is disabled")
    body = json.dumps(job.payload["body"], separators=(",", ":"), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Outcry-Event": job.payload["event"],
        "Outcry-Delivery": job.payload["delivery_id"],
        signing.HEADER: signing.signature_header(secret, body),
    }
    try:
        response, answered = await _post(url, body, headers)
    except UnsafeAddress as exc:
        return Outcome(ok=False, detail=f"refused: {exc}")
    except httpx.TimeoutException:
        return Outcome(ok=False, detail="no answer in time")
    except httpx.ConnectError as exc:
        return Outcome(ok=False, detail=f"could not connect: {exc}")
    except httpx.HTTPError as exc:
        return Outcome(ok=False, detail=f"request failed: {type(exc).__name__} {exc}".strip())
    status = response.status_code
    said = f"; answered: {answered}" if answered else ""
    if 200 <= status < 300:
        return Outcome(ok=True, detail=f"HTTP {status}{said}")
    if status == 410:
        # The receiver says this endpoint is gone for good: stop sending to it.
        await asyncio.to_thread(
            retry_busy,
            lambda: _disable(ctx, webhook_id, "the receiver answered 410 Gone"),
            within=30,
            what="disabling a webhook",
        )
        return Outcome(
            ok=False, permanent=True, detail="HTTP 410 Gone: the webhook has been disabled"
        )
    if status == 429:
        wait = retry_after_seconds(response.headers.get("retry-after"))
        return Outcome(
            ok=False, retry_after=wait, detail=f"HTTP 429 (retry after {wait or 0:.0f} s)"
        )
    if 300 <= status < 400:
        return Outcome(ok=False, detail=f"HTTP {status}: redirects are not followed")
    return Outcome(ok=False, detail=f"HTTP {status}{said}")
