"""What a helpdesk does through the company-side API: list and read the company's complaints,
reply in public and resolve, always as the token's rep and only within the token's company."""

from sqlmodel import Session, col, func, select

from app.complaints import company as company_side
from app.complaints import gate, visibility
from app.complaints import service as complaints
from app.complaints.public import complaint_public
from app.errors import NotFound
from app.integrations.schemas import CompanyComplaint, CompanyComplaintDetail, MessagePublic
from app.integrations.tokens import CompanyActor
from app.models.complaint import Complaint, ComplaintState, Message, ResolutionType
from app.models.user import User


def _company_view(session: Session, actor: CompanyActor, rows: list[Complaint]) -> list[dict]:
    attempts = complaints.contact_attempts(session=session, complaint_ids=[c.id for c in rows])
    authors = {
        u.id: u
        for u in session.exec(select(User).where(col(User.id).in_({c.author_id for c in rows})))
    }
    return [
        {
            **complaint_public(c, actor.company, authors[c.author_id], attempts[c.id]).model_dump(),
            "private_reference": c.private_reference,
            "assignee_id": c.assignee_id,
            "awaiting_consumer": c.awaiting_consumer,
        }
        for c in rows
    ]


def list_complaints(
    *,
    session: Session,
    actor: CompanyActor,
    state: ComplaintState | None = None,
    unassigned: bool = False,
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[CompanyComplaint], int]:
    """The token's company's complaints, newest first."""
    stmt = select(Complaint).where(
        Complaint.company_id == actor.company.id, visibility.reached_company()
    )
    if state is not None:
        stmt = stmt.where(Complaint.state == state)
    if unassigned:
        stmt = stmt.where(col(Complaint.assignee_id).is_(None))
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = list(
        session.exec(
            stmt.order_by(col(Complaint.created_at).desc(), col(Complaint.id).desc())
            .offset(offset)
            .limit(limit)
        )
    )
    return [CompanyComplaint(**item) for item in _company_view(session, actor, rows)], total


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
    ).first()


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
