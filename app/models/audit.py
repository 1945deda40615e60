"""The audit log: who decided what, when, and why. Append-only."""

from datetime import datetime

from sqlalchemy import event
from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.columns import UTCDateTime


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    action: str = Field(max_length=64)
    target_type: str = Field(max_length=32)
    target_id: int
    detail: str = Field(default="", max_length=1000)


@event.listens_for(AuditEntry, "before_update")
def _audit_is_append_only(*_args: object) -> None:
    raise RuntimeError("audit entries are append-only")
