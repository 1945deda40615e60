"""What each visibility grade means, in one place: every list, feed, search, export, statistic and
page asks here rather than comparing grades itself."""

from sqlalchemy import ColumnElement, and_, exists
from sqlmodel import col, or_

from app.models.complaint import Complaint, Message, Visibility
from app.models.moderation import MessageModeration
from app.models.user import User

# Why a complaint is not published yet (app/complaints/gate.py).
VERIFY_REASON = "waiting for the author to verify their email address"
HELD_REASON = "held for review"

# Shown in lists, search, feeds, exports and the leaderboard rows behind them.
LISTED = frozenset({Visibility.PUBLIC})
# Count in a company's statistics: a hidden complaint still happened; a held or removed one is not
# on the public record.
COUNTED = frozenset({Visibility.PUBLIC, Visibility.UNLISTED, Visibility.HIDDEN})
# The page shows the complaint's content to anyone.
CONTENT_PUBLIC = frozenset({Visibility.PUBLIC, Visibility.UNLISTED})


def listed() -> ColumnElement[bool]:
    """SQL condition for complaints any list, feed, search or export may show."""
    return col(Complaint.visibility).in_(list(LISTED))


def counted() -> ColumnElement[bool]:
    """SQL condition for complaints that count in statistics and leaderboards."""
    return col(Complaint.visibility).in_(list(COUNTED))


def is_moderator(user: User | None) -> bool:
    """Moderators (and admins) handle reports and see moderated content."""
    return user is not None and (user.is_moderator or user.is_admin)


def content_visible(complaint: Complaint, viewer: User | None) -> bool:
    """May ``viewer`` read the complaint's text? Its author and moderators always may."""
    if complaint.visibility in CONTENT_PUBLIC:
        return True
    return viewer is not None and (viewer.id == complaint.author_id or is_moderator(viewer))


def page_exists_for(complaint: Complaint, viewer: User | None) -> bool:
    """Does the complaint's page exist for ``viewer``? A pending complaint (not yet published)
    is the author's and moderators' alone: to everyone else it is not there at all (404)."""
    if complaint.visibility != Visibility.PENDING:
        return True
    return viewer is not None and (viewer.id == complaint.author_id or is_moderator(viewer))


def takes_public_actions(complaint: Complaint) -> bool:
    """May people other than its author act on it (co-sign, report)? Only while its content is
    public: a pending, hidden or removed complaint is, to them, not there (404 as for a missing
    one, so its number says nothing)."""
    return complaint.visibility in CONTENT_PUBLIC


def is_listed(complaint: Complaint) -> bool:
    """The Python twin of ``listed()``: may lists, feeds and social posts show it?"""
    return complaint.visibility in LISTED


def indexable(complaint: Complaint) -> bool:
    """Search engines may index its page (unlisted pages render but say noindex)."""
    return complaint.visibility in LISTED


def message_listed() -> ColumnElement[bool]:
    """SQL condition for messages a feed or export may show: not private (app/complaints/
    private.py), and not hidden or removed by a moderator (app/moderation/). Combine with
    ``listed()`` on their complaint."""
    return and_(
        col(Message.private).is_(False),
        ~exists().where(col(MessageModeration.message_id) == Message.id),
    )


def is_tombstone(complaint: Complaint) -> bool:
    """Hidden or removed: the page says why instead of showing the content."""
    return complaint.visibility in (Visibility.HIDDEN, Visibility.REMOVED)


def reached_company() -> ColumnElement[bool]:
    """SQL condition for complaints the company side (queue, helpdesk API) may see: published
    ones. A waiting complaint has not been filed as far as the company knows."""
    return or_(
        col(Complaint.visibility) != Visibility.PENDING,
        col(Complaint.visibility_reason).not_in([VERIFY_REASON, HELD_REASON]),
    )


def has_reached_company(complaint: Complaint) -> bool:
    """The Python twin of ``reached_company()``."""
    return complaint.visibility != Visibility.PENDING or complaint.visibility_reason not in (
        VERIFY_REASON,
        HELD_REASON,
    )
