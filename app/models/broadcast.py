"""Cross-posts of complaints to social networks: one row per (complaint, event, network), and
the thread each complaint has on each network so later posts reply to it."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.columns import UTCDateTime, str_enum


class BroadcastStatus(StrEnum):
    QUEUED = "queued"  # its "broadcast" job is pending or running
    POSTED = "posted"
    FAILED = "failed"  # the job went dead
    DELETED = "deleted"  # withdrawn from the network (moderation)
    SKIPPED = "skipped"  # out of date before it could go out ("still unresolved", but resolved)


class Broadcast(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("complaint_id", "event", "network"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True, ondelete="CASCADE")
    event: str = Field(max_length=32)  # "milestone:7", "resolution", "resolution:unconfirmed"
    network: str = Field(max_length=64)  # the adapter's name
    days_open: int
    status: BroadcastStatus = Field(
        default=BroadcastStatus.QUEUED, sa_type=str_enum(BroadcastStatus, 16), index=True
    )
    text: str = Field(default="", sa_type=Text)  # exactly what the network got (or would get)
    link: str = Field(default="", max_length=500)
    remote_id: str | None = Field(default=None, max_length=500)
    remote_cid: str | None = Field(default=None, max_length=200)
    remote_url: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class BroadcastThread(SQLModel, table=True):
    """Where a complaint's posts hang together on one network: replies name root and parent."""

    __tablename__ = "broadcast_thread"
    __table_args__ = (UniqueConstraint("complaint_id", "network"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True, ondelete="CASCADE")
    network: str = Field(max_length=64)
    root_id: str = Field(max_length=500)
    root_cid: str | None = Field(default=None, max_length=200)
    root_url: str | None = Field(default=None, max_length=500)
    parent_id: str = Field(max_length=500)
    parent_cid: str | None = Field(default=None, max_length=200)
    parent_url: str | None = Field(default=None, max_length=500)
