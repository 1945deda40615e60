"""Cross-posts of complaints to social networks: one row per (complaint, event, network), and
the thread each complaint has on each network so later posts reply to it."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Text, UniqueConstraint, false
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


class BroadcastNetwork(SQLModel, table=True):
    """One row per network: its circuit breaker, shared by every worker process. The row is
    also the lock that orders two workers spending the same posting budget."""

    __tablename__ = "broadcast_network"

    network: str = Field(primary_key=True, max_length=64)
    state: str = Field(
        default="closed", max_length=16, sa_column_kwargs={"server_default": "closed"}
    )
    failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    down_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    open_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cause: str = Field(default="", max_length=300, sa_column_kwargs={"server_default": ""})
    alerted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # admins were mailed


class BroadcastSpend(SQLModel, table=True):
    """A post that took its place in a network's posting budget; the budget is what these rows
    leave free in the last hour. Rows older than the window are pruned."""

    __tablename__ = "broadcast_spend"

    id: int | None = Field(default=None, primary_key=True)
    network: str = Field(max_length=64, index=True)
    spent_at: datetime = Field(sa_type=UTCDateTime, index=True)
    urgent: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    key: str = Field(default="", max_length=300, sa_column_kwargs={"server_default": ""})


class BroadcastSummary(SQLModel, table=True):
    """A post about no single complaint (the weekly digest, a catch-up): one row per job, so
    /broadcasts shows it with its text and where it went."""

    __tablename__ = "broadcast_summary"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, unique=True)  # its job's key, also the record key
    network: str = Field(max_length=64)
    kind: str = Field(max_length=16)  # "digest" or "catch-up"
    status: BroadcastStatus = Field(
        default=BroadcastStatus.QUEUED,
        sa_type=str_enum(BroadcastStatus, 16),
        sa_column_kwargs={"server_default": "queued"},
    )
    text: str = Field(default="", sa_type=Text, sa_column_kwargs={"server_default": ""})
    link: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    remote_id: str | None = Field(default=None, max_length=500)
    remote_url: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
