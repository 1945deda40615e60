"""The holding pen: replies whose sender could not be verified wait here for a moderator, who
publishes them (labelled "by email from …, sender not verified"), rejects them or marks spam."""

from enum import StrEnum
from typing import cast

from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.errors import Conflict, NotFound
from app.mailchannel.process import publish
from app.models.complaint import Complaint
from app.models.keys import pk
from app.models.mail import InboundState, MailInbound, MailThread
from app.models.user import User


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    SPAM = "spam"


def held(*, session: Session) -> list[tuple[MailInbound, MailThread, Complaint]]:
    return list(
        session.exec(
            select(MailInbound, MailThread, Complaint)
            .join(MailThread, col(MailThread.id) == MailInbound.thread_id)
            .join(Complaint, col(Complaint.id) == MailThread.complaint_id)
            .where(MailInbound.state == InboundState.HELD)
            .order_by(col(MailInbound.received_at), col(MailInbound.id))
        ).all()
    )


def decide(
    *, session: Session, inbound_id: int, moderator: User, decision: Decision
) -> MailInbound:
    inbound = session.get(MailInbound, inbound_id)
    if inbound is None:
        raise NotFound("There is no such held message.")
    if inbound.state != InboundState.HELD:
        raise Conflict("This message was already decided.")
    inbound.reviewed_by_id = moderator.id
    if decision == Decision.APPROVE:
        thread = session.get(MailThread, inbound.thread_id)
        complaint = session.get(Complaint, thread.complaint_id) if thread else None
        if thread is None or complaint is None:
            raise Conflict("Its complaint is gone.")
        label = f"by email from {inbound.header_from}, sender not verified"
        publish(session, inbound, complaint, thread, label=label)
        if cast(InboundState, inbound.state) != InboundState.PUBLISHED:  # publish() set it
            raise Conflict(f"Not published: {inbound.outcome}.")
    elif decision == Decision.REJECT:
        inbound.state, inbound.outcome = InboundState.REJECTED, "rejected by a moderator"
    else:
        inbound.state, inbound.outcome = InboundState.SPAM, "marked as spam by a moderator"
    inbound.processed_at = inbound.processed_at or utcnow()
    session.add(inbound)
    audit.record(
        session=session,
        actor=moderator,
        action=f"mail.{decision.value}",
        target_type="mail_inbound",
        target_id=pk(inbound),
        detail=f"from {inbound.header_from}: {inbound.subject}",
    )
    return inbound
