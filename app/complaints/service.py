"""Complaint services: filing, the consumer's and company's actions, co-signs, queries.

Every change goes through ``_transition`` or ``_record`` so it lands on the append-only timeline.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, or_, select

from app.clock import utcnow
from app.companies import service as companies
from app.complaints import templated
from app.complaints.flags import overdue_cutoff
from app.complaints.states import OPEN_STATES, Action, next_state
from app.errors import Conflict, Forbidden, NotFound
from app.events import COMPLAINT_CREATED, COMPLAINT_UPDATED, MESSAGE_CREATED, Event, emit
from app.models.company import Company
from app.models.complaint import (
    Channel,
    Complaint,
    ComplaintCreate,
    ComplaintState,
    ContactAttempt,
    CoSign,
    Message,
    ResolutionType,
    Side,
    TimelineEvent,
)
from app.models.user import User


@dataclass(frozen=True)
class Filters:
    company_id: int | None = None
    state: ComplaintState | None = None
    author_id: int | None = None
    text: str | None = None
    overdue: bool = False


def get(*, session: Session, complaint_id: int) -> Complaint | None:
    return session.get(Complaint, complaint_id)


def get_or_404(*, session: Session, complaint_id: int) -> Complaint:
    if (complaint := get(session=session, complaint_id=complaint_id)) is None:
        raise NotFound("There is no complaint with that number.")
    return complaint


def file(
    *,
    session: Session,
    author: User,
    data: ComplaintCreate,
    now: datetime | None = None,
) -> Complaint:
    """Publish a complaint. Re-submitting the same form (same submission key) returns the first."""
    now = now or utcnow()
    key = data.submission_key or uuid.uuid4().hex
    if existing := _by_submission(session=session, author_id=author.id, key=key):
        return existing
    company = companies.resolve(
        session=session,
        name=data.company_name,
        domain=data.company_domain,
        accept_new=data.accept_new_company,
        user_id=author.id,
    )
    complaint = Complaint(
        **data.model_dump(
            include={
                "title",
                "body",
                "category",
                "desired_outcome",
                "broadcast_opt_in",
                "contact_since",
            }
        ),
        private_reference=(data.private_reference or "").strip() or None,
        company_id=company.id,
        author_id=author.id,
        submission_key=key,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():  # a concurrent double-submit loses the race cleanly
            session.add(complaint)
            session.flush()
    except IntegrityError:
        if existing := _by_submission(session=session, author_id=author.id, key=key):
            return existing
        raise
    for attempt in data.contact_attempts:
        session.add(
            ContactAttempt(complaint_id=complaint.id, channel=attempt.channel, count=attempt.count)
        )
    _record(
        session,
        complaint,
        "filed",
        author,
        Side.CONSUMER,
        now,
        to_state=ComplaintState.OPEN,
        detail=f"against {company.name}",
    )
    session.flush()
    emit(session=session, event=Event(COMPLAINT_CREATED, complaint.id, actor_id=author.id))
    return complaint


def _by_submission(*, session: Session, author_id: int | None, key: str) -> Complaint | None:
    return session.exec(
        select(Complaint).where(Complaint.author_id == author_id, Complaint.submission_key == key)
    ).first()


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
        complaint_id=complaint.id,
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
    session: Session, complaint: Complaint, author: User, side: Side, body: str, now: datetime
) -> Message | None:
    body = body.strip()
    if not body:
        return None
    message = Message(
        complaint_id=complaint.id, author_id=author.id, side=side, body=body, created_at=now
    )
    session.add(message)
    session.flush()
    return message


def _transition(
    session: Session,
    complaint: Complaint,
    action: Action,
    actor: User,
    side: Side,
    now: datetime,
    *,
    body: str = "",
    detail: str = "",
) -> Message | None:
    """Apply one state-machine action; the caller sets its timestamps, then ``_announce``s."""
    before = complaint.state
    complaint.state = next_state(before, action, side)
    complaint.updated_at = now
    message = _message(session, complaint, actor, side, body, now)
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
    action: str,
    actor: User,
    message: Message | None,
    data: dict[str, Any] | None = None,
) -> None:
    session.flush()
    emit(
        session=session,
        event=Event(
            COMPLAINT_UPDATED,
            complaint.id,
            action=action,
            actor_id=actor.id,
            message_id=message.id if message else None,
            data=data or {},
        ),
    )
    if message is not None:
        emit(
            session=session,
            event=Event(
                MESSAGE_CREATED,
                complaint.id,
                action=action,
                actor_id=actor.id,
                message_id=message.id,
            ),
        )


def _require_author(complaint: Complaint, user: User) -> None:
    if complaint.author_id != user.id:
        raise Forbidden("Only the consumer who filed this complaint can do that.")


# The consumer's side -------------------------------------------------------------------------


def follow_up(
    *, session: Session, complaint: Complaint, user: User, body: str, now: datetime | None = None
) -> Message:
    _require_author(complaint, user)
    if complaint.state not in OPEN_STATES | {ComplaintState.RESOLVED}:
        raise Conflict("This complaint is closed; follow-ups are no longer possible.")
    now = now or utcnow()
    message = _message(session, complaint, user, Side.CONSUMER, body, now)
    if message is None:
        raise Conflict("A follow-up needs some text.")
    complaint.updated_at = now
    complaint.awaiting_consumer = False  # the consumer answered a rep's request for information
    _record(session, complaint, "follow_up", user, Side.CONSUMER, now, message=message)
    _announce(session, complaint, "follow_up", user, message)  # helpdesks hear the reply
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
    _announce(session, complaint, Action.CONFIRM.value, user, message)
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
    _announce(session, complaint, Action.DISPUTE.value, user, message)
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
    _announce(session, complaint, Action.WITHDRAW.value, user, message)
    return complaint


# The company's side (the dashboard that calls these arrives with company claims) -------------


def answer(
    *,
    session: Session,
    complaint: Complaint,
    rep: User,
    body: str,
    now: datetime | None = None,
    signature: str = "",
    info_request: bool = False,
) -> Complaint:
    """A public reply. With ``info_request`` it asks the consumer for more information, and the
    complaint waits on them until their next follow-up. Callers check the rep (company.py)."""
    if not body.strip():
        raise Conflict("A reply needs some text.")
    now = now or utcnow()
    is_templated = templated.is_templated(
        session=session, company_id=complaint.company_id, body=body, now=now
    )
    message = _transition(session, complaint, Action.ANSWER, rep, Side.COMPANY, now, body=body)
    _sign(message, signature, is_templated, info_request=info_request)
    complaint.first_response_at = complaint.first_response_at or now
    if info_request:
        complaint.awaiting_consumer = True
    action = "info_request" if info_request else Action.ANSWER.value
    _announce(session, complaint, action, rep, message)
    return complaint


def resolve(
    *,
    session: Session,
    complaint: Complaint,
    rep: User,
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
    _announce(session, complaint, Action.RESOLVE.value, rep, message)
    return complaint


def _sign(
    message: Message | None, signature: str, is_templated: bool, *, info_request: bool = False
) -> None:
    """Company replies are signed by a person and marked when they are boilerplate."""
    if message is not None:
        message.signature = signature
        message.templated = is_templated
        message.info_request = info_request


# Co-signs ------------------------------------------------------------------------------------


def cosign(
    *, session: Session, complaint: Complaint, user: User, now: datetime | None = None
) -> bool:
    """Add the user's "me too"; False when they had already co-signed."""
    if complaint.author_id == user.id:
        raise Conflict("You filed this complaint, so you cannot co-sign it.")
    if complaint.state == ComplaintState.WITHDRAWN:
        raise Conflict("This complaint was withdrawn.")
    if session.get(CoSign, (complaint.id, user.id)):
        return False
    try:
        with session.begin_nested():
            session.add(
                CoSign(complaint_id=complaint.id, user_id=user.id, created_at=now or utcnow())
            )
            session.flush()
    except IntegrityError:
        return False
    _bump_cosigns(session, complaint, +1)
    return True


