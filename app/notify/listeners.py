"""Who hears about what: domain events become queued mail, in the transaction of the change.

- Filed: the company's active reps (notify_assignments); an unclaimed company with a contact
  address, once; and the consumer's 7-day reminder is scheduled.
- A company message (reply, request for information): the consumer (notify_complaint_updates).
- Resolved: the consumer, with links to confirm or dispute without logging in.
- Assigned: the new assignee, unless they took it themselves (notify_assignments).
- The turn changed hands: the consumer when asked for information, the assignee (or owners) when
  the consumer wrote back or disputed; batched (turns.py).

Each mail's key names what it is about, so an event handled twice (a retried job) still makes
one message. Which event runs which function is listed in app/listeners.py.
"""

from typing import Any

from sqlmodel import Session, col, select

from app.events import Answered, Assigned, ComplaintCreated, InfoRequested, Resolved, TurnChanged
from app.mailchannel import outbound
from app.models.company import Company
from app.models.complaint import Complaint, Message, Side
from app.models.job import Job
from app.models.keys import pk
from app.models.membership import Claim, ClaimStatus, CompanyMember
from app.models.user import User
from app.notify import company_notice, compose, links, reminders, turns, unsubscribe
from app.notify.unsubscribe import Preference


def _claimed(session: Session, company_id: int) -> bool:
    return (
        session.exec(
            select(Claim.id).where(
                Claim.company_id == company_id, Claim.status == ClaimStatus.VERIFIED
            )
        ).first()
        is not None
    )


def _reps(session: Session, company_id: int, *, claimed: bool | None = None) -> list[User]:
    """Active members of a claimed company who want assignment mail."""
    if not (_claimed(session, company_id) if claimed is None else claimed):
        return []
    return list(
        session.exec(
            select(User)
            .join(CompanyMember, col(CompanyMember.user_id) == User.id)
            .where(
                CompanyMember.company_id == company_id,
                col(CompanyMember.revoked_at).is_(None),
                col(User.notify_assignments).is_(True),
            )
            .order_by(col(User.id))
        )
    )


def _is_rep(session: Session, company_id: int, user_id: int) -> bool:
    return any(rep.id == user_id for rep in _reps(session, company_id))


def _queue_for_user(
    session: Session,
    *,
    user: User,
    preference: Preference,
    key: str,
    template: str,
    **ctx: Any,
) -> None:
    compose.queue(
        session=session,
        key=key,
        to=user.email,
        template=template,
        unsubscribe_token=unsubscribe.token_for_user(user, preference),
        recipient=user,
        **ctx,
    )


def _filed(session: Session, complaint: Complaint, company: Company) -> None:
    reminders.schedule(session=session, complaint=complaint)
    claimed = _claimed(session, pk(company))  # asked once: it decides both mails below
    reps = [
        rep for rep in _reps(session, pk(company), claimed=claimed) if rep.id != complaint.author_id
    ]
    for rep in reps:
        _queue_for_user(
            session,
            user=rep,
            preference=Preference.ASSIGNMENTS,
            key=f"new-complaint:{complaint.id}:{rep.id}",
            template="new_complaint",
            complaint=complaint,
            company=company,
        )
    # With the email channel on, the company gets the complaint itself from its reply address.
    if not claimed and not outbound.mails_company(session=session, company=company):
        company_notice.queue_notice(session=session, complaint=complaint, company=company)


def _company_message(
    session: Session, complaint: Complaint, company: Company, author: User, message: Message
) -> None:
    if message.side != Side.COMPANY or not author.notify_complaint_updates:
        return
    if message.info_request:
        return  # the consumer's turn: one batched "Waiting for you" mail (turns.py)
    _queue_for_user(
        session,
        user=author,
        preference=Preference.COMPLAINT_UPDATES,
        key=f"message:{message.id}",
        template="info_request" if message.info_request else "reply",
        complaint=complaint,
        company=company,
        message=message,
        # The consumer may answer from their mailbox: their own reply address (app/mailchannel).
        reply_to=outbound.consumer_reply_address(session=session, complaint=complaint, user=author),
    )


def _resolved(
    session: Session, complaint: Complaint, company: Company, author: User, event: Resolved
) -> None:
    if not author.notify_complaint_updates or complaint.resolved_at is None:
        return
    key = f"resolved:{complaint.id}:{complaint.resolved_at.timestamp():.6f}"
    if session.exec(select(Job.id).where(Job.key == f"mail:{key}")).first():
        return  # already queued: do not mint a second link
    token = links.issue(session=session, complaint=complaint)
    _queue_for_user(
        session,
        user=author,
        preference=Preference.COMPLAINT_UPDATES,
        key=key,
        template="resolved",
        complaint=complaint,
        company=company,
        message=session.get(Message, event.message_id) if event.message_id else None,
        answer_url=f"{compose.base_url()}/r/{token}",
        link_days=links.LINK_DAYS,
    )


def _assigned(session: Session, company: Company, complaint: Complaint, event: Assigned) -> None:
    if event.assignee_id == event.actor_id:
        return  # they took it themselves
    assignee = session.get(User, event.assignee_id)
    if assignee is None or not assignee.notify_assignments:
        return
    if not _is_rep(session, pk(company), pk(assignee)):
        return
    _queue_for_user(
        session,
        user=assignee,
        preference=Preference.ASSIGNMENTS,
        key=f"assigned:{complaint.id}:{assignee.id}:{complaint.handoff_count}",
        template="assigned",
        complaint=complaint,
        company=company,
        actor=session.get(User, event.actor_id) if event.actor_id else None,
    )


def _parties(session: Session, complaint_id: int) -> tuple[Complaint, Company, User] | None:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        return None
    company = session.get(Company, complaint.company_id)
    author = session.get(User, complaint.author_id)
    if company is None or author is None:
        return None
    return complaint, company, author


def on_filed(session: Session, event: ComplaintCreated) -> None:
    if parties := _parties(session, event.complaint_id):
        complaint, company, _author = parties
        _filed(session, complaint, company)


def on_resolved(session: Session, event: Resolved) -> None:
    """The resolution mail carries the resolving message, if any."""
    if parties := _parties(session, event.complaint_id):
        complaint, company, author = parties
        _resolved(session, complaint, company, author, event)


def on_assigned(session: Session, event: Assigned) -> None:
    if parties := _parties(session, event.complaint_id):
        complaint, company, _author = parties
        _assigned(session, company, complaint, event)


def on_company_message(session: Session, event: Answered | InfoRequested) -> None:
    """A company reply or request for information: the consumer hears of it."""
    if event.message_id is None or (parties := _parties(session, event.complaint_id)) is None:
        return
    complaint, company, author = parties
    if message := session.get(Message, event.message_id):
        _company_message(session, complaint, company, author, message)


def on_turn_changed(session: Session, event: TurnChanged) -> None:
    """Whoever the conversation now waits for is mailed, batched (turns.py)."""
    if parties := _parties(session, event.complaint_id):
        turns.schedule(session=session, complaint=parties[0])
