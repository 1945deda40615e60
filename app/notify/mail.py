"""Email: queued in the request's transaction, sent by the worker through SMTP.

Without OUTCRY_SMTP_HOST, mail is kept in the database and shown at /dev/mail (development and
test only; in production a missing SMTP server is an error the job records and retries).
"""

import asyncio
import email.policy
import logging
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any

import aiosmtplib
from sqlalchemy import Engine
from sqlmodel import Session

from app.clock import utcnow
from app.config import get_settings
from app.db import AFTER_EFFECT_SECONDS, retry_busy
from app.jobs.queue import Context, Outcome, enqueue
from app.models.job import Job

log = logging.getLogger(__name__)

KIND = "mail"
# Lines up to RFC 5322's hard limit: at the default 78, a long List-Unsubscribe URL would be
# folded into RFC 2047 encoded words, which mail clients do not read as a URL.
SMTP_POLICY = email.policy.SMTP.clone(max_line_length=998)

# Done once a message is really sent (or kept in development), in its own transaction:
# e.g. "the company was notified at <address> on <date>" must never claim more than happened.
AfterSent = Callable[[Session, dict[str, Any], datetime], None]
AFTER_SENT: dict[str, AfterSent] = {}


def after_sent(name: str) -> Callable[[AfterSent], AfterSent]:
    """Register ``fn(session, payload, sent_at)`` to run after a message naming it is sent."""

    def register(fn: AfterSent) -> AfterSent:
        AFTER_SENT[name] = fn
        return fn

    return register


def queue_mail(
    *,
    session: Session,
    key: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: dict[str, str] | None = None,
    then: str | None = None,
    data: dict[str, Any] | None = None,
) -> Job:
    """Queue one message. ``key`` makes it unique: the same key is never sent twice.

    ``then`` names an @after_sent hook, given ``data`` once the message is sent.
    """
    return enqueue(
        session=session,
        kind=KIND,
        key=f"mail:{key}",
        payload={
            "to": to,
            # Header values may not contain line breaks (and a title could).
            "subject": " ".join(subject.split()),
            "text": text,
            "html": html,
            "headers": headers or {},
            "then": then,
            "data": data or {},
        },
    )


def build_message(job: Job) -> EmailMessage:
    settings = get_settings()
    data = job.payload
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = data["to"]
    message["Subject"] = data["subject"]
    message["Date"] = formatdate(localtime=False)
    # Stable per job: if a crash makes us send twice, mail systems see one message.
    message["Message-ID"] = f"<outcry-job-{job.id}@{settings.mail_from_domain}>"
    for name, value in data.get("headers", {}).items():
        message[name] = value
    message.set_content(data["text"])
    if data.get("html"):
        message.add_alternative(data["html"], subtype="html")
    return message


def permanent_failure(exc: aiosmtplib.SMTPException) -> bool:
    """A 5xx answer will not change on retry; a wrong password or a full queue might."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return True
    code = getattr(exc, "code", 0)
    return code >= 500 and not isinstance(exc, aiosmtplib.SMTPAuthenticationError)


def _run_after_sent(engine: Engine, name: str, payload: dict[str, Any]) -> None:
    with Session(engine, expire_on_commit=False) as session:
        AFTER_SENT[name](session, payload, utcnow())
        session.commit()


async def send(job: Job, ctx: Context) -> Outcome:
    """Send one queued message, or keep it for /dev/mail when no SMTP server is configured."""
    settings = get_settings()
    then = job.payload.get("then")
    if then and then not in AFTER_SENT:  # checked before sending: afterwards it is too late
        return Outcome(ok=False, detail=f"unknown after-sent step {then!r}", permanent=True)
    if settings.smtp_host:
        try:
            await aiosmtplib.send(
                build_message(job).as_bytes(policy=SMTP_POLICY),
                sender=parseaddr(settings.mail_from)[1],
                recipients=[job.payload["to"]],
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username or None,
                password=settings.smtp_password or None,
                start_tls=settings.smtp_starttls,
                timeout=30,
            )
        except aiosmtplib.SMTPException as exc:
            return Outcome(
                ok=False, detail=f"{type(exc).__name__}: {exc}", permanent=permanent_failure(exc)
            )
        except OSError as exc:  # refused, unreachable, timed out: the server may come back
            return Outcome(ok=False, detail=f"{type(exc).__name__}: {exc}")
        detail = f"sent via {settings.smtp_host}:{settings.smtp_port}"
    elif settings.environment == "production":
        return Outcome(ok=False, detail="no SMTP server configured (set OUTCRY_SMTP_HOST)")
    else:
        detail = "kept in the development mailbox (no SMTP configured)"
    if then:
        try:
            # The mail is out: its bookkeeping waits out a busy database rather than be lost.
            await asyncio.to_thread(
                retry_busy,
                lambda: _run_after_sent(ctx.engine, then, job.payload),
                within=AFTER_EFFECT_SECONDS,
                what=f"recording mail job {job.id} as sent",
            )
        except Exception as exc:  # the mail is out: retrying would send it twice
            log.exception("after-sent step %s of job %s failed", then, job.id)
            detail += f"; recording {then} failed: {type(exc).__name__}: {exc}"
    return Outcome(ok=True, detail=detail)
