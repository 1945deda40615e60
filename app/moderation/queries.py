"""Reading moderation state: hidden messages, a complaint's decisions, held complaints."""

from sqlmodel import Session, col, select

from app.complaints import gate
from app.models.complaint import Complaint
from app.models.moderation import MessageModeration, ModerationAction


def hidden_messages(*, session: Session, complaint_id: int) -> dict[int, MessageModeration]:
    """The complaint's hidden or removed messages, by message id (for its timeline)."""
    return {
        row.message_id: row
        for row in session.exec(
            select(MessageModeration).where(MessageModeration.complaint_id == complaint_id)
        )
    }


def history(*, session: Session, complaint_id: int) -> list[ModerationAction]:
    """Every decision about a complaint and its messages, oldest first (for moderators)."""
    return list(
        session.exec(
            select(ModerationAction)
            .where(ModerationAction.complaint_id == complaint_id)
            .order_by(col(ModerationAction.at), col(ModerationAction.id))
        )
    )


def held(*, session: Session, limit: int = 100) -> list[Complaint]:
    """Complaints held before publication (bursts of new accounts), the oldest first."""
    return list(
        session.exec(
            select(Complaint)
            .where(gate.held_for_review())
            .order_by(col(Complaint.created_at), col(Complaint.id))
            .limit(limit)
        )
    )
