"""The company's side of a complaint, for its reps: assign, reply, ask, note, resolve.

Each function checks that the acting user is an active rep of the complaint's company (so the
dashboard, the API and anything later share one check), then goes through the state machine in
``service.py``. Like every service, they flush but never commit.
"""

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.companies import members
from app.complaints import service as complaints
from app.complaints.states import CLOSED_STATES
from app.db import rows_changed
from app.errors import Conflict, DomainError, Forbidden, NotFound
from app.events import Assigned
from app.models.complaint import Complaint, InternalNote, ResolutionType, Side
from app.models.keys import pk
from app.models.membership import CompanyMember
from app.models.user import User

MAX_TEXT = 10_000


def _require_rep(session: Session, complaint: Complaint, user: User) -> CompanyMember:
    return members.require_rep(session=session, company_id=complaint.company_id, user=user)


def _text(body: str, what: str) -> str:
    body = body.strip()
    if not body:
        raise Conflict(f"{what} needs some text.")
    if len(body) > MAX_TEXT:
        raise DomainError(f"Please keep {what.lower()} under {MAX_TEXT:,} characters.")
    return body


def active_reps(*, session: Session, company_id: int) -> list[CompanyMember]:
    """Who a complaint can be assigned to, by public name."""
    return list(
        session.exec(
            select(CompanyMember)
            .where(CompanyMember.company_id == company_id, col(CompanyMember.revoked_at).is_(None))
            .order_by(col(CompanyMember.public_name), col(CompanyMember.id))
        )
    )


def public_names(*, session: Session, company_id: int) -> dict[int, str]:
    """Every rep's public name by user id, former reps included, for the reps' own timeline."""
    rows = session.exec(
        select(CompanyMember.user_id, CompanyMember.public_name).where(
            CompanyMember.company_id == company_id
        )
    ).all()
    return dict(rows)


def assignee_member(*, session: Session, complaint: Complaint) -> CompanyMember | None:
    """The named owner's membership (for their public name), if the complaint has one and they
    still answer for the company: a removed rep is never named as a complaint's owner."""
    if complaint.assignee_id is None:
        return None
    return session.exec(
        select(CompanyMember).where(
            CompanyMember.company_id == complaint.company_id,
            CompanyMember.user_id == complaint.assignee_id,
            col(CompanyMember.revoked_at).is_(None),
        )
    ).first()


def release(
    *,
    session: Session,
    company_id: int,
    user_id: int,
    actor: User | None,
    why: str = "left the team",
    now: datetime | None = None,
) -> list[Complaint]:
    """A rep who can no longer act (removed, suspended, or the company's claim suspended): their
    open complaints go back to the unassigned queue, on the record. Returns them, for the
    owners' mail (app/notify/released.py sends it: call that, the one path)."""
    now = now or utcnow()
    held = list(
        session.exec(
            select(Complaint).where(
                Complaint.company_id == company_id,
                Complaint.assignee_id == user_id,
                col(Complaint.state).not_in(list(CLOSED_STATES)),
            )
        )
    )
    for complaint in held:
        complaint.assignee_id = None
        complaint.updated_at = now
        session.add(complaint)
        complaints._record(
            session, complaint, "assign", actor, Side.COMPANY, now, detail="released"
        )
        audit.record(
            session=session,
            actor=actor,
            action="complaint.release",
            target_type="complaint",
            target_id=pk(complaint),
            detail=f"user {user_id} {why}: back to unassigned",
        )
    session.flush()
    return held


def assign(
    *,
    session: Session,
    complaint: Complaint,
    user: User,
    assignee_id: int,
    now: datetime | None = None,
) -> Complaint:
    """Make an active rep the complaint's one named owner. From one rep to another is a hand-off."""
    _require_rep(session, complaint, user)
    if complaint.state in CLOSED_STATES:
        raise Conflict("This complaint is closed; it no longer needs an owner.")
    assignee = session.get(User, assignee_id)
    if assignee is None or not members.membership(
        session=session, company_id=complaint.company_id, user=assignee
    ):
        raise DomainError("Choose one of this company's active representatives.")
    if complaint.assignee_id == assignee.id:
        return complaint
    if not _move(session, complaint, user, assignee, complaint.assignee_id, now or utcnow()):
        raise Conflict("Someone else assigned this complaint just now. Reload and try again.")
    return complaint


