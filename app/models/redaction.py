"""Admin redaction rules (the Alaveteli model) and moderators' per-complaint corrections."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.columns import UTCDateTime


class RedactionRule(SQLModel, table=True):
    """A pattern masked in every public text, new and existing (app/redaction/rules.py)."""

    __tablename__ = "redaction_rule"

    id: int | None = Field(default=None, primary_key=True)
    pattern: str = Field(max_length=500)  # a `regex` module pattern, validated when saved
    replacement: str = Field(max_length=60)  # literal text, e.g. "[staff name]"
    reason: str = Field(max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RedactionCorrection(SQLModel, table=True):
    """A moderator's correction for one complaint and its messages: a phrase to mask that the
    finders missed, or one to keep that they masked wrongly. Private: the phrase is the personal
    data itself."""

    __tablename__ = "redaction_correction"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True, ondelete="CASCADE")
    phrase: str = Field(max_length=200)
    keep: bool = False  # False: mask it; True: never mask it in this complaint
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    reason: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