def uncosign(*, session: Session, complaint: Complaint, user: User) -> bool:
    row = session.get(CoSign, (complaint.id, user.id))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    _bump_cosigns(session, complaint, -1)
    return True


def _bump_cosigns(session: Session, complaint: Complaint, delta: int) -> None:
    # An atomic UPDATE, so concurrent co-signs on a viral complaint do not lose counts.
    session.execute(
        update(Complaint)
        .where(col(Complaint.id) == complaint.id)
        .values(cosign_count=Complaint.cosign_count + delta)
    )
    session.refresh(complaint, ["cosign_count"])


def has_cosigned(*, session: Session, complaint: Complaint, user: User | None) -> bool:
    return bool(user and session.get(CoSign, (complaint.id, user.id)))


# Reading -------------------------------------------------------------------------------------


def timeline(
    *, session: Session, complaint: Complaint
) -> list[tuple[TimelineEvent, Message | None, User | None]]:
    rows = session.exec(
        select(TimelineEvent, Message, User)
        .outerjoin(Message, col(Message.id) == TimelineEvent.message_id)
        .outerjoin(User, col(User.id) == TimelineEvent.actor_id)
        .where(TimelineEvent.complaint_id == complaint.id)
        .order_by(col(TimelineEvent.at), col(TimelineEvent.id))
    ).all()
    return [(event, message, user) for event, message, user in rows]


