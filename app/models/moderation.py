"""Moderation: reports (DSA art. 16 notices), the actions moderators take (each with a statement
of reasons, DSA art. 17) and per-message hiding."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.columns import UTCDateTime, str_enum
from app.models.complaint import Visibility


class ReportReason(StrEnum):
    PERSONAL_DATA = "personal_data"
    DEFAMATORY = "defamatory"
    ABUSIVE = "abusive"
    SPAM = "spam"
    OFF_TOPIC = "off_topic"
    OTHER = "other"


REASON_LABELS: dict[ReportReason, str] = {
    ReportReason.PERSONAL_DATA: "Personal data (someone's name, address, phone, account…)",
    ReportReason.DEFAMATORY: "Defamatory (a false statement of fact that harms someone)",
    ReportReason.ABUSIVE: "Abusive, threatening or hateful",
    ReportReason.SPAM: "Spam or advertising",
    ReportReason.OFF_TOPIC: "Off-topic: not a complaint about a company",
    ReportReason.OTHER: "Something else",
}


class ReportStatus(StrEnum):
    OPEN = "open"
    ACTIONED = "actioned"  # a moderation action answered it
    DISMISSED = "dismissed"  # a moderator looked and left the content as it is


class ActionKind(StrEnum):
    UNLIST = "unlist"
    HIDE = "hide"
    REMOVE = "remove"
    RESTORE = "restore"
    HOLD = "hold"  # back to pending, e.g. while a report is checked
    RELEASE = "release"  # a complaint held before publication (app/complaints/gate.py) goes out
    LOCK = "lock"
    UNLOCK = "unlock"
    EDIT = "edit"  # the public text was edited (redactions); the original is kept privately
    HIDE_MESSAGE = "hide_message"
    REMOVE_MESSAGE = "remove_message"
    RESTORE_MESSAGE = "restore_message"
    SUSPEND = "suspend"
    UNSUSPEND = "unsuspend"
    DISMISS = "dismiss"  # reports looked at, nothing changed


class Report(SQLModel, table=True):
    """Someone's notice that a complaint (or one of its messages) breaks the rules."""

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True, ondelete="CASCADE")
    message_id: int | None = Field(
        default=None, foreign_key="message.id", index=True, ondelete="CASCADE"
    )
    reporter_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    reporter_email: str | None = Field(default=None, max_length=254)  # never public
    reason: ReportReason = Field(sa_type=str_enum(ReportReason, 32))
    detail: str = Field(default="", max_length=2000, sa_type=Text)
    status: ReportStatus = Field(
        default=ReportStatus.OPEN, sa_type=str_enum(ReportStatus, 16), index=True
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    action_id: int | None = Field(
        default=None, foreign_key="moderation_action.id", ondelete="SET NULL"
    )


class ModerationAction(SQLModel, table=True):
    """One decision: who did what to which complaint, message or user, why, and what changed.

    ``reason`` is the statement of reasons given to the affected user; for complaint and message
    actions it is also the public reason on the tombstone and in the company's moderation log.
    """

    __tablename__ = "moderation_action"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    kind: ActionKind = Field(sa_type=str_enum(ActionKind, 32))
    complaint_id: int | None = Field(
        default=None, foreign_key="complaint.id", index=True, ondelete="SET NULL"
    )
    message_id: int | None = Field(default=None, foreign_key="message.id", ondelete="SET NULL")
    company_id: int | None = Field(
        default=None, foreign_key="company.id", index=True, ondelete="SET NULL"
    )
    # The person the decision is about, who gets the statement of reasons.
    subject_user_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    reason: str = Field(default="", max_length=1000, sa_type=Text)
    before: str = Field(default="", max_length=16)  # visibility (or locked/suspended) before
    after: str = Field(default="", max_length=16)


class MessageModeration(SQLModel, table=True):
    """A hidden or removed message: the timeline shows a tombstone with the reason instead."""

    __tablename__ = "message_moderation"

    message_id: int = Field(foreign_key="message.id", primary_key=True, ondelete="CASCADE")
    complaint_id: int = Field(foreign_key="complaint.id", index=True, ondelete="CASCADE")
    visibility: Visibility = Field(sa_type=str_enum(Visibility, 16))
    reason: str = Field(max_length=1000, sa_type=Text)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ModerationEdit(SQLModel, table=True):
    """The text a moderator's edit replaced. Private: shown to the author and moderators only,
    never in pages, feeds, exports or the API."""

    __tablename__ = "moderation_edit"

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="moderation_action.id", index=True, ondelete="CASCADE")
    complaint_id: int = Field(foreign_key="complaint.id", index=True, ondelete="CASCADE")
    message_id: int | None = Field(default=None, foreign_key="message.id", ondelete="CASCADE")
    field: str = Field(max_length=32)  # title, body, desired_outcome (complaint) or body (message)
    before: str = Field(sa_type=Text)
    after: str = Field(sa_type=Text)
