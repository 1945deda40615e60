"""What the public complaint page needs to know about moderation, in one call."""

from typing import Any

from app.complaints import visibility as vis
from app.models.complaint import Complaint
from app.models.user import User


def moderation_view(*, complaint: Complaint, viewer: User | None) -> dict[str, Any]:
    """Context for templates/complaints/detail.html: whether the viewer may read the content
    (a tombstone otherwise) and whether search engines may index it."""
    return {
        "can_read": vis.content_visible(complaint, viewer),
        "tombstone": vis.is_tombstone(complaint),
        "noindex": not vis.indexable(complaint),
        "is_moderator": vis.is_moderator(viewer),
    }
