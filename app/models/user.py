"""Accounts and their server-side sessions."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.columns import UTCDateTime


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)  # stored lower-cased, never public
    password_hash: str = Field(max_length=255)
    display_name: str = Field(max_length=60)
    is_admin: bool = False
    # Moderation (app/moderation/): moderators handle reports; a suspended user may log in to read
    # the statement of reasons but can change nothing.
    is_moderator: bool = False
    suspended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    suspension_reason: str = Field(default="", max_length=1000)
    # "Keep me updated": email about my complaints (replies, requests, resolutions, reminders).
    notify_complaint_updates: bool = True
    # Reps: email about new and reassigned complaints.
    notify_assignments: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Abuse limits: complaints publish only once the address is proven (app/accounts/).
    email_verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    pending_email: str | None = Field(default=None, max_length=254)  # awaiting its proof


class UserSession(SQLModel, table=True):
    """A login. Only the SHA-256 of the cookie token is stored, so a database leak is no login."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
