"""What a helpdesk does through the company-side API: list and read the company's complaints,
reply in public and resolve, always as the token's rep and only within the token's company."""

import base64
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, col, func, select

from app.clock import as_utc
from app.complaints import company as company_side
from app.complaints import gate, reading, visibility
from app.complaints import service as complaints
from app.complaints.public import complaint_public
from app.complaints.states import OPEN_STATES
from app.errors import DomainError, NotFound
from app.integrations.schemas import (
    CompanyComplaint,
    CompanyComplaintDetail,
    Member,
    MessagePublic,
    NoteOut,
)
from app.integrations.tokens import CompanyActor
from app.models.complaint import (
    Complaint,
    ComplaintState,
    InternalNote,
    Message,
    ResolutionType,
)
from app.models.keys import pk
from app.models.membership import CompanyMember
from app.models.user import User


def _company_view(session: Session, actor: CompanyActor, rows: list[Complaint]) -> list[dict]:
    attempts = reading.contact_attempts(session=session, complaint_ids=[pk(c) for c in rows])
    authors = {
        u.id: u
        for u in session.exec(select(User).where(col(User.id).in_({c.author_id for c in rows})))
    }
    return [
        {
            **complaint_public(
                c, actor.company, authors[c.author_id], attempts[pk(c)]
            ).model_dump(),
            "private_reference": c.private_reference,
            "assignee_id": c.assignee_id,
            "awaiting_consumer": c.awaiting_consumer,
            "updated_at": c.updated_at,
        }
        for c in rows
    ]


class BadCursor(DomainError):
    title = "Invalid cursor"


