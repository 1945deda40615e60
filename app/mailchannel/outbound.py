"""What is mailed to a company's complaints address, and when: the complaint once it is
published, then the consumer's follow-ups and disputes, all on one thread (one reply address,
Message-ID/References so the company's mail client keeps them together).

Queued in the transaction of the change; send.py delivers through the worker.
"""

import secrets
from email.utils import parseaddr

from sqlmodel import Session, select

from app.config import get_settings
from app.events import ComplaintCreated, Disputed, FollowedUp
from app.jobs.queue import enqueue
from app.mailchannel import directory, tokens
from app.models.company import Company
from app.models.complaint import Complaint, Message, Side
from app.models.keys import pk
from app.models.mail import MailOutbound, MailThread
from app.models.user import User
from app.notify import compose, unsubscribe

SEND_JOB = "mailchannel.send"
COMPANY = "company"
CONSUMER = "consumer"


def enabled() -> bool:
    return bool(get_settings().mail_domain)


def mails_company(*, session: Session, company: Company) -> bool:
    """Whether complaints against ``company`` go by mail from a reply address (then the
    one-off notice of app/notify is not sent as well)."""
    return enabled() and directory.best_address(session=session, company=company) is not None


def _queue(
    session: Session,
    *,
    thread: MailThread,
    purpose: str,
    template: str,
    company: Company,
    **context: object,
) -> MailOutbound:
    domain = get_settings().mail_domain
    first = session.exec(select(MailOutbound.id).where(MailOutbound.thread_id == thread.id)).first()
    outbound = MailOutbound(
        thread_id=pk(thread),
        kind=purpose,
        # The first message on a thread is its root; later ones refer to it.
        message_id=thread.root_message_id
        if first is None
        else f"<mc-{secrets.token_hex(10)}@{domain}>",
        recipient_domain=parseaddr(thread.recipient)[1].rpartition("@")[2].lower(),
    )
    session.add(outbound)
    session.flush()
    page, one_click = unsubscribe.urls(unsubscribe.token_for_company(company))
    mail = compose.render(
        template, unsubscribe_url=page, recipient=thread.recipient, company=company, **context
    )
    enqueue(
        session=session,
        kind=SEND_JOB,
        key=f"mailchannel:{outbound.id}",
        payload={
            "outbound_id": outbound.id,
            "subject": " ".join(mail.subject.split()),
            "text": mail.text,
            "html": mail.html,
            "unsubscribe": one_click,
        },
    )
    return outbound


def queue_complaint(*, session: Session, complaint: Complaint, company: Company) -> bool:
    recipient = directory.best_address(session=session, company=company)
    if not enabled() or recipient is None:
        return False
    thread = tokens.open_thread(
        session=session, complaint=complaint, side=COMPANY, recipient=recipient
    )
    if session.exec(select(MailOutbound.id).where(MailOutbound.thread_id == thread.id)).first():
        return True  # the complaint went out already (an event seen twice)
    _queue(
        session,
        thread=thread,
        purpose="complaint",
        template="mailchannel_complaint",
        company=company,
        complaint=complaint,
        reference=complaint.private_reference if complaint.reference_by_email else None,
    )
    return True


def consumer_reply_address(*, session: Session, complaint: Complaint, user: User) -> str | None:
    """The reply address of the consumer's own thread, or None with the channel off."""
    if not enabled():
        return None
    thread = tokens.open_thread(
        session=session, complaint=complaint, side=CONSUMER, recipient=user.email.lower()
    )
    return tokens.address(tokens.token_for(thread))


def company_threads(*, session: Session, complaint_id: int) -> list[MailThread]:
    return list(
        session.exec(
            select(MailThread).where(
                MailThread.complaint_id == complaint_id, MailThread.side == COMPANY
            )
        )
    )


def on_filed(session: Session, event: ComplaintCreated) -> None:
    """Mail the published complaint to the company's complaints address."""
    if not enabled():
        return
    complaint = session.get(Complaint, event.complaint_id)
    company = session.get(Company, complaint.company_id) if complaint else None
    if complaint is not None and company is not None:
        queue_complaint(session=session, complaint=complaint, company=company)


def on_consumer_message(session: Session, event: FollowedUp | Disputed) -> None:
    """The consumer's follow-up or dispute goes to every company thread of the complaint."""
    if not enabled() or event.message_id is None:
        return
    complaint = session.get(Complaint, event.complaint_id)
    message = session.get(Message, event.message_id)
    if complaint is None or message is None or message.side != Side.CONSUMER:
        return
    company = session.get(Company, complaint.company_id)
    if company is None:
        return
    for thread in company_threads(session=session, complaint_id=pk(complaint)):
        _queue(
            session,
            thread=thread,
            purpose=event.action,
            template="mailchannel_message",
            company=company,
            complaint=complaint,
            message=message,
            kind=event.action,
        )
