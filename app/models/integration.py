"""Helpdesk integration: API tokens and webhooks owned by a company."""

from datetime import datetime

from sqlalchemy import JSON, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.columns import UTCDateTime


class ApiToken(SQLModel, table=True):
    """Shown once at creation; only its SHA-256 is kept."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True, ondelete="CASCADE")
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    name: str = Field(max_length=80)
    prefix: str = Field(max_length=16)  # the first characters, so owners can tell tokens apart
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Webhook(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True, ondelete="CASCADE")
    url: str = Field(max_length=2000)
    secret: str = Field(max_length=64)  # HMAC-SHA256 key, shown to the owner
    events: list[str] = Field(default_factory=list, sa_type=JSON)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class IdempotentRequest(SQLModel, table=True):
    """A company API POST made with an ``Idempotency-Key``: the first response, replayed to every
    retry with the same key for a day. The unique key makes concurrent duplicates wait for the
    first and then replay it, instead of acting twice."""

    __tablename__ = "idempotent_request"
    __table_args__ = (UniqueConstraint("token_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    token_id: int = Field(foreign_key="api_token.id", ondelete="CASCADE")
    key: str = Field(max_length=255)
    fingerprint: str = Field(max_length=64)  # SHA-256 of method, path, agent and body
    status_code: int = 0
    response_body: str = Field(default="", sa_type=Text)
    location: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