def encode_cursor(complaint: Complaint) -> str:
    text = f"{as_utc(complaint.updated_at).isoformat()}|{complaint.id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, complaint_id = text.partition("|")
        return as_utc(datetime.fromisoformat(at)), int(complaint_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor(
            "This cursor is not one we gave out; start again from updated_since."
        ) from exc


def list_complaints(
    *,
    session: Session,
    actor: CompanyActor,
    state: ComplaintState | None = None,
    unassigned: bool = False,
    offset: int = 0,
    limit: int = 20,
    updated_since: datetime | None = None,
    cursor: str | None = None,
) -> tuple[list[CompanyComplaint], int, str | None]:
    """The token's company's complaints, newest first; or, to sync, those changed since a time,
    oldest change first, a page at a time after an opaque cursor (the last one's change time and
    id: changes during the sync move a complaint behind the cursor, to be seen next time)."""
    stmt = select(Complaint).where(
        Complaint.company_id == actor.company.id, visibility.reached_company()
    )
    if state is not None:
        stmt = stmt.where(Complaint.state == state)
    if unassigned:
        stmt = stmt.where(col(Complaint.assignee_id).is_(None))
    syncing = updated_since is not None or cursor is not None
    if updated_since is not None:
        stmt = stmt.where(col(Complaint.updated_at) >= as_utc(updated_since))
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    if not syncing:
        order = (col(Complaint.created_at).desc(), col(Complaint.id).desc())
        rows = list(session.exec(stmt.order_by(*order).offset(offset).limit(limit)))
        return [CompanyComplaint(**i) for i in _company_view(session, actor, rows)], total, None
    if cursor is not None:
        at, after_id = decode_cursor(cursor)
        stmt = stmt.where(
            or_(
                col(Complaint.updated_at) > at,
                and_(col(Complaint.updated_at) == at, col(Complaint.id) > after_id),
            )
        )
    oldest_first = (col(Complaint.updated_at), col(Complaint.id))
    rows = list(session.exec(stmt.order_by(*oldest_first).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1]) if more else None
    items = [CompanyComplaint(**i) for i in _company_view(session, actor, rows)]
    return items, total, next_cursor


def get_complaint(*, session: Session, actor: CompanyActor, complaint_id: int) -> Complaint:
    """The complaint if it is against the token's company; otherwise it does not exist for you."""
    complaint = complaints.get(session=session, complaint_id=complaint_id)
    if complaint is None or complaint.company_id != actor.company.id or gate.is_waiting(complaint):
        raise NotFound("There is no complaint with that number for your company.")
    return complaint


def detail(
    *, session: Session, actor: CompanyActor, complaint: Complaint
) -> CompanyComplaintDetail:
    messages = session.exec(
        select(Message)
        .where(Message.complaint_id == complaint.id)
        .order_by(col(Message.created_at), col(Message.id))
    ).all()
    return CompanyComplaintDetail(
        **_company_view(session, actor, [complaint])[0],
        messages=[MessagePublic.of(m) for m in messages],
    )


def reply(
    *,
    session: Session,
    actor: CompanyActor,
    complaint_id: int,
    body: str,
    info_request: bool = False,
    private: bool = False,
) -> Message:
    """A reply signed by the token's rep, public unless ``private`` (refused by the state
    machine once closed)."""
    complaint = get_complaint(session=session, actor=actor, complaint_id=complaint_id)
    company_side.reply(
        session=session,
        complaint=complaint,
        user=actor.user,
        body=body,
        info_request=info_request,
        private=private,
    )
    # The reply just written: the newest message of this rep on this complaint.
    return session.exec(
        select(Message)
        .where(Message.complaint_id == complaint.id, Message.author_id == actor.user.id)
        .order_by(col(Message.id).desc())
        .limit(1)
    ).one()


def resolve(
    *,
    session: Session,
    actor: CompanyActor,
    complaint_id: int,
    resolution_type: ResolutionType,
    body: str = "",
) -> Complaint:
    complaint = get_complaint(session=session, actor=actor, complaint_id=complaint_id)
    return company_side.resolve(
        session=session,
        complaint=complaint,
        user=actor.user,
        resolution_type=resolution_type,
        body=body,
    )


def message(
    *, session: Session, actor: CompanyActor, complaint_id: int, message_id: int
) -> Message:
    complaint = get_complaint(session=session, actor=actor, complaint_id=complaint_id)
    found = session.get(Message, message_id)
    if found is None or found.complaint_id != complaint.id:
        raise NotFound("This complaint has no message with that number.")
    return found


def assign(
    *, session: Session, actor: CompanyActor, complaint_id: int, assignee_id: int | None
) -> Complaint:
    """Name the complaint's owner; without an assignee, the acting rep takes it."""
    complaint = get_complaint(session=session, actor=actor, complaint_id=complaint_id)
    return company_side.assign(
        session=session,
        complaint=complaint,
        user=actor.user,
        assignee_id=pk(actor.user) if assignee_id is None else assignee_id,
    )


def _note_out(note: InternalNote, names: dict[int, str]) -> NoteOut:
    return NoteOut(
        id=note.id,
        complaint_id=note.complaint_id,
        body=note.body,
        author_id=note.author_id,
        author=names.get(note.author_id) if note.author_id is not None else None,
        created_at=note.created_at,
        updated_at=note.updated_at,
    )


def notes(*, session: Session, actor: CompanyActor, complaint_id: int) -> list[NoteOut]:
    complaint = get_complaint(session=session, actor=actor, complaint_id=complaint_id)
    names = company_side.public_names(session=session, company_id=pk(actor.company))
    return [
        _note_out(n, names) for n, _ in company_side.notes(session=session, complaint=complaint)
    ]


def note(*, session: Session, actor: CompanyActor, complaint_id: int, note_id: int) -> NoteOut:
    complaint = get_complaint(session=session, actor=actor, complaint_id=complaint_id)
    found = session.get(InternalNote, note_id)
    if found is None or found.complaint_id != complaint.id:
        raise NotFound("This complaint has no internal note with that number.")
    names = company_side.public_names(session=session, company_id=pk(actor.company))
    return _note_out(found, names)


def add_note(*, session: Session, actor: CompanyActor, complaint_id: int, body: str) -> NoteOut:
    complaint = get_complaint(session=session, actor=actor, complaint_id=complaint_id)
    created = company_side.add_note(
        session=session, complaint=complaint, user=actor.user, body=body
    )
    names = company_side.public_names(session=session, company_id=pk(actor.company))
    return _note_out(created, names)


def edit_note(
    *, session: Session, actor: CompanyActor, complaint_id: int, note_id: int, body: str
) -> NoteOut:
    complaint = get_complaint(session=session, actor=actor, complaint_id=complaint_id)
    edited = company_side.edit_note(
        session=session, complaint=complaint, user=actor.user, note_id=note_id, body=body
    )
    names = company_side.public_names(session=session, company_id=pk(actor.company))
    return _note_out(edited, names)


def company_members(*, session: Session, actor: CompanyActor) -> list[Member]:
    """Every rep the company has had (former ones inactive), with how many open complaints each
    owns: who a helpdesk may act for or assign to."""
    rows = session.exec(
        select(CompanyMember)
        .where(CompanyMember.company_id == actor.company.id)
        .order_by(col(CompanyMember.public_name), col(CompanyMember.id))
    ).all()
    owned = dict(
        session.exec(
            select(Complaint.assignee_id, func.count())
            .where(
                Complaint.company_id == actor.company.id,
                col(Complaint.state).in_(list(OPEN_STATES)),
                col(Complaint.assignee_id).is_not(None),
            )
            .group_by(col(Complaint.assignee_id))
        ).all()
    )
    return [
        Member(
            id=m.user_id,
            public_name=m.public_name,
            job_title=m.job_title,
            role=m.role.value,
            active=m.revoked_at is None,
            open_assigned=owned.get(m.user_id, 0),
            created_at=m.created_at,
            updated_at=m.revoked_at or m.created_at,
        )
        for m in rows
    ]
