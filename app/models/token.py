"""Single-use tokens for links and codes sent by email (confirm links, claim codes, unsubscribes)."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.columns import UTCDateTime, str_enum


class Purpose(StrEnum):
    CLAIM_CODE = "claim_code"
    CONFIRM_RESOLUTION = "confirm_resolution"  # the emailed confirm / dispute links
    VERIFY_EMAIL = "verify_email"  # sign-up: proves the address (app/accounts/verification.py)
    CHANGE_EMAIL = "change_email"  # proves the new address before it replaces the old one
    RESET_PASSWORD = "reset_password"  # noqa: S105 - forgot-password link, not a secret
    SIGN_IN = "sign_in"  # a one-time sign-in link, for an owner whose logins are limited


class OneTimeToken(SQLModel, table=True):
    """Only the SHA-256 of the token is stored; ``used_at`` makes it single-use."""

    __tablename__ = "one_time_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    purpose: Purpose = Field(sa_type=str_enum(Purpose, 32))
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="CASCADE")
    subject_id: int | None = None  # the claim or complaint it acts on, by purpose
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0  # wrong guesses at a short code; it dies after a few
