"""Complaint services: the consumer's and company's actions, co-signs, queries (filing is in
filing.py).

Every change goes through ``_transition`` or ``_record`` so it lands on the append-only timeline.
"""

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from app.clock import utcnow
from app.complaints import gate, templated, turn
from app.complaints.filing import file  # noqa: F401 - filing.py; callers use complaints.file
from app.complaints.states import OPEN_STATES, Action, next_state
from app.errors import Conflict, Forbidden, NotFound
from app.events import (
    Answered,
    ComplaintUpdated,
    Confirmed,
    Disputed,
    FollowedUp,
    InfoRequested,
    MessageCreated,
    Resolved,
    TurnChanged,
    Withdrawn,
    emit,
)
from app.models.complaint import (
    Complaint,
    ComplaintState,
    Message,
    ResolutionType,
    Side,
    TimelineEvent,
)
from app.models.keys import pk
from app.models.user import User
from app.redaction import service as redaction


def get(*, session: Session, complaint_id: int) -> Complaint | None:
    return session.get(Complaint, complaint_id)


def get_or_404(*, session: Session, complaint_id: int) -> Complaint:
    if (complaint := get(session=session, complaint_id=complaint_id)) is None:
        raise NotFound("There is no complaint with that number.")
    return complaint


def _record(
    session: Session,
    complaint: Complaint,
    kind: str,
    actor: User | None,
    side: Side,
    now: datetime,
    *,
    from_state: ComplaintState | None = None,
    to_state: ComplaintState | None = None,
    message: Message | None = None,
    detail: str = "",
) -> TimelineEvent:
    event = TimelineEvent(
        complaint_id=pk(complaint),
        at=now,
        actor_id=actor.id if actor else None,
        side=side,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        message_id=message.id if message else None,
        detail=detail,
    )
    session.add(event)
    return event


def _message(
    session: Session,
    complaint: Complaint,
    author: User | None,
    side: Side,
    body: str,
    now: datetime,
    *,
    private: bool = False,
    submission_key: str | None = None,
) -> Message | None:
    body = body.strip()
    if not body:
        return None
    require_unlocked(complaint)
    message = Message(
        complaint_id=pk(complaint),
        author_id=author.id if author else None,
        side=side,
        body=body,
        created_at=now,
        private=private,
        submission_key=submission_key or None,
    )
    if not private:  # masking protects public text; a private message is for the company
        redaction.redact_message(session=session, message=message, complaint=complaint)
    session.add(message)
    session.flush()
    return message


def _transition(
    session: Session,
    complaint: Complaint,
    action: Action,
    actor: User | None,
    side: Side,
    now: datetime,
    *,
    body: str = "",
    detail: str = "",
    private: bool = False,
    submission_key: str | None = None,
) -> Message | None:
    """Apply one state-machine action; the caller sets its timestamps, then ``_announce``s."""
    before = complaint.state
    complaint.state = next_state(before, action, side)
    complaint.updated_at = now
    message = _message(
        session,
        complaint,
        actor,
        side,
        body,
        now,
        private=private,
        submission_key=submission_key,
    )
    _record(
        session,
        complaint,
        action.value,
        actor,
        side,
        now,
        from_state=before,
        to_state=complaint.state,
        message=message,
        detail=detail,
    )
    session.add(complaint)
    session.flush()
    return message


def _announce(
    session: Session,
    complaint: Complaint,
    kind: type[ComplaintUpdated],
    actor: User | None,
    message: Message | None,
    **fields: Any,
) -> None:
    before, after = turn.refresh(session=session, complaint=complaint)
    session.flush()
    if gate.is_waiting(complaint):  # unpublished: nothing about it leaves (mail, webhooks)
        return
    message_id = message.id if message else None
    actor_id = actor.id if actor else None  # None: the team's routing rules
    event = kind(complaint_id=pk(complaint), actor_id=actor_id, message_id=message_id, **fields)
    emit(session=session, event=event)
    if turn.changed_hands(before, after):  # whoever it now waits for is told (app/notify/turns.py)
        emit(
            session=session,
            event=TurnChanged(
                complaint_id=pk(complaint),
                actor_id=actor.id if actor else None,
                turn=after.turn,
                why=after.why,
            ),
        )
    if message_id is not None:
        emit(
            session=session,
            event=MessageCreated(
                complaint_id=pk(complaint), actor_id=actor_id, message_id=message_id
            ),
        )


def already_sent(
    *, session: Session, complaint: Complaint, user: User | None, submission_key: str | None
) -> Message | None:
    """The message this form already made, if it was sent before (Back, then Post again)."""
    if not submission_key or user is None:
        return None
    return session.exec(
        select(Message).where(
            Message.complaint_id == complaint.id,
            Message.author_id == user.id,
            Message.submission_key == submission_key,
        )
    ).first()


def require_unlocked(complaint: Complaint) -> None:
    # A moderator locked the thread (app/moderation/): no more messages or co-signs.
    if complaint.locked:
        raise Conflict("A moderator has locked this thread: no new messages or co-signs.")


def _require_author(complaint: Complaint, user: User) -> None:
    if complaint.author_id != user.id:
        raise Forbidden("Only the consumer who filed this complaint can do that.")