def route(
    *, session: Session, complaint: Complaint, assignee: User, now: datetime | None = None
) -> bool:
    """The team's routing rules give a new, unowned complaint to a rep: recorded, announced and
    mailed like an owner's assignment, with no acting person. False if someone took it first."""
    if complaint.state in CLOSED_STATES or complaint.assignee_id is not None:
        return False
    return _move(session, complaint, None, assignee, None, now or utcnow())


def _move(
    session: Session,
    complaint: Complaint,
    actor: User | None,
    assignee: User,
    previous_id: int | None,
    now: datetime,
) -> bool:
    """Compare-and-set the assignee, so two reps taking it at once cannot both win."""
    session.flush()
    handoff = previous_id is not None
    moved = rows_changed(
        session.execute(
            update(Complaint)
            .where(
                col(Complaint.id) == complaint.id,
                col(Complaint.assignee_id).is_(None)
                if previous_id is None
                else col(Complaint.assignee_id) == previous_id,
            )
            .values(
                assignee_id=assignee.id,
                handoff_count=Complaint.handoff_count + int(handoff),
                updated_at=now,
            )
        )
    )
    session.refresh(complaint, ["assignee_id", "handoff_count", "updated_at"])
    if not moved:
        return False
    # Public timeline: that it changed hands, never between whom (that is in the audit log).
    complaints._record(
        session, complaint, "assign", actor, Side.COMPANY, now, detail="handoff" if handoff else ""
    )
    audit.record(
        session=session,
        actor=actor,
        action="complaint.assign",
        target_type="complaint",
        target_id=pk(complaint),
        detail=f"user {previous_id} -> user {assignee.id}" if handoff else f"user {assignee.id}",
    )
    complaints._announce(
        session,
        complaint,
        Assigned,
        actor,
        None,
        assignee_id=assignee.id,
        previous_assignee_id=previous_id,
    )
    return True


def reply(
    *,
    session: Session,
    complaint: Complaint,
    user: User,
    body: str,
    info_request: bool = False,
    private: bool = False,
    submission_key: str | None = None,
    now: datetime | None = None,
) -> Complaint:
    """A reply signed by the rep (public, or ``private`` to the consumer); the first reply by a
    rep of an unowned complaint makes them its owner (not a hand-off)."""
    member = _require_rep(session, complaint, user)
    now = now or utcnow()
    complaints.answer(
        session=session,
        complaint=complaint,
        rep=user,
        body=_text(body, "A reply"),
        now=now,
        signature=members.signature(member),
        info_request=info_request,
        private=private,
        submission_key=submission_key,
    )
    if complaint.assignee_id is None:
        _move(session, complaint, user, user, None, now)  # False: someone else just took it
    return complaint


def resolve(
    *,
    session: Session,
    complaint: Complaint,
    user: User,
    resolution_type: ResolutionType,
    body: str = "",
    now: datetime | None = None,
) -> Complaint:
    member = _require_rep(session, complaint, user)
    if body.strip():
        body = _text(body, "A message")
    return complaints.resolve(
        session=session,
        complaint=complaint,
        rep=user,
        resolution_type=resolution_type,
        body=body,
        now=now,
        signature=members.signature(member),
    )


def add_note(
    *, session: Session, complaint: Complaint, user: User, body: str, now: datetime | None = None
) -> InternalNote:
    """A note for the company's reps only: no timeline entry, no event, never public."""
    _require_rep(session, complaint, user)
    now = now or utcnow()
    note = InternalNote(
        complaint_id=pk(complaint),
        author_id=user.id,
        body=_text(body, "A note"),
        created_at=now,
        updated_at=now,
    )
    session.add(note)
    session.flush()
    return note


def edit_note(
    *,
    session: Session,
    complaint: Complaint,
    user: User,
    note_id: int,
    body: str,
    now: datetime | None = None,
) -> InternalNote:
    """Only its author may change a note: the others rely on who wrote what."""
    _require_rep(session, complaint, user)
    note = session.get(InternalNote, note_id)
    if note is None or note.complaint_id != complaint.id:
        raise NotFound("This complaint has no internal note with that number.")
    if note.author_id != user.id:
        raise Forbidden("Only the rep who wrote a note can edit it.")
    note.body = _text(body, "A note")
    note.updated_at = now or utcnow()
    session.add(note)
    session.flush()
    return note


def notes(*, session: Session, complaint: Complaint) -> list[tuple[InternalNote, User | None]]:
    rows = session.exec(
        select(InternalNote, User)
        .outerjoin(User, col(User.id) == InternalNote.author_id)
        .where(InternalNote.complaint_id == complaint.id)
        .order_by(col(InternalNote.created_at), col(InternalNote.id))
    ).all()
    return [(note, author) for note, author in rows]
