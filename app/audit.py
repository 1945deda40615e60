"""Recording decisions in the append-only audit log."""

from sqlmodel import Session

from app.models.audit import AuditEntry
from app.models.user import User


def record(
    *,
    session: Session,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int,
    detail: str = "",
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail[:1000],
    )
    session.add(entry)
    return entry
