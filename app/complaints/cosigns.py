"""Co-signs: other consumers' "me too" on a complaint, counted on the complaint row."""

from datetime import datetime

from sqlalchemy import literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.clock import utcnow
from app.complaints.service import require_unlocked
from app.errors import Conflict
from app.events import CoSigned, CoSignWithdrawn, emit
from app.models.complaint import Complaint, ComplaintState, CoSign
from app.models.keys import pk
from app.models.user import User


def cosign(
    *, session: Session, complaint: Complaint, user: User, now: datetime | None = None
) -> bool:
    """Add the user's "me too"; False when they had already co-signed."""
    if complaint.author_id == user.id:
        raise Conflict("You filed this complaint, so you cannot co-sign it.")
    if complaint.state == ComplaintState.WITHDRAWN:
        raise Conflict("This complaint was withdrawn.")
    require_unlocked(complaint)
    if session.get(CoSign, (complaint.id, user.id)):
        return False
    try:
        with session.begin_nested():
            session.add(
                CoSign(complaint_id=pk(complaint), user_id=pk(user), created_at=now or utcnow())
            )
            session.flush()
    except IntegrityError:
        return False
    _bump_cosigns(session, complaint, +1)
    emit(session=session, event=CoSigned(complaint_id=pk(complaint), actor_id=user.id))
    return True


def uncosign(*, session: Session, complaint: Complaint, user: User) -> bool:
    row = session.get(CoSign, (complaint.id, user.id))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    _bump_cosigns(session, complaint, -1)
    emit(session=session, event=CoSignWithdrawn(complaint_id=pk(complaint), actor_id=user.id))
    return True


def _bump_cosigns(session: Session, complaint: Complaint, delta: int) -> None:
    # An atomic UPDATE, so concurrent co-signs on a viral complaint do not lose counts.
    session.execute(
        update(Complaint)
        .where(col(Complaint.id) == complaint.id)
        .values(cosign_count=Complaint.cosign_count + delta)
    )
    session.refresh(complaint, ["cosign_count"])


def has_cosigned(*, session: Session, complaint: Complaint, user: User | None) -> bool:
    """Asked on every signed-in view of a complaint: a bare existence check (loading the row
    as an object cost a quarter of the page's time)."""
    if user is None:
        return False
    found = session.execute(
        select(literal(1)).where(
            col(CoSign.complaint_id) == complaint.id, col(CoSign.user_id) == user.id
        )
    )
    return found.first() is not None


def cosigner_ids(*, session: Session, complaint_id: int, at_most: int) -> frozenset[int] | None:
    """Who co-signed the complaint, when at most ``at_most`` did (None: more). Kept with the
    page's alike parts, it answers "did this visitor co-sign?" without a query per view."""
    query = (
        select(col(CoSign.user_id))
        .where(col(CoSign.complaint_id) == complaint_id)
        .limit(at_most + 1)
    )
    ids = session.execute(query).scalars().all()
    return frozenset(ids) if len(ids) <= at_most else None
