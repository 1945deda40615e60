"""Email as a channel (app/mailchannel): the complaints-address directory, one reply address per
complaint and recipient, every message sent, and every message received, kept raw."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, LargeBinary, Text, UniqueConstraint, false, func
from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.columns import UTCDateTime, str_enum


class AddressStatus(StrEnum):
    SUGGESTED = "suggested"  # anyone may suggest; a moderator decides
    APPROVED = "approved"
    REJECTED = "rejected"
    RETIRED = "retired"  # bounced twice: never used again


class InboundState(StrEnum):
    STORED = "stored"  # kept raw, waiting for the worker
    PUBLISHED = "published"  # an answer or follow-up on the ticket
    HELD = "held"  # sender not verified: in the holding pen for moderators
    AUTO_REPLY = "auto_reply"  # an out-of-office and the like: on the timeline, never an answer
    BOUNCE = "bounce"  # a delivery status notification: the address is failing
    REJECTED = "rejected"  # a moderator said no
    SPAM = "spam"
    CONFIRM = "confirm"  # the consumer's reply would be masked: they confirm the masked text
    IGNORED = "ignored"  # nothing to publish (empty after quotes were stripped, closed ticket)


_NOW = func.current_timestamp()


class MailAddress(SQLModel, table=True):
    """A company's complaints address, with where it was found and how it has fared."""

    __tablename__ = "mail_address"
    __table_args__ = (UniqueConstraint("company_id", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True, ondelete="CASCADE")
    address: str = Field(max_length=254)
    source_url: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    status: AddressStatus = Field(
        default=AddressStatus.SUGGESTED,
        sa_type=str_enum(AddressStatus, 16),
        sa_column_kwargs={"server_default": "suggested"},
    )
    suggested_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    reviewed_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    sent_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    bounce_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    answered_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_bounce_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, sa_column_kwargs={"server_default": _NOW}
    )


class MailThread(SQLModel, table=True):
    """One complaint's conversation with one address: its reply address and threading."""

    __tablename__ = "mail_thread"
    __table_args__ = (UniqueConstraint("complaint_id", "side", "recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True, ondelete="CASCADE")
    side: str = Field(max_length=16)  # "company" or "consumer": who writes from ``recipient``
    recipient: str = Field(max_length=254)
    # SHA-256 of the token in reply+<token>@…: a database leak gives no working reply address.
    token_hash: str = Field(max_length=64, unique=True)
    root_message_id: str = Field(max_length=200)  # every later message References it
    created_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, sa_column_kwargs={"server_default": _NOW}
    )


class MailOutbound(SQLModel, table=True):
    """One message sent on a thread (the worker's job records every attempt)."""

    __tablename__ = "mail_outbound"
    __table_args__ = (Index("ix_mail_outbound_domain_sent", "recipient_domain", "sent_at"),)

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="mail_thread.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=32)  # complaint, follow_up, dispute, confirm_masking
    message_id: str = Field(max_length=200, unique=True)
    recipient_domain: str = Field(max_length=253)
    queued_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, sa_column_kwargs={"server_default": _NOW}
    )
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MailInbound(SQLModel, table=True):
    """A received message, stored raw before anything else happens to it."""

    __tablename__ = "mail_inbound"

    id: int | None = Field(default=None, primary_key=True)
    # The Message-ID, or a digest of the raw bytes without one: a replay is recorded once.
    dedupe_key: str = Field(max_length=200, unique=True)
    received_via: str = Field(max_length=8)  # smtp, lmtp, http
    envelope_from: str = Field(default="", max_length=254, sa_column_kwargs={"server_default": ""})
    envelope_to: str = Field(default="", max_length=254, sa_column_kwargs={"server_default": ""})
    header_from: str = Field(default="", max_length=254, sa_column_kwargs={"server_default": ""})
    subject: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    raw: bytes = Field(sa_type=LargeBinary)
    size: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    received_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, sa_column_kwargs={"server_default": _NOW}
    )
    thread_id: int | None = Field(default=None, foreign_key="mail_thread.id", ondelete="SET NULL")
    state: InboundState = Field(
        default=InboundState.STORED,
        sa_type=str_enum(InboundState, 16),
        index=True,
        sa_column_kwargs={"server_default": "stored"},
    )
    outcome: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    verified: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    auth_detail: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    text: str | None = Field(default=None, sa_type=Text)  # the reply, quotes and signature removed
    message_row_id: int | None = Field(default=None, foreign_key="message.id", ondelete="SET NULL")
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reviewed_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


__all__ = [
    "AddressStatus",
    "InboundState",
    "MailAddress",
    "MailInbound",
    "MailOutbound",
    "MailThread",
]
