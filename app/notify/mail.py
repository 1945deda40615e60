"""Email: queued in the request's transaction, sent by the worker through SMTP.

Without OUTCRY_SMTP_HOST, mail is kept in the database and shown at /dev/mail (development only).
"""

from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
from sqlmodel import Session

from app.config import get_settings
from app.jobs.queue import Outcome, enqueue
from app.jobs.worker import Context, handler
from app.models.job import Job

KIND = "mail"


def queue_mail(
    *,
    session: Session,
    key: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: dict[str, str] | None = None,
) -> Job:
    """Queue one message. ``key`` makes it unique: the same key is never sent twice."""
    return enqueue(
        session=session,
        kind=KIND,
        key=f"mail:{key}",
        payload={
            "to": to,
            "subject": subject,
            "text": text,
            "html": html,
            "headers": headers or {},
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
    message["Message-ID"] = f"<outcry-job-{job.id}@{settings.mail_domain}>"
    for name, value in data.get("headers", {}).items():
        message[name] = value
    message.set_content(data["text"])
    if data.get("html"):
        message.add_alternative(data["html"], subtype="html")
    return message


@handler(KIND)
async def send(job: Job, _ctx: Context) -> Outcome:
    """Send one queued message, or keep it for /dev/mail when no SMTP server is configured."""
    settings = get_settings()
    if not settings.smtp_host:
        return Outcome(ok=True, detail="kept in the development mailbox (no SMTP configured)")
    message = build_message(job)
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            start_tls=settings.smtp_starttls,
            timeout=30,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        return Outcome(ok=False, detail=f"recipient refused: {exc}", permanent=True)
    except (aiosmtplib.SMTPException, OSError) as exc:
        return Outcome(ok=False, detail=f"{type(exc).__name__}: {exc}")
    return Outcome(ok=True, detail=f"sent via {settings.smtp_host}:{settings.smtp_port}")
