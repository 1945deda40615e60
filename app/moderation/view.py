"""What the public complaint page needs to know about moderation, in one call."""

from typing import Any

from sqlmodel import Session

from app.complaints import visibility as vis
from app.models.complaint import Complaint
from app.models.keys import pk
from app.models.user import User
from app.moderation.queries import hidden_messages


def moderation_view(
    *, session: Session, complaint: Complaint, viewer: User | None
) -> dict[str, Any]:
    """Context for templates/complaints/detail.html: whether the viewer may read the content
    (a tombstone otherwise), which messages are hidden, and whether search engines may index it."""
    return {
        "can_read": vis.content_visible(complaint, viewer),
        "tombstone": vis.is_tombstone(complaint),
        "noindex": not vis.indexable(complaint),
        "hidden_messages": hidden_messages(session=session, complaint_id=pk(complaint)),
        "is_moderator": vis.is_moderator(viewer),
    }
