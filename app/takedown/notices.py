"""Receiving a notice of complaint, the poster's answer, and who may read which notice."""

import secrets
from datetime import datetime
from urllib.parse import urlsplit

from pydantic import EmailStr, field_validator
from sqlmodel import Field, Session, SQLModel, col, select

from app.clock import as_utc, utcnow
from app.complaints.visibility import content_visible, message_listed
from app.errors import Conflict, DomainError, NotFound
from app.hashing import token_hash
from app.jobs.queue import enqueue
from app.models.complaint import Complaint, Message
from app.models.keys import pk
from app.models.takedown import Inaccuracy, NoticeStatus, TakedownEvent, TakedownNotice
from app.models.user import User
from app.takedown import calendar, mail

PROCESS = "takedown.process"
FORWARD_HOURS = REMOVE_HOURS = TELL_HOURS = 48  # the Regulations' "within 48 hours"


class AnswerInputError(DomainError):
    status_code = 422
    title = "Incomplete answer"


class NoticeIn(SQLModel):
    """The fields s.5(6) of the Act and reg. 2 of the Regulations require."""

    complainant_name: str = Field(min_length=2, max_length=200)
    complainant_email: EmailStr = Field(max_length=254)
    message_id: int | None = None
    statement: str = Field(min_length=5, max_length=5000)
    statement_url: str = Field(min_length=5, max_length=500)
    meaning: str = Field(min_length=10, max_length=5000)
    inaccuracy: Inaccuracy
    why_wrong: str = Field(min_length=10, max_length=5000)
    why_defamatory: str = Field(min_length=10, max_length=5000)
    consent_to_poster: bool = False
    confirm: bool  # reg. 2(d): too little is known of the poster to sue them; and it's all true

    @field_validator(
        "complainant_name", "statement", "statement_url", "meaning", "why_wrong", "why_defamatory",
        mode="before",
    )  # fmt: skip
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("statement_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        # It is mailed to the poster and shown to moderators as a link: a javascript: or data:
        # address there would run in whoever opens it.
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "Please give the web address (starting with http:// or https://) of the page "
                "that holds the statement."
            )
        return value

    @field_validator("confirm")
    @classmethod
    def _confirmed(cls, value: bool) -> bool:
        if not value:
            raise ValueError("Please confirm this to send the notice.")
        return value


class AnswerIn(SQLModel):
    keep: bool
    full_name: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=1000)
    consent: bool = False

    @field_validator("full_name", "address", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value


def record(*, session: Session, notice: TakedownNotice, kind: str, at: datetime, detail: str = ""):
    session.add(TakedownEvent(notice_id=pk(notice), kind=kind, at=at, detail=detail[:500]))


def queue_process(*, session: Session, notice: TakedownNotice, step: str, at: datetime) -> None:
    """A per-notice job for the next step; the periodic tick catches anything a job misses."""
    enqueue(
        session=session,
        kind=PROCESS,
        key=f"takedown:{notice.id}:{step}",
        payload={"notice_id": notice.id},
        run_after=at,
        max_attempts=5,
    )


def notice_target(*, session: Session, complaint_id: int) -> Complaint:
    """The complaint a notice may be about: one whose statement is published."""
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or not content_visible(complaint, None):
        raise NotFound("There is no published complaint with this number.")
    return complaint


def messages_of(*, session: Session, complaint: Complaint) -> list[Message]:
    return list(
        session.exec(
            select(Message)
            .where(Message.complaint_id == complaint.id, message_listed())
            .order_by(col(Message.created_at), col(Message.id))
        )
    )


def submit(
    *, session: Session, complaint: Complaint, data: NoticeIn, now: datetime | None = None
) -> tuple[TakedownNotice, str]:
    """Record a notice, acknowledge it (DSA art. 16(4)) and queue its forwarding. Returns the
    notice and the secret of the complainant's status link."""
    now = now or utcnow()
    poster_id: int | None = complaint.author_id
    if data.message_id is not None:
        message = session.get(Message, data.message_id)
        if message is None or message.complaint_id != complaint.id:
            raise NotFound("That message is not part of this complaint.")
        poster_id = message.author_id  # a company's reply: the rep who posted it answers
    token = secrets.token_urlsafe(32)
    notice = TakedownNotice(
        complaint_id=pk(complaint),
        poster_id=poster_id,
        token_hash=token_hash(token),
        **data.model_dump(exclude={"confirm"}),
        received_at=now,
        forward_due_at=calendar.add_hours(now, FORWARD_HOURS),
    )
    session.add(notice)
    session.flush()
    record(session=session, notice=notice, kind="received", at=now)
    mail.acknowledge(session=session, notice=notice, token=token)
    queue_process(session=session, notice=notice, step="forward", at=now)
    return notice, token


def by_token(*, session: Session, token: str) -> TakedownNotice:
    notice = session.exec(
        select(TakedownNotice).where(TakedownNotice.token_hash == token_hash(token))
    ).first()
    if notice is None:
        raise NotFound("This link is not valid.")
    return notice


def for_poster(*, session: Session, notice_id: int, user: User) -> TakedownNotice:
    """The notice, if ``user`` is its poster and it has been forwarded to them; else 404."""
    notice = session.get(TakedownNotice, notice_id)
    if notice is None or notice.poster_id != user.id or notice.forwarded_at is None:
        raise NotFound("There is no notice here for you.")
    return notice


def events(*, session: Session, notice: TakedownNotice) -> list[TakedownEvent]:
    return list(
        session.exec(
            select(TakedownEvent)
            .where(TakedownEvent.notice_id == notice.id)
            .order_by(col(TakedownEvent.at), col(TakedownEvent.id))
        )
    )


def answer(
    *, session: Session, notice: TakedownNotice, data: AnswerIn, now: datetime | None = None
) -> TakedownNotice:
    """The poster keeps the complaint (objecting, with name and address) or agrees to remove it."""
    now = now or utcnow()
    if notice.status is not NoticeStatus.FORWARDED:
        raise Conflict("This notice has already been answered or closed.")
    if notice.answer_due_at and now >= as_utc(notice.answer_due_at):
        raise Conflict("The time to answer this notice has run out.")
    if data.keep and not (data.full_name and data.address):
        # Schedule para. 2(c): an objection without them counts as no answer at all.
        raise AnswerInputError("To keep the complaint, give your full name and postal address.")
    notice.answered_at = now
    notice.poster_agrees = not data.keep
    if data.keep:
        notice.status = NoticeStatus.OBJECTED
        notice.poster_full_name, notice.poster_address = data.full_name, data.address
        notice.poster_consents = data.consent
        record(session=session, notice=notice, kind="objected", at=now)
        step = "tell-objection"
    else:
        notice.status = NoticeStatus.AGREED
        record(session=session, notice=notice, kind="agreed", at=now)
        step = "remove"
    notice.action_due_at = calendar.add_hours(now, REMOVE_HOURS)
    session.add(notice)
    session.flush()
    queue_process(session=session, notice=notice, step=step, at=now)
    return notice


def queue(*, session: Session) -> list[TakedownNotice]:
    """Every notice for moderators: open ones first, then the newest."""
    stmt = select(TakedownNotice).order_by(
        col(TakedownNotice.closed_at).is_not(None),
        col(TakedownNotice.received_at).desc(),
    )
    return list(session.exec(stmt))