def contact_attempts(
    *, session: Session, complaint_ids: list[int]
) -> dict[int, dict[Channel, int]]:
    result: dict[int, dict[Channel, int]] = {cid: {} for cid in complaint_ids}
    if complaint_ids:
        for row in session.exec(
            select(ContactAttempt).where(col(ContactAttempt.complaint_id).in_(complaint_ids))
        ):
            result[row.complaint_id][Channel(row.channel)] = row.count
    return result


def contact_summary(attempts: dict[Channel, int], since: date | None) -> str:
    """'tried 4 times by phone and 5 times by chat since 3 March 2026'."""
    if not attempts:
        return ""
    how = {
        Channel.PHONE: "by phone",
        Channel.CHAT: "by chat",
        Channel.EMAIL: "by email",
        Channel.TICKET: "through support tickets",
        Channel.VISIT: "in person",
    }
    parts = [f"{n} time{'s' if n != 1 else ''} {how[ch]}" for ch, n in attempts.items()]
    text = "tried " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0])
    return text + (f" since {since.day} {since:%B %Y}" if since else "")


def _filtered(filters: Filters, now: datetime | None):
    stmt = select(Complaint)
    if filters.company_id is not None:
        stmt = stmt.where(Complaint.company_id == filters.company_id)
    if filters.state is not None:
        stmt = stmt.where(Complaint.state == filters.state)
    if filters.author_id is not None:
        stmt = stmt.where(Complaint.author_id == filters.author_id)
    if filters.text:
        pattern = f"%{filters.text.strip()}%"
        stmt = stmt.where(
            or_(col(Complaint.title).ilike(pattern), col(Complaint.body).ilike(pattern))
        )
    if filters.overdue:
        stmt = stmt.where(
            col(Complaint.first_response_at).is_(None),
            col(Complaint.state).in_(list(OPEN_STATES)),
            Complaint.created_at <= overdue_cutoff(now=now),
        )
    return stmt


def search(
    *,
    session: Session,
    filters: Filters,
    offset: int = 0,
    limit: int = 20,
    oldest_first: bool = False,
    now: datetime | None = None,
) -> tuple[list[tuple[Complaint, Company, User]], int]:
    """A page of complaints with their company and author, and the total count."""
    stmt = _filtered(filters, now)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    order = col(Complaint.created_at).asc() if oldest_first else col(Complaint.created_at).desc()
    page = session.execute(  # execute, not exec: rows of three entities, not scalars
        stmt.add_columns(Company, User)
        .join(Company, col(Company.id) == Complaint.company_id)
        .join(User, col(User.id) == Complaint.author_id)
        .order_by(order, col(Complaint.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return [(c, co, u) for c, co, u in page], total