# The consumer's side -------------------------------------------------------------------------


def follow_up(
    *,
    session: Session,
    complaint: Complaint,
    user: User,
    body: str,
    private: bool = False,
    submission_key: str | None = None,
    now: datetime | None = None,
) -> Message:
    """A follow-up; ``private`` sends it to the company's reps only (app/complaints/private.py).
    The same ``submission_key`` again returns the first message and changes nothing."""
    _require_author(complaint, user)
    if sent := already_sent(
        session=session, complaint=complaint, user=user, submission_key=submission_key
    ):
        return sent
    if complaint.state not in OPEN_STATES | {ComplaintState.RESOLVED}:
        raise Conflict("This complaint is closed; follow-ups are no longer possible.")
    now = now or utcnow()
    message = _message(
        session,
        complaint,
        user,
        Side.CONSUMER,
        body,
        now,
        private=private,
        submission_key=submission_key,
    )
    if message is None:
        raise Conflict("A follow-up needs some text.")
    complaint.updated_at = now
    complaint.awaiting_consumer = False  # the consumer answered a rep's request for information
    _record(session, complaint, "follow_up", user, Side.CONSUMER, now, message=message)
    _announce(session, complaint, FollowedUp, user, message)  # helpdesks hear the reply
    return message


def confirm(
    *,
    session: Session,
    complaint: Complaint,
    user: User,
    body: str = "",
    now: datetime | None = None,
) -> Complaint:
    _require_author(complaint, user)
    now = now or utcnow()
    message = _transition(session, complaint, Action.CONFIRM, user, Side.CONSUMER, now, body=body)
    complaint.closed_at = now
    _announce(session, complaint, Confirmed, user, message)
    return complaint


def dispute(
    *, session: Session, complaint: Complaint, user: User, body: str, now: datetime | None = None
) -> Complaint:
    _require_author(complaint, user)
    if not body.strip():
        raise Conflict("Please say why the problem is not resolved.")
    message = _transition(
        session, complaint, Action.DISPUTE, user, Side.CONSUMER, now or utcnow(), body=body
    )
    _announce(session, complaint, Disputed, user, message)
    return complaint


def withdraw(
    *,
    session: Session,
    complaint: Complaint,
    user: User,
    body: str = "",
    now: datetime | None = None,
) -> Complaint:
    _require_author(complaint, user)
    now = now or utcnow()
    message = _transition(session, complaint, Action.WITHDRAW, user, Side.CONSUMER, now, body=body)
    complaint.closed_at = now
    _announce(session, complaint, Withdrawn, user, message)
    return complaint


# The company's side (the dashboard that calls these arrives with company claims) -------------


def answer(
    *,
    session: Session,
    complaint: Complaint,
    rep: User | None,
    body: str,
    now: datetime | None = None,
    signature: str = "",
    info_request: bool = False,
    private: bool = False,
    submission_key: str | None = None,
) -> Complaint:
    """A reply, public unless ``private``. With ``info_request`` it asks the consumer for more
    information, and the complaint waits on them until their next follow-up. Callers check the
    rep (company.py);
    ``rep`` is None for an answer that came by email (app/mailchannel), signed by its sender."""
    if not body.strip():
        raise Conflict("A reply needs some text.")
    if already_sent(session=session, complaint=complaint, user=rep, submission_key=submission_key):
        return complaint  # the same form sent again: one reply
    now = now or utcnow()
    is_templated = not private and templated.is_templated(
        session=session, company_id=complaint.company_id, body=body, now=now
    )
    message = _transition(
        session,
        complaint,
        Action.ANSWER,
        rep,
        Side.COMPANY,
        now,
        body=body,
        private=private,
        submission_key=submission_key,
    )
    _sign(message, signature, is_templated, info_request=info_request)
    complaint.first_response_at = complaint.first_response_at or now
    if info_request:
        complaint.awaiting_consumer = True
    _announce(session, complaint, InfoRequested if info_request else Answered, rep, message)
    return complaint


def resolve(
    *,
    session: Session,
    complaint: Complaint,
    rep: User | None,
    resolution_type: ResolutionType,
    body: str = "",
    now: datetime | None = None,
    signature: str = "",
) -> Complaint:
    now = now or utcnow()
    is_templated = bool(body.strip()) and templated.is_templated(
        session=session, company_id=complaint.company_id, body=body, now=now
    )
    message = _transition(
        session,
        complaint,
        Action.RESOLVE,
        rep,
        Side.COMPANY,
        now,
        body=body,
        detail=resolution_type.value,
    )
    _sign(message, signature, is_templated)
    complaint.resolution_type = resolution_type
    complaint.resolved_at = now
    complaint.first_response_at = complaint.first_response_at or now
    complaint.awaiting_consumer = False
    _announce(session, complaint, Resolved, rep, message)
    return complaint


def _sign(
    message: Message | None, signature: str, is_templated: bool, *, info_request: bool = False
) -> None:
    """Company replies are signed by a person and marked when they are boilerplate."""
    if message is not None:
        message.signature = signature
        message.templated = is_templated
        message.info_request = info_request
