"""Complaints (the public virtual tickets), their messages, timeline, contact history and co-signs."""

import re
import unicodedata
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, StrictBool, field_validator
from sqlalchemy import Index, Text, UniqueConstraint, event, false, func
from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.columns import UTCDateTime, str_enum


class ComplaintState(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    RESOLVED = "resolved"  # by the company, awaiting the consumer
    CONFIRMED = "confirmed"  # the consumer confirmed the resolution
    DISPUTED = "disputed"  # the consumer said no: open again, dispute on record
    WITHDRAWN = "withdrawn"


class Visibility(StrEnum):
    """Who may see a complaint (graded hiding, as Alaveteli does: docs/lifecycle.md)."""

    PUBLIC = "public"  # listed everywhere: lists, search, feeds, exports, leaderboards
    PENDING = "pending"  # held: the author's email is unverified, or held for moderation
    UNLISTED = "unlisted"  # its page answers, but no list, feed, search or export shows it
    HIDDEN = "hidden"  # a tombstone with the public reason; the content is not shown
    REMOVED = "removed"  # taken down (moderation or a takedown notice); a tombstone only


class ResolutionType(StrEnum):
    # CFPB's company response values (docs/lifecycle.md).
    EXPLANATION = "explanation"
    MONETARY = "monetary_relief"
    NON_MONETARY = "non_monetary_relief"


class Category(StrEnum):
    BILLING = "billing"
    REFUND = "refund"
    DELIVERY = "delivery"
    OUTAGE = "service_outage"
    QUALITY = "product_quality"
    CANCELLATION = "cancellation"
    SUPPORT = "customer_service"
    PRIVACY = "privacy"
    OTHER = "other"


class Channel(StrEnum):
    PHONE = "phone"
    CHAT = "chat"
    EMAIL = "email"
    TICKET = "ticket"
    VISIT = "visit"


class Turn(StrEnum):
    """Who the conversation waits for (app/complaints/turn.py)."""

    COMPANY = "company"
    CONSUMER = "consumer"
    NOBODY = "nobody"


class TurnWhy(StrEnum):
    NEW = "new"  # filed; the company has not spoken yet
    ANSWERED = "answered"  # the company answered and has still to resolve
    CUSTOMER_REPLIED = "customer_replied"  # the consumer wrote (or disputed) after the company
    INFO_REQUESTED = "info_requested"  # the company asked the consumer for information
    RESOLVED = "resolved"  # the consumer confirms or disputes
    CLOSED = "closed"


class Side(StrEnum):
    CONSUMER = "consumer"
    COMPANY = "company"
    SYSTEM = "system"


# Control characters XML 1.0 forbids: text holding one could be stored, but every feed, badge
# and card that shows it would fail (a 500 schemathesis found on a live server's Atom feed).
NOT_TEXT = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def storable_text(value: object) -> object:
    """Refuse text no database column can hold: NUL (PostgreSQL rejects it) and lone UTF-16
    surrogates (not encodable as UTF-8), nor any page or feed show: control characters. Found
    as 500s by schemathesis; now a clear 422."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("Text cannot contain NUL characters.")
        if NOT_TEXT.search(value):
            raise ValueError("Text cannot contain control characters.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("Text contains characters that are not valid Unicode.") from None
    return value


def iso_date(value: object) -> object:
    """Dates are typed YYYY-MM-DD: pydantic would also read 0 or "0" as 1970-01-01."""
    if isinstance(value, int | float) or (
        isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)
    ):
        raise ValueError("Please enter a date like 2026-03-03.")
    return value


IsoDate = Annotated[date, BeforeValidator(iso_date)]


class ContactAttemptIn(SQLModel):
    channel: Channel
    count: int = Field(ge=1, le=999)


class ComplaintBase(SQLModel):
    title: str = Field(min_length=5, max_length=140)
    body: str = Field(min_length=20, max_length=10_000, sa_type=Text)
    category: Category = Field(sa_type=str_enum(Category, 32))
    desired_outcome: str = Field(default="", max_length=1000, sa_type=Text)

    @field_validator("title", "body", "desired_outcome", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: object) -> object:
        return storable_text(value)


class ComplaintCreate(ComplaintBase):
    """What a consumer submits; the company is named, and created if unknown."""

    company_name: str = Field(min_length=2, max_length=120)
    company_domain: str | None = Field(default=None, max_length=253)
    private_reference: str | None = Field(default=None, max_length=200)
    # Strict: the JSON API must refuse 0, "no" and the like rather than guess (schemathesis).
    broadcast_opt_in: StrictBool = False
    # The private reference may go in the mail to the company (email channel, app/mailchannel).
    reference_by_email: StrictBool = False
    contact_attempts: list[ContactAttemptIn] = Field(default_factory=list, max_length=5)
    contact_since: IsoDate | None = None
    submission_key: str | None = Field(default=None, max_length=64)
    accept_new_company: StrictBool = False  # set once the filer has seen close matches and said no

    @field_validator("contact_attempts")
    @classmethod
    def _one_per_channel(cls, value: list[ContactAttemptIn]) -> list[ContactAttemptIn]:
        # One row per channel in the table: a repeated channel was a 500 (found by schemathesis).
        channels = [attempt.channel for attempt in value]
        if len(set(channels)) != len(channels):
            raise ValueError("Give each contact channel once, with how many times you tried it.")
        return value

    @field_validator("company_name", mode="before")
    @classmethod
    def _strip_company(cls, value: object) -> object:
        # Three spaces is not a company: stripped, it is too short and refused. Invisible
        # characters (zero-width spaces, direction marks) go too, and a name needs a letter or
        # digit, or it becomes a blank row in every leaderboard and export.
        if not isinstance(value, str):
            return value
        value = "".join(ch for ch in value if unicodedata.category(ch) != "Cf").strip()
        if value and not any(ch.isalnum() for ch in value):
            raise ValueError("A company name needs at least one letter or digit.")
        return value

    @field_validator("company_domain", mode="before")
    @classmethod
    def _strip_domain(cls, value: object) -> object:
        return (value.strip() or None) if isinstance(value, str) else value

    @field_validator("contact_since")
    @classmethod
    def _not_future(cls, value: date | None) -> date | None:
        # A day ahead of UTC: somewhere on Earth it is already tomorrow.
        if value is not None and value > utcnow().date() + timedelta(days=1):
            raise ValueError("This date is in the future; give the day you first contacted them.")
        return value


class Complaint(ComplaintBase, table=True):
    __table_args__ = (
        UniqueConstraint("author_id", "submission_key"),
        # A company's latest change is one index probe (the company pages' HTTP validators),
        # whatever the company's size; it also serves every lookup by company_id.
        Index("ix_complaint_company_updated", "company_id", "updated_at"),
        # A company page's newest complaints: read in index order, never sorted, whatever its size.
        # Category and state ride along at the end, so a page or a capped count filtered by
        # them as well checks each entry in the index instead of fetching its row.
        Index(
            "ix_complaint_company_created_facets",
            "company_id",
            "created_at",
            "id",
            "category",
            "state",
        ),
        # The site-wide lists (home, search without words, the API) newest first, read in index
        # order with their LIMIT: every listed complaint is public.
        Index("ix_complaint_visibility_created", "visibility", "created_at", "id"),
        Index(
            "ix_complaint_visibility_state_facets",
            "visibility",
            "state",
            "created_at",
            "id",
            "category",
        ),
        # "Most overdue": the unanswered complaints oldest first, read in index order.
        Index("ix_complaint_unanswered", "first_response_at", "created_at", "id"),
        # A company's complaints in one state (its page's state filter, the reps' queues and
        # their capped counts), awaiting the consumer, or (un)assigned: index ranges, not a
        # filter over every complaint the company ever had.
        Index("ix_complaint_company_state", "company_id", "state", "created_at", "id"),
        # The reps' open queues, each one range per open state: unassigned and mine by owner,
        # overdue and at risk by whether it was answered, then by filing time (their capped
        # counts read at most the cap's worth of entries, app/dashboard/service.py).
        Index(
            "ix_complaint_company_state_owner",
            "company_id",
            "state",
            "assignee_id",
            "created_at",
            "id",
        ),
        Index(
            "ix_complaint_company_state_answer",
            "company_id",
            "state",
            "first_response_at",
            "created_at",
            "id",
        ),
        Index(
            "ix_complaint_company_awaiting", "company_id", "awaiting_consumer", "created_at", "id"
        ),
        Index("ix_complaint_company_assignee", "company_id", "assignee_id", "created_at", "id"),
        # The reps' "customer replied" queue: longest waiting first, an index range.
        Index("ix_complaint_company_turn", "company_id", "turn_why", "turn_since", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", ondelete="RESTRICT")
    author_id: int = Field(foreign_key="user.id", index=True, ondelete="RESTRICT")
    state: ComplaintState = Field(
        default=ComplaintState.OPEN, sa_type=str_enum(ComplaintState, 16), index=True
    )
    resolution_type: ResolutionType | None = Field(
        default=None, sa_type=str_enum(ResolutionType, 32)
    )
    # Never public: shown to the author and (later) the company's verified reps only.
    private_reference: str | None = Field(default=None, max_length=200)
    broadcast_opt_in: bool = False
    contact_since: date | None = None
    submission_key: str = Field(max_length=64)
    # Moderation (app/complaints/visibility.py says what each grade means for every reader).
    visibility: Visibility = Field(
        default=Visibility.PUBLIC, sa_type=str_enum(Visibility, 16), index=True
    )
    visibility_reason: str = Field(default="", max_length=500)  # public: why it is not public
    locked: bool = False  # no more messages or co-signs
    cosign_count: int = 0  # kept in step with CoSign rows so lists need no extra query
    # The company side: one named owner among the reps, and how often it changed hands.
    assignee_id: int | None = Field(
        default=None, foreign_key="user.id", ondelete="SET NULL", index=True
    )
    handoff_count: int = 0
    awaiting_consumer: bool = False  # a rep asked for information and the consumer owes a reply
    # Whose turn it is, derived from the timeline (app/complaints/turn.py), stored for the queues.
    turn: Turn = Field(
        default=Turn.COMPANY,
        sa_type=str_enum(Turn, 16),
        sa_column_kwargs={"server_default": Turn.COMPANY.value},
    )
    turn_why: TurnWhy = Field(
        default=TurnWhy.NEW,
        sa_type=str_enum(TurnWhy, 24),
        sa_column_kwargs={"server_default": TurnWhy.NEW.value},
    )
    turn_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    company_notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    company_notified_to: str | None = Field(default=None, max_length=254)
    # The consumer lets the private reference go in the mail to the company (app/mailchannel).
    reference_by_email: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # Indexed: the site's latest change is the home page's and the API lists' validator.
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    first_response_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Redaction (app/redaction/): the text as typed, when masking changed it; NULL otherwise.
    # Private: only the author and moderators see it (redaction.service.can_see_originals).
    original_title: str | None = Field(default=None, sa_type=Text)
    original_body: str | None = Field(default=None, sa_type=Text)
    original_desired_outcome: str | None = Field(default=None, sa_type=Text)


class ComplaintPublic(ComplaintBase):
    # Output, not input: the published text is the redacted text, which may be shorter than a
    # filing must be ("My IBAN is ..." -> "[account]"); the input limits made that a 500.
    title: str
    body: str
    desired_outcome: str = ""
    id: int
    url: str
    company: str
    company_slug: str
    author: str
    state: ComplaintState
    resolution_type: ResolutionType | None
    overdue: bool
    very_overdue: bool
    resolved_unconfirmed: bool
    deadline: datetime
    cosigns: int
    handoffs: int
    # Whose turn it is (app/complaints/turn.py): "company", "consumer" or "nobody", why, since.
    waiting_for: Turn
    waiting_reason: TurnWhy
    waiting_since: datetime
    contact_attempts: dict[str, int]
    contact_since: date | None
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None


class ContactAttempt(SQLModel, table=True):
    __tablename__ = "contact_attempt"
    __table_args__ = (UniqueConstraint("complaint_id", "channel"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True, ondelete="CASCADE")
    channel: Channel = Field(sa_type=str_enum(Channel, 16))
    count: int


class Message(SQLModel, table=True):
    # One form sent twice (Back, then Post again) makes one message.
    __table_args__ = (UniqueConstraint("complaint_id", "author_id", "submission_key"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    side: Side = Field(sa_type=str_enum(Side, 16))
    body: str = Field(max_length=10_000, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Company replies are signed by a person: "Dana Ortiz, Customer Relations Lead" at the time.
    signature: str = Field(default="", max_length=160)
    info_request: bool = False  # the rep asks the consumer for more information
    # Between the consumer and the company's reps (and moderators) only: never on a public page,
    # feed, export, post, badge or the public API (app/complaints/private.py).
    private: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    submission_key: str | None = Field(default=None, max_length=64)
    templated: bool = False  # nearly identical to several earlier replies of the same company
    # Redaction: the text as written when masking changed it (private, like Complaint's).
    original_body: str | None = Field(default=None, sa_type=Text)


class InternalNote(SQLModel, table=True):
    """A rep's note on a complaint: never public, never in exports or feeds."""

    __tablename__ = "internal_note"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    body: str = Field(max_length=10_000, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, sa_column_kwargs={"server_default": func.now()}
    )


class SavedReply(SQLModel, table=True):
    __tablename__ = "saved_reply"

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    title: str = Field(max_length=120)
    body: str = Field(max_length=10_000, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TimelineEvent(SQLModel, table=True):
    """Append-only record of everything that happened to a complaint."""

    __tablename__ = "timeline_event"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True, ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    side: Side = Field(sa_type=str_enum(Side, 16))
    kind: str = Field(max_length=32)
    from_state: ComplaintState | None = Field(default=None, sa_type=str_enum(ComplaintState, 16))
    to_state: ComplaintState | None = Field(default=None, sa_type=str_enum(ComplaintState, 16))
    message_id: int | None = Field(default=None, foreign_key="message.id", ondelete="SET NULL")
    detail: str = Field(default="", max_length=500)


@event.listens_for(TimelineEvent, "before_update")
def _timeline_is_append_only(*_args: object) -> None:
    raise RuntimeError("timeline events are append-only")


class CoSign(SQLModel, table=True):
    complaint_id: int = Field(foreign_key="complaint.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
