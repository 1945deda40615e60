"""The public moderation log of a company: what was taken down or put back, when and why —
never the content itself (no title, no text)."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from app.models.moderation import ActionKind, ModerationAction

PUBLIC_KINDS = (
    ActionKind.UNLIST,
    ActionKind.HIDE,
    ActionKind.REMOVE,
    ActionKind.RESTORE,
    ActionKind.HIDE_MESSAGE,
    ActionKind.REMOVE_MESSAGE,
    ActionKind.RESTORE_MESSAGE,
)

WHAT: dict[ActionKind, str] = {
    ActionKind.UNLIST: "Complaint unlisted",
    ActionKind.HIDE: "Complaint hidden",
    ActionKind.REMOVE: "Complaint removed",
    ActionKind.RESTORE: "Complaint restored",
    ActionKind.HIDE_MESSAGE: "Message hidden",
    ActionKind.REMOVE_MESSAGE: "Message removed",
    ActionKind.RESTORE_MESSAGE: "Message restored",
}


@dataclass(frozen=True)
class Entry:
    at: datetime
    what: str
    complaint_id: int | None
    reason: str


def public_log(
    *, session: Session, company_id: int, offset: int = 0, limit: int = 50
) -> tuple[list[Entry], int]:
    """A page of the company's public moderation decisions, newest first, and their total."""
    where = (
        ModerationAction.company_id == company_id,
        col(ModerationAction.kind).in_(PUBLIC_KINDS),
    )
    total = session.exec(select(func.count()).select_from(ModerationAction).where(*where)).one()
    rows = session.exec(
        select(ModerationAction)
        .where(*where)
        .order_by(col(ModerationAction.at).desc(), col(ModerationAction.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    entries = [Entry(a.at, WHAT[a.kind], a.complaint_id, a.reason) for a in rows]
    return entries, total
