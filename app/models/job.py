"""The outbox: background work written in the same transaction as the change that causes it."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, Text
from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.columns import UTCDateTime, str_enum


class JobState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"  # claimed by a worker until lease_until
    DONE = "done"
    DEAD = "dead"  # gave up after max_attempts; an admin can retry it


class Job(SQLModel, table=True):
    # The claim's order (app/jobs/queue.py): the next due job is the index's first entry.
    __table_args__ = (Index("ix_job_due", "state", "run_after", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)
    # Unique, so the same thing can never be queued twice (e.g. "mail:reply:42:7").
    key: str = Field(max_length=200, unique=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    state: JobState = Field(default=JobState.PENDING, sa_type=str_enum(JobState, 16), index=True)
    attempts: int = 0
    max_attempts: int = 8
    run_after: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    result: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class JobAttempt(SQLModel, table=True):
    """Every delivery attempt, successful or not, for the owner's and admins' eyes."""

    __tablename__ = "job_attempt"

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="job.id", index=True, ondelete="CASCADE")
    started_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime = Field(sa_type=UTCDateTime)
    ok: bool
    detail: str = Field(default="", sa_type=Text)  # status code, remote id, or the error
