"""The worker's reading of a stored message: a bounce marks the address failing and says so on
the ticket; an automatic reply is noted, never an answer; a reply is published when its sender
is verified (authenticate.py) and held for moderators otherwise (pen.py)."""

import asyncio
import re

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.complaints import service as complaints
from app.complaints.states import OPEN_STATES
from app.db import must_get
from app.errors import Conflict, NotFound
from app.jobs.queue import Context, Outcome
from app.mailchannel import authenticate, classify, directory, parse
from app.models.company import Company
from app.models.complaint import (
    Complaint,
    ComplaintState,
    Message,
    ResolutionType,
    Side,
    TimelineEvent,
)
from app.models.job import Job
from app.models.keys import pk
from app.models.mail import InboundState, MailInbound, MailThread
from app.models.user import User
from app.notify import compose, unsubscribe
from app.notify.unsubscribe import Preference
from app.redaction import service as redaction

ANSWERABLE = OPEN_STATES | {ComplaintState.RESOLVED}
# A first line "RESOLVED" (optionally ": refund", ": explanation", ": replacement") marks the
# complaint resolved, as the dashboard's "Mark resolved" does; the consumer then confirms.
_RESOLVED = re.compile(
    r"\A\s*resolved\s*(?:[:\-]\s*(refund|money|monetary|explanation|replacement|repair|other))?"
    r"\s*[.!]?\s*(?:\n|\Z)",
    re.IGNORECASE,
)
_TYPES = {
    "refund": ResolutionType.MONETARY,
    "money": ResolutionType.MONETARY,
    "monetary": ResolutionType.MONETARY,
    "replacement": ResolutionType.NON_MONETARY,
    "repair": ResolutionType.NON_MONETARY,
    "other": ResolutionType.NON_MONETARY,
}


def _note(session: Session, complaint: Complaint, kind: str, detail: str) -> None:
    session.add(
        TimelineEvent(complaint_id=pk(complaint), side=Side.SYSTEM, kind=kind, detail=detail[:500])
    )
    complaint.updated_at = utcnow()
    session.add(complaint)


def verified_domain(session: Session, company: Company) -> str | None:
    """The company's domain once an admin confirmed it or a claim proved it."""
    if company.domain and (company.domain_confirmed_at or directory.claimed(session, pk(company))):
        return company.domain
    return None


def publish(
    session: Session, inbound: MailInbound, complaint: Complaint, thread: MailThread, *, label: str
) -> None:
    """Put the reply on the ticket: the company's answer (its clock rules as for a dashboard
    reply, its text masked like all public text) or the consumer's follow-up."""
    if complaint.state not in ANSWERABLE:
        inbound.state, inbound.outcome = InboundState.IGNORED, "the complaint is closed"
        return
    text = inbound.text or ""
    resolved = _RESOLVED.match(text) if thread.side == "company" else None
    if resolved and complaint.state in OPEN_STATES:
        complaints.resolve(
            session=session,
            complaint=complaint,
            rep=None,
            resolution_type=_TYPES.get(
                (resolved.group(1) or "").lower(), ResolutionType.EXPLANATION
            ),
            body=text[resolved.end() :].strip(),
            signature=label[:160],
        )
        directory.record_answered(
            session=session, company_id=complaint.company_id, recipient=thread.recipient
        )
    elif thread.side == "company":
        complaints.answer(
            session=session, complaint=complaint, rep=None, body=text, signature=label[:160]
        )
        directory.record_answered(
            session=session, company_id=complaint.company_id, recipient=thread.recipient
        )
    else:
        author = must_get(session, User, complaint.author_id)
        complaints.follow_up(session=session, complaint=complaint, user=author, body=text)
    inbound.message_row_id = session.exec(
        select(Message.id)
        .where(Message.complaint_id == complaint.id)
        .order_by(col(Message.id).desc())
        .limit(1)
    ).first()
    inbound.state, inbound.outcome = InboundState.PUBLISHED, label


def masked(session: Session, complaint: Complaint, author: User | None, text: str) -> str:
    ctx = redaction.context(session=session, author=author, complaint=complaint)
    return ctx.redact(text).text


def _would_mask(session: Session, complaint: Complaint, author: User | None, text: str) -> bool:
    return masked(session, complaint, author, text) != text


def _ask_to_confirm(
    session: Session, inbound: MailInbound, complaint: Complaint, author: User
) -> None:
    """Instead of the filing form's preview: a mail showing the masked text and a link to
    publish it. Nothing is published until the consumer says so."""
    inbound.state, inbound.outcome = InboundState.CONFIRM, "waiting for the consumer to confirm"
    session.flush()
    compose.queue(
        session=session,
        key=f"mailchannel-confirm:{inbound.id}",
        to=author.email,
        template="mailchannel_confirm",
        unsubscribe_token=unsubscribe.token_for_user(author, Preference.COMPLAINT_UPDATES),
        recipient=author,
        complaint=complaint,
        masked_text=masked(session, complaint, author, inbound.text or ""),
        confirm_path=f"/complaints/{complaint.id}/mail/{inbound.id}",
    )


