"""Complaint services: filing, the consumer's and company's actions, co-signs, queries.

Every change goes through ``_transition`` or ``_record`` so it lands on the append-only timeline.
"""

import uuid
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.companies import service as companies
from app.complaints import gate, templated
from app.complaints.states import OPEN_STATES, Action, next_state
from app.errors import Conflict, Forbidden, NotFound
from app.events import (
    COMPLAINT_CREATED,
    COMPLAINT_UPDATED,
    MESSAGE_CREATED,
    Event,
    emit,
    emit_later,
)
from app.models.complaint import (
    Channel,
    Complaint,
    ComplaintCreate,
    ComplaintState,
    ContactAttempt,
    Message,
    ResolutionType,
    Side,
    TimelineEvent,
)
from app.models.user import User
from app.redaction import service as redaction

# Lists and search live in app/search; re-exported so callers keep using complaints.search.
from app.search.service import Filters, search  # noqa: F401


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
    bulk: bool = False,
) -> Complaint:
    """Publish a complaint. Re-submitting the same form (same submission key) returns the first.

    An unverified author's complaint waits (gate.py). Unless ``bulk`` (demo loads, test
    factories), a near-duplicate of the author's recent complaint against the same company is
    refused (gate.DuplicateComplaint), and a burst from new accounts is held for moderation."""
    now = now or utcnow()
    key = data.submission_key or uuid.uuid4().hex
    company = companies.resolve(
        session=session,
        name=data.company_name,
        domain=data.company_domain,
        accept_new=data.accept_new_company,
        user_id=author.id,
    )
    # Abuse limits (gate.py): near-duplicates refused; unverified or burst filings wait.
    if not bulk:
        try:
            gate.refuse_duplicate(
                session=session,
                author=author,
                company_id=company.id,
                title=data.title,
                body=data.body,
                now=now,
            )
        except gate.DuplicateComplaint as exc:
            if exc.existing.submission_key == key:
                return exc.existing  # the same form sent again: the first filing stands
            raise
    shown, why = gate.hold(
        session=session, author=author, company_id=company.id, now=now, bursts=not bulk
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
        visibility=shown,
        visibility_reason=why,
    )
    redaction.redact_complaint(session=session, complaint=complaint, author=author)  # issue 6
    # One statement: no lookup first and no savepoint. A form sent twice (a double click, or a
    # retry after a lost response) inserts nothing the second time and gets the first back.
    columns = complaint.model_dump(exclude={"id"})
    inserted = session.scalars(_insert_once(session.get_bind().dialect.name), columns).first()
    if inserted is None:
        return session.exec(
            select(Complaint).where(
                Complaint.author_id == author.id, Complaint.submission_key == key
            )
        ).one()
    complaint = inserted  # the row as stored, in the session: nothing left to flush
    # Bulk inserts, not session.add: the complaint was dated by this very filing, so the
    # updated_at listener (touch.py) must not UPDATE the row it has just inserted.
    if data.contact_attempts:
        session.execute(
            insert(ContactAttempt),
            [
                {"complaint_id": complaint.id, "channel": a.channel, "count": a.count}
                for a in data.contact_attempts
            ],
        )
    session.execute(
        insert(TimelineEvent),
        [
            {
                "complaint_id": complaint.id,
                "at": now,
                "actor_id": author.id,
                "side": Side.CONSUMER,
                "kind": "filed",
                "to_state": ComplaintState.OPEN,
                "detail": f"against {company.name}",
            }
        ],
    )
    if not gate.is_waiting(complaint):  # else gate.publish emits it when it goes public
        # Its consequences run in the worker: a spike of filings pays only for the filings.
        created = Event(COMPLAINT_CREATED, complaint.id, actor_id=author.id)
        emit_later(session=session, event=created)
    return complaint


@lru_cache
def _insert_once(dialect: str) -> Any:
    # Built once, values bound at execution (as app/jobs/queue.py's).
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert_(Complaint).on_conflict_do_nothing(index_elements=["author_id", "submission_key"])
    return stmt.returning(Complaint)


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
    require_unlocked(complaint)
    message = Message(
        complaint_id=complaint.id, author_id=author.id, side=side, body=body, created_at=now
    )
    redaction.redact_message(session=session, message=message, complaint=complaint)  # issue 6
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
    if gate.is_waiting(complaint):  # unpublished: nothing about it leaves (mail, webhooks)
        return
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


def require_unlocked(complaint: Complaint) -> None:
    # A moderator locked the thread (app/moderation/): no more messages or co-signs.
    if complaint.locked:
        raise Conflict("A moderator has locked this thread: no new messages or co-signs.")


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
