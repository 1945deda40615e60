"""Notices of complaint under the UK Defamation Act 2013 s.5 and every step taken on them.

Private by design: the complainant's email, the poster's name and address and the notice's text
are shown only to the two parties (each per the other's consent) and to moderators; never on a
public page, feed, export or post.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.columns import UTCDateTime, str_enum


class NoticeStatus(StrEnum):
    RECEIVED = "received"  # not yet forwarded to the poster
    FORWARDED = "forwarded"  # waiting for the poster's answer
    AGREED = "agreed"  # the poster agreed to remove it; removal pending
    OBJECTED = "objected"  # the poster keeps it; the complainant is to be told
    KEPT = "kept"  # the complainant was told of the objection: the procedure is over
    REMOVED = "removed"  # the complaint was taken down: the procedure is over


class Inaccuracy(StrEnum):
    """Reg. 2(c): which aspects the complainant says are wrong."""

    FACT = "factually_inaccurate"
    OPINION = "unsupported_opinion"
    BOTH = "both"


class TakedownNotice(SQLModel, table=True):
    __tablename__ = "takedown_notice"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True, ondelete="CASCADE")
    message_id: int | None = Field(default=None, foreign_key="message.id", ondelete="SET NULL")
    # The complaint's author when the notice arrived: the one person who may answer it.
    poster_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    # The complainant's status page is reached by a secret link; only its SHA-256 is stored.
    token_hash: str = Field(max_length=64, unique=True, index=True)
    status: NoticeStatus = Field(
        default=NoticeStatus.RECEIVED, sa_type=str_enum(NoticeStatus, 16), index=True
    )

    complainant_name: str = Field(max_length=200)
    complainant_email: str = Field(max_length=254)
    statement: str = Field(max_length=5000, sa_type=Text)
    statement_url: str = Field(max_length=500)
    meaning: str = Field(max_length=5000, sa_type=Text)
    inaccuracy: Inaccuracy = Field(sa_type=str_enum(Inaccuracy, 32))
    why_wrong: str = Field(max_length=5000, sa_type=Text)
    why_defamatory: str = Field(max_length=5000, sa_type=Text)
    consent_to_poster: bool = False  # reg. 2(e): name and email may go to the poster

    # The poster's answer. Name and address are private: disclosed to the complainant only
    # with ``poster_consents``.
    poster_agrees: bool | None = None
    poster_full_name: str = Field(default="", max_length=200)
    poster_address: str = Field(default="", max_length=1000, sa_type=Text)
    poster_consents: bool = False
    removal_reason: str = Field(default="", max_length=40)  # no_answer, agreed, unreachable

    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    forward_due_at: datetime = Field(sa_type=UTCDateTime)
    forwarded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answer_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The next thing the operator owes (removal, or telling the complainant of an objection).
    action_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TakedownEvent(SQLModel, table=True):
    """One timestamped step, shown to both parties: what happened, never who said what."""

    __tablename__ = "takedown_event"

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="takedown_notice.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=40)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    detail: str = Field(default="", max_length=500)
