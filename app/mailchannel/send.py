"""The worker's delivery of mail on a thread: from and to the thread's reply address (so
bounces come back to it), threaded, DKIM-signed when a key is configured (RFC 6376), and at
most OUTCRY_MAIL_PER_DOMAIN_PER_HOUR messages an hour to one recipient domain.

Exactly once: the job's key is the outbound row, and the Message-ID is fixed when queued, so a
retry after a crash is one message to every mail system on the way."""

import asyncio
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from functools import lru_cache
from pathlib import Path

import aiosmtplib
import dkim
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.config import get_settings
from app.db import AFTER_EFFECT_SECONDS, must_get, retry_busy
from app.jobs.queue import Context, Outcome
from app.mailchannel import directory, tokens
from app.models.complaint import Complaint
from app.models.job import Job
from app.models.mail import MailOutbound, MailThread
from app.notify.mail import SMTP_POLICY, permanent_failure


@lru_cache
def _dkim_key(path: str) -> bytes:
    return Path(path).read_bytes()


def sign(raw: bytes) -> bytes:
    """Prepend a DKIM-Signature when OUTCRY_MAIL_DKIM_SELECTOR and _KEY_FILE are set."""
    settings = get_settings()
    if not (settings.mail_dkim_selector and settings.mail_dkim_key_file and settings.mail_domain):
        return raw
    signature = dkim.sign(
        raw,
        settings.mail_dkim_selector.encode(),
        settings.mail_domain.encode(),
        _dkim_key(settings.mail_dkim_key_file),
        include_headers=[
            b"from",
            b"to",
            b"subject",
            b"date",
            b"message-id",
            b"in-reply-to",
            b"references",
            b"reply-to",
            b"mime-version",
            b"content-type",
        ],
    )
    return signature + raw


def _earlier(session: Session, outbound: MailOutbound) -> list[str]:
    return list(
        session.exec(
            select(MailOutbound.message_id)
            .where(
                MailOutbound.thread_id == outbound.thread_id,
                col(MailOutbound.id) < outbound.id,
                col(MailOutbound.sent_at).is_not(None),
            )
            .order_by(col(MailOutbound.id))
        )
    )


def build(session: Session, outbound: MailOutbound, thread: MailThread, payload: dict) -> bytes:
    reply_to = tokens.address(tokens.token_for(thread))
    message = EmailMessage()
    message["From"] = formataddr(("Outcry complaints", reply_to))
    message["To"] = thread.recipient
    message["Reply-To"] = reply_to
    message["Subject"] = payload["subject"]
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = outbound.message_id
    earlier = _earlier(session, outbound)
    if outbound.message_id != thread.root_message_id:
        references = [thread.root_message_id, *[m for m in earlier if m != thread.root_message_id]]
        message["In-Reply-To"] = references[-1]
        message["References"] = " ".join(references[-10:])
    message["List-Unsubscribe"] = f"<{payload['unsubscribe']}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(payload["text"])
    if payload.get("html"):
        message.add_alternative(payload["html"], subtype="html")
    return sign(message.as_bytes(policy=SMTP_POLICY))


def _prepare(engine: Engine, outbound_id: int) -> tuple[bytes, str, str, int] | str | float:
    """The message, its envelope sender and recipient; or why not (str); or seconds to wait
    for the recipient domain's hourly allowance (float)."""
    settings = get_settings()
    with Session(engine, expire_on_commit=False) as session:
        outbound = session.get(MailOutbound, outbound_id)
        if outbound is None:
            return "the message was deleted with its complaint"
        if outbound.sent_at is not None:
            return "already sent"
        thread = must_get(session, MailThread, outbound.thread_id)
        job = session.exec(select(Job).where(Job.key == f"mailchannel:{outbound_id}")).one()
        hour_ago = utcnow() - timedelta(hours=1)
        sent, oldest = session.exec(
            select(func.count(), func.min(MailOutbound.sent_at)).where(
                MailOutbound.recipient_domain == outbound.recipient_domain,
                col(MailOutbound.sent_at) > hour_ago,
            )
        ).one()
        # The allowance is at least 1, so a domain at it has a message sent this hour.
        if sent >= settings.mail_per_domain_per_hour and oldest is not None:
            return max(1.0, (oldest + timedelta(hours=1) - utcnow()).total_seconds())
        raw = build(session, outbound, thread, job.payload)
        return raw, tokens.address(tokens.token_for(thread)), thread.recipient, thread.complaint_id


def _record_sent(engine: Engine, outbound_id: int) -> None:
    with Session(engine, expire_on_commit=False) as session:
        outbound = session.get(MailOutbound, outbound_id)
        if outbound is None or outbound.sent_at is not None:
            return
        now = utcnow()
        outbound.sent_at = now
        session.add(outbound)
        thread = must_get(session, MailThread, outbound.thread_id)
        complaint = session.get(Complaint, thread.complaint_id)
        if thread.side == "company" and complaint is not None:
            directory.record_sent(
                session=session, company_id=complaint.company_id, recipient=thread.recipient
            )
            if outbound.kind == "complaint" and complaint.company_notified_at is None:
                complaint.company_notified_at = now
                complaint.company_notified_to = thread.recipient
                session.add(complaint)
        session.commit()


async def deliver(job: Job, ctx: Context) -> Outcome:
    settings = get_settings()
    prepared = await asyncio.to_thread(_prepare, ctx.engine, job.payload["outbound_id"])
    if isinstance(prepared, str):
        return Outcome(ok=True, detail=prepared)
    if isinstance(prepared, float):
        return Outcome(
            ok=False,
            detail="hourly allowance for the domain used up",
            retry_after=prepared,
            weather=True,
        )
    raw, sender, recipient, _complaint_id = prepared
    if settings.smtp_host:
        try:
            await aiosmtplib.send(
                raw,
                sender=sender,
                recipients=[recipient],
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
        except OSError as exc:
            return Outcome(ok=False, detail=f"{type(exc).__name__}: {exc}")
        detail = f"sent to {recipient} via {settings.smtp_host}:{settings.smtp_port}"
    elif settings.environment == "production":
        return Outcome(ok=False, detail="no SMTP server configured (set OUTCRY_SMTP_HOST)")
    else:
        detail = "not sent: no SMTP configured (development)"
    # The message is out: a lost record would send it again on the job's retry, so the record
    # waits out a busy database.
    outbound_id = job.payload["outbound_id"]
    await asyncio.to_thread(
        retry_busy,
        lambda: _record_sent(ctx.engine, outbound_id),
        within=AFTER_EFFECT_SECONDS,
        what=f"recording message {outbound_id} as sent",
    )
    return Outcome(ok=True, detail=detail)