def confirm(*, session: Session, inbound_id: int, user: User) -> tuple[MailInbound, Complaint]:
    """The consumer publishes a reply of theirs that masking changed."""
    inbound = session.get(MailInbound, inbound_id)
    thread = session.get(MailThread, inbound.thread_id) if inbound and inbound.thread_id else None
    complaint = session.get(Complaint, thread.complaint_id) if thread else None
    if inbound is None or thread is None or complaint is None or complaint.author_id != user.id:
        raise NotFound("There is no such reply of yours waiting.")
    if inbound.state != InboundState.CONFIRM:
        raise Conflict("This reply was already published or dropped.")
    publish(session, inbound, complaint, thread, label="by email")
    session.add(inbound)
    return inbound, complaint


def pending_confirmation(
    *, session: Session, inbound_id: int, user: User
) -> tuple[MailInbound, Complaint, str]:
    inbound = session.get(MailInbound, inbound_id)
    thread = session.get(MailThread, inbound.thread_id) if inbound and inbound.thread_id else None
    complaint = session.get(Complaint, thread.complaint_id) if thread else None
    if inbound is None or complaint is None or complaint.author_id != user.id:
        raise NotFound("There is no such reply of yours waiting.")
    return inbound, complaint, masked(session, complaint, user, inbound.text or "")


def process(session: Session, inbound: MailInbound) -> None:
    message = parse.load(inbound.raw)
    thread = session.get(MailThread, inbound.thread_id) if inbound.thread_id else None
    complaint = session.get(Complaint, thread.complaint_id) if thread else None
    inbound.processed_at = utcnow()
    if thread is None or complaint is None:
        inbound.state, inbound.outcome = InboundState.IGNORED, "its complaint is gone"
        return
    if (failed := classify.bounce(message)) is not None:
        recipient = failed.recipient or thread.recipient
        if thread.side == "company":
            directory.record_bounce(
                session=session, company_id=complaint.company_id, recipient=recipient
            )
        day = f"{inbound.received_at.day} {inbound.received_at:%B %Y}"
        _note(
            session, complaint, "email_bounced", f"Could not be delivered to {recipient} on {day}"
        )
        inbound.state = InboundState.BOUNCE
        inbound.outcome = f"{failed.status} {failed.diagnostic}".strip()[:500]
        return
    if (why := classify.auto_reply(message)) is not None:
        _note(session, complaint, "email_auto_reply", "automatic reply received")
        inbound.state, inbound.outcome = InboundState.AUTO_REPLY, why
        return
    inbound.text = parse.reply_text(message)
    if not inbound.text:
        inbound.state, inbound.outcome = InboundState.IGNORED, "no new text (only quoted mail)"
        return
    sender = inbound.header_from or parse.address(message.get("From"))
    if thread.side == "company":
        company = session.get(Company, complaint.company_id)
        verdict = authenticate.check(
            raw=inbound.raw,
            from_domain=parse.domain_of(sender),
            company_domain=verified_domain(session, company) if company else None,
        )
        inbound.verified, inbound.auth_detail = verdict.verified, verdict.detail[:500]
        if verdict.verified:
            publish(session, inbound, complaint, thread, label=f"by email from {sender}")
            return
    else:
        author = session.get(User, complaint.author_id)
        inbound.verified = author is not None and sender == author.email.lower()
        inbound.auth_detail = (
            "the consumer's own address" if inbound.verified else "not the consumer"
        )
        if (
            author is not None
            and inbound.verified
            and _would_mask(session, complaint, author, inbound.text)
        ):
            _ask_to_confirm(session, inbound, complaint, author)
            return
        if inbound.verified:
            publish(session, inbound, complaint, thread, label="by email")
            return
    inbound.state, inbound.outcome = InboundState.HELD, "sender not verified: held for moderators"


def _run(engine: Engine, inbound_id: int) -> str:
    with Session(engine, expire_on_commit=False) as session:
        inbound = session.get(MailInbound, inbound_id)
        if inbound is None or inbound.state != InboundState.STORED:
            return "already processed"
        process(session, inbound)
        session.add(inbound)
        session.commit()
        return f"{inbound.state.value}: {inbound.outcome}"


async def run(job: Job, ctx: Context) -> Outcome:
    detail = await asyncio.to_thread(_run, ctx.engine, job.payload["id"])
    return Outcome(ok=True, detail=detail[:500])
