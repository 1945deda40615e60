"""Saved replies: a company's reps keep texts they can drop into the reply box.

Any active rep may add one and use any of the company's; only its author or an owner may change
or delete it. Placeholders ({first_name}, {reference}, {company}) are filled in when one is used.
"""

from pydantic import field_validator
from sqlmodel import Field, Session, SQLModel, col, select

from app.companies import members
from app.errors import Forbidden, NotFound
from app.models.company import Company
from app.models.complaint import Complaint, SavedReply
from app.models.membership import CompanyMember, Role
from app.models.user import User


class SavedReplyIn(SQLModel):
    title: str = Field(min_length=1, max_length=120)
    body: str = Field(min_length=1, max_length=10_000)

    @field_validator("title", "body", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value


def list_for(*, session: Session, company_id: int) -> list[SavedReply]:
    return list(
        session.exec(
            select(SavedReply)
            .where(SavedReply.company_id == company_id)
            .order_by(col(SavedReply.title), col(SavedReply.id))
        )
    )


def get(*, session: Session, company_id: int, saved_id: int) -> SavedReply:
    """The company's saved reply; another company's is reported as missing, not forbidden."""
    saved = session.get(SavedReply, saved_id)
    if saved is None or saved.company_id != company_id:
        raise NotFound("There is no such saved reply.")
    return saved


def create(*, session: Session, company_id: int, user: User, data: SavedReplyIn) -> SavedReply:
    members.require_rep(session=session, company_id=company_id, user=user)
    saved = SavedReply(company_id=company_id, author_id=user.id, title=data.title, body=data.body)
    session.add(saved)
    session.flush()
    return saved


def can_edit(member: CompanyMember, saved: SavedReply) -> bool:
    return member.role is Role.OWNER or saved.author_id == member.user_id


def require_editor(*, session: Session, saved: SavedReply, user: User) -> None:
    member = members.require_rep(session=session, company_id=saved.company_id, user=user)
    if not can_edit(member, saved):
        raise Forbidden("Only its author or an owner can change this saved reply.")


def update(*, session: Session, saved: SavedReply, user: User, data: SavedReplyIn) -> SavedReply:
    require_editor(session=session, saved=saved, user=user)
    saved.title, saved.body = data.title, data.body
    session.add(saved)
    session.flush()
    return saved


def delete(*, session: Session, saved: SavedReply, user: User) -> None:
    require_editor(session=session, saved=saved, user=user)
    session.delete(saved)
    session.flush()


PLACEHOLDERS = ("{first_name}", "{reference}", "{company}")


def fill(text: str, *, complaint: Complaint, author: User, company: Company) -> str:
    """A saved reply made personal: {first_name} of the consumer (as they sign publicly),
    {reference} their own reference (else the complaint number), {company}'s name."""
    first = (author.display_name.split() or ["there"])[0]
    reference = complaint.private_reference or f"#{complaint.id}"
    return (
        text.replace("{first_name}", first)
        .replace("{reference}", reference)
        .replace("{company}", company.name)
    )
