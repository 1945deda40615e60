"""The private channel between a consumer and the company: who may read a private message, and
the consumer's private reference.

Private messages sit in the same timeline as public ones (the event is public: "sent a private
message"), but their text is shown only to the complaint's author, the company's verified reps
and moderators. Every public surface (page, feeds, exports, posts, badges, oEmbed, public API)
reads messages through ``visibility.message_listed`` or the page's ``can_read``.
"""

from datetime import datetime

from sqlmodel import Session

from app.clock import utcnow
from app.companies import members
from app.complaints import visibility
from app.errors import DomainError, Forbidden
from app.models.complaint import Complaint, Message, storable_text
from app.models.user import User
from app.redaction import service as redaction

MAX_REFERENCE = 200


def can_read(*, session: Session, complaint: Complaint, viewer: User | None) -> bool:
    """May ``viewer`` read the complaint's private messages and private reference?"""
    if viewer is None:
        return False
    if viewer.id == complaint.author_id or visibility.is_moderator(viewer):
        return True
    return (
        members.membership(session=session, company_id=complaint.company_id, user=viewer)
        is not None
    )


def readable(message: Message | None, *, may_read_private: bool) -> bool:
    return message is not None and (not message.private or may_read_private)


def set_reference(
    *,
    session: Session,
    complaint: Complaint,
    user: User,
    reference: str,
    now: datetime | None = None,
) -> Complaint:
    """The consumer adds or corrects their private reference (an account or booking number)."""
    if complaint.author_id != user.id:
        raise Forbidden("Only the consumer who filed this complaint can do that.")
    reference = reference.strip()
    if len(reference) > MAX_REFERENCE:
        raise DomainError(f"Please keep the reference under {MAX_REFERENCE} characters.")
    try:
        storable_text(reference)
    except ValueError as exc:
        raise DomainError(str(exc)) from None
    complaint.private_reference = reference or None
    complaint.updated_at = now or utcnow()
    session.add(complaint)
    session.flush()
    # Public text that already quotes the (corrected) reference is masked now.
    redaction.rerun(session=session, complaint=complaint)
    return complaint
