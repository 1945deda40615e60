"""A company's team: its members, their roles, revoking, and each rep's public name (inviting
new reps is app/companies/invitations.py).

Owners manage the team; every change is audited. A company always keeps at least one active
owner, so it can never lock itself out of its own profile.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.companies import members
from app.db import rows_changed
from app.errors import Conflict, DomainError, NotFound
from app.models.company import Company
from app.models.keys import pk
from app.models.membership import CompanyMember, Invitation, Role
from app.models.user import User

# Replies are signed by a person, not a department. A public name made only of these words (once
# the company's own name is taken out) is refused: "Support Team", "Customer Service", "Admin",
# "Acme Support", "The Help Desk".
GENERIC_NAME_WORDS = frozenset(
    {
        "admin",
        "administrator",
        "agent",
        "bot",
        "care",
        "centre",
        "center",
        "company",
        "customer",
        "customers",
        "department",
        "desk",
        "help",
        "helpdesk",
        "moderator",
        "no",
        "noreply",
        "office",
        "official",
        "operator",
        "rep",
        "reply",
        "representative",
        "service",
        "services",
        "staff",
        "support",
        "team",
        "the",
    }
)


class InvalidInput(DomainError):
    """Per-field validation errors, shown next to the fields."""

    status_code = 422

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


@dataclass(frozen=True)
class TeamMember:
    member: CompanyMember
    email: str


# Reading -------------------------------------------------------------------------------------


def active_members(*, session: Session, company_id: int) -> list[TeamMember]:
    rows = session.exec(
        select(CompanyMember, User.email)
        .join(User, col(User.id) == CompanyMember.user_id)
        .where(CompanyMember.company_id == company_id, col(CompanyMember.revoked_at).is_(None))
        .order_by(col(CompanyMember.role).desc(), col(CompanyMember.created_at))
    ).all()
    return [TeamMember(member, email) for member, email in rows]


def _active_member(session: Session, company_id: int, member_id: int) -> CompanyMember:
    member = session.get(CompanyMember, member_id)
    if member is None or member.company_id != company_id or member.revoked_at is not None:
        raise NotFound("There is no such member of this company.")
    return member


def _other_active_owners(session: Session, company_id: int, member_id: int) -> int:
    # Locks ALL the company's owner rows (PostgreSQL), the member's own included, so two owners
    # demoting each other at once queue up: the second sees the first's change and is refused.
    owner_ids = session.exec(
        select(CompanyMember.id)
        .where(
            CompanyMember.company_id == company_id,
            CompanyMember.role == Role.OWNER,
            col(CompanyMember.revoked_at).is_(None),
        )
        .with_for_update()
    ).all()
    return sum(owner_id != member_id for owner_id in owner_ids)


# Members -------------------------------------------------------------------------------------


def change_role(
    *, session: Session, company_id: int, actor: User, member_id: int, role: Role
) -> CompanyMember:
    members.require_owner(session=session, company_id=company_id, user=actor)
    member = _active_member(session, company_id, member_id)
    if member.role is role:
        return member
    if member.role is Role.OWNER and not _other_active_owners(session, company_id, pk(member)):
        raise Conflict(
            "This is the company's last owner. Make another member an owner first, "
            "so someone can always manage the company."
        )
    old = member.role
    member.role = role
    session.add(member)
    audit.record(
        session=session,
        actor=actor,
        action="member.role",
        target_type="company_member",
        target_id=pk(member),
        detail=f"{member.public_name}: {old.value} -> {role.value}",
    )
    session.flush()
    return member


def revoke(
    *,
    session: Session,
    company_id: int,
    actor: User,
    member_id: int,
    now: datetime | None = None,
) -> CompanyMember:
    """End a membership. Access is checked against live rows, so it ends with this request."""
    members.require_owner(session=session, company_id=company_id, user=actor)
    member = _active_member(session, company_id, member_id)
    if member.role is Role.OWNER and not _other_active_owners(session, company_id, pk(member)):
        raise Conflict(
            "This is the company's last owner and cannot be removed. Make another member an "
            "owner first."
        )
    now = now or utcnow()
    member.revoked_at = now
    session.add(member)
    # Their open invitations go with them: nobody should join on the word of someone removed.
    cancelled = rows_changed(
        session.execute(
            update(Invitation)
            .where(
                col(Invitation.company_id) == company_id,
                col(Invitation.invited_by_id) == member.user_id,
                col(Invitation.accepted_at).is_(None),
                col(Invitation.revoked_at).is_(None),
            )
            .values(revoked_at=now)
        )
    )
    audit.record(
        session=session,
        actor=actor,
        action="member.revoke",
        target_type="company_member",
        target_id=pk(member),
        detail=f"{member.public_name} ({member.role.value}) removed"
        + (f"; {cancelled} open invitation(s) they sent cancelled" if cancelled else ""),
    )
    session.flush()
    return member


# A rep's own public name ---------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def is_generic_name(name: str, company_name: str = "") -> bool:
    """True for department-style names: only generic words once the company's name is removed."""
    company_words = set(_words(company_name))
    left = [w for w in _words(name) if w not in company_words]
    return all(w in GENERIC_NAME_WORDS for w in left)


def update_me(
    *,
    session: Session,
    company: Company,
    user: User,
    public_name: str,
    job_title: str,
) -> CompanyMember:
    """Set the name and job title that sign this rep's public replies."""
    member = members.require_rep(session=session, company_id=pk(company), user=user)
    public_name, job_title = " ".join(public_name.split()), " ".join(job_title.split())
    errors: dict[str, str] = {}
    if not 2 <= len(public_name) <= 60:
        errors["public_name"] = "Please write your name in 2 to 60 characters."
    elif is_generic_name(public_name, company.name):
        errors["public_name"] = (
            f"“{public_name}” is a department, not a person. Replies on Outcry are signed by the "
            "person who writes them: use your own name, or a first name and initial "
            "(e.g. “Dana O.”)."
        )
    if len(job_title) > 80:
        errors["job_title"] = "Please keep your job title under 80 characters."
    if errors:
        raise InvalidInput(errors)
    before = f"{member.public_name} / {member.job_title}"
    member.public_name, member.job_title = public_name, job_title
    session.add(member)
    audit.record(
        session=session,
        actor=user,
        action="member.public_name",
        target_type="company_member",
        target_id=pk(member),
        detail=f"{before} -> {public_name} / {job_title}",
    )
    session.flush()
    return member
