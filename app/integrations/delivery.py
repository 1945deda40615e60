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
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx
from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.complaints import service as complaints
from app.complaints.public import complaint_public
from app.db import for_reading, retry_busy
from app.events import ComplaintUpdated, Event, MessageCreated
from app.integrations import signing
from app.integrations.schemas import MessagePublic
from app.integrations.webhooks import KIND, address_policy, job_key
from app.jobs.queue import Context, Outcome, enqueue
from app.models.company import Company
from app.models.complaint import Complaint, Message
from app.models.integration import Webhook
from app.models.job import Job
from app.models.user import User
from app.net import UnsafeAddress, resolve_checked

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
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
    """Public fields only: the public ticket, and the public message if there is one."""
    company = session.get(Company, complaint.company_id)
    author = session.get(User, complaint.author_id)
    attempts = complaints.contact_attempts(session=session, complaint_ids=[complaint.id])
    data = {
        "complaint": complaint_public(
            complaint, company, author, attempts[complaint.id]
        ).model_dump(mode="json")
    }
    message = session.get(Message, message_id) if message_id is not None else None
    if message is not None:
        data["message"] = MessagePublic.of(message).model_dump(mode="json")
    return data


def queue_deliveries(session: Session, event: Event) -> None:
    """Every active webhook of the company that subscribed to the event's public name."""
    complaint = session.get(Complaint, event.complaint_id)
    if complaint is None:
        return
    hooks = [
        hook
        for hook in session.exec(
            select(Webhook)
            .where(Webhook.company_id == complaint.company_id, col(Webhook.active).is_(True))
            .order_by(col(Webhook.id))
        )
        if event.name in hook.events
    ]
    if not hooks:
        return
    message_id = event.message_id if isinstance(event, ComplaintUpdated | MessageCreated) else None
    data = event_data(session=session, complaint=complaint, message_id=message_id)
    created_at = utcnow().isoformat()
    key = _event_key(event)
    for hook in hooks:
        delivery_id = str(uuid.uuid4())
        body = {"id": delivery_id, "event": event.name, "created_at": created_at, "data": data}
        enqueue(
            session=session,
            kind=KIND,
            key=job_key(hook.id, key),
            payload={
                "webhook_id": hook.id,
                "delivery_id": delivery_id,
                "event": event.name,
                "body": body,
            },
        )


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


async def _post(url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
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
        return response  # the status and headers are all we need; the body is not read


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
        response = await _post(url, body, headers)
    except UnsafeAddress as exc:
        return Outcome(ok=False, detail=f"refused: {exc}")
    except httpx.TimeoutException:
        return Outcome(ok=False, detail="no answer in time")
    except httpx.ConnectError as exc:
        return Outcome(ok=False, detail=f"could not connect: {exc}")
    except httpx.HTTPError as exc:
        return Outcome(ok=False, detail=f"request failed: {type(exc).__name__} {exc}".strip())
    status = response.status_code
    if 200 <= status < 300:
        return Outcome(ok=True, detail=f"HTTP {status}")
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
    return Outcome(ok=False, detail=f"HTTP {status}")
