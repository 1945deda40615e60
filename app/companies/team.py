"""A company's team: inviting reps by email, roles, revoking, and each rep's public name.

Owners manage the team; every change is audited. A company always keeps at least one active
owner, so it can never lock itself out of its own profile.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import update
from sqlmodel import Session, col, select

from app import audit
from app.accounts.service import normalize_email
from app.clock import utcnow
from app.companies import members
from app.config import get_settings
from app.db import rows_changed
from app.errors import Conflict, DomainError, Forbidden, NotFound
from app.hashing import token_hash
from app.models.company import Company
from app.models.keys import pk
from app.models.membership import CompanyMember, Invitation, Role
from app.models.user import User
from app.notify.mail import queue_mail

INVITATION_DAYS = 7

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


class InvitationClosed(DomainError):
    """The link was used, cancelled or has expired."""

    status_code = 410
    title = "Gone"


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


def invitation_link(token: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/invitations/{token}"


# Reading -------------------------------------------------------------------------------------


def active_members(*, session: Session, company_id: int) -> list[TeamMember]:
    rows = session.exec(
        select(CompanyMember, User.email)
        .join(User, col(User.id) == CompanyMember.user_id)
        .where(CompanyMember.company_id == company_id, col(CompanyMember.revoked_at).is_(None))
        .order_by(col(CompanyMember.role).desc(), col(CompanyMember.created_at))
    ).all()
    return [TeamMember(member, email) for member, email in rows]


def pending_invitations(
    *, session: Session, company_id: int, now: datetime | None = None
) -> list[Invitation]:
    return list(
        session.exec(
            select(Invitation)
            .where(
                Invitation.company_id == company_id,
                col(Invitation.accepted_at).is_(None),
                col(Invitation.revoked_at).is_(None),
                col(Invitation.expires_at) > (now or utcnow()),
            )
            .order_by(col(Invitation.created_at))
        )
    )


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


# Invitations ---------------------------------------------------------------------------------


def _clean_email(value: str) -> str:
    try:
        return normalize_email(validate_email(value.strip(), check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise InvalidInput(
            {"email": "That does not look like an email address (e.g. dana@example.com)."}
        ) from exc


def invite(
    *,
    session: Session,
    company: Company,
    actor: User,
    email: str,
    role: Role,
    now: datetime | None = None,
) -> tuple[Invitation, str]:
    """Invite someone by email; returns the invitation and its one-time token (only mailed).

    A pending invitation to the same address is replaced, so only the newest link works.
    """
    members.require_owner(session=session, company_id=pk(company), user=actor)
    now = now or utcnow()
    address = _clean_email(email)
    already = session.exec(
        select(CompanyMember.id)
        .join(User, col(User.id) == CompanyMember.user_id)
        .where(
            CompanyMember.company_id == company.id,
            col(CompanyMember.revoked_at).is_(None),
            User.email == address,
        )
    ).first()
    if already is not None:
        raise InvalidInput({"email": f"{address} is already a member of {company.name}."})
    for old in pending_invitations(session=session, company_id=pk(company), now=now):
        if old.email == address:
            old.revoked_at = now
            session.add(old)
            audit.record(
                session=session,
                actor=actor,
                action="invitation.replace",
                target_type="invitation",
                target_id=pk(old),
                detail=f"replaced by a new invitation to {address}",
            )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        company_id=pk(company),
        email=address,
        role=role,
        token_hash=token_hash(token),
        invited_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    session.add(invitation)
    session.flush()
    link = invitation_link(token)
    queue_mail(
        session=session,
        key=f"invitation:{invitation.id}",
        to=address,
        subject=f"{actor.display_name} invites you to answer for {company.name} on Outcry",
        text=(
            f"{actor.display_name} invited you to join {company.name} on Outcry as "
            f"{'an owner' if role is Role.OWNER else 'an agent'}, to answer complaints in public "
            f"under your own name.\n\n"
            f"Accept the invitation here (the link works once, for {INVITATION_DAYS} days):\n"
            f"{link}\n\n"
            f"Sign in, or create an account, with this address: {address}.\n"
            f"If you did not expect this, ignore this message.\n"
        ),
    )
    audit.record(
        session=session,
        actor=actor,
        action="invitation.create",
        target_type="invitation",
        target_id=pk(invitation),
        detail=f"{address} invited to {company.name} as {role.value}",
    )
    return invitation, token


def invitation_for_token(*, session: Session, token: str) -> Invitation:
    invitation = session.exec(
        select(Invitation).where(Invitation.token_hash == token_hash(token))
    ).first()
    if invitation is None:
        raise NotFound(
            "This invitation link is not valid. Check that you copied the whole link from the "
            "email, or ask the company's owner to invite you again."
        )
    return invitation


def closed_reason(invitation: Invitation, now: datetime | None = None) -> str | None:
    """Why the invitation can no longer be accepted, or None while it is open."""
    if invitation.accepted_at is not None:
        return "This invitation has already been used. Each invitation link works only once."
    if invitation.revoked_at is not None:
        return "This invitation was cancelled by the company. Ask its owner for a new one."
    if invitation.expires_at <= (now or utcnow()):
        return (
            f"This invitation has expired (invitations last {INVITATION_DAYS} days). "
            "Ask the company's owner to invite you again."
        )
    return None


def email_matches(invitation: Invitation, user: User) -> bool:
    return normalize_email(user.email) == normalize_email(invitation.email)


def accept(
    *, session: Session, token: str, user: User, now: datetime | None = None
) -> CompanyMember:
    """Join the company with the invitation's role; the link is then spent."""
    now = now or utcnow()
    invitation = invitation_for_token(session=session, token=token)
    if reason := closed_reason(invitation, now):
        raise InvitationClosed(reason)
    if not email_matches(invitation, user):
        raise Forbidden(
            f"This invitation was sent to {invitation.email}, but you are signed in as "
            f"{user.email}. Log out and sign in (or sign up) with {invitation.email} to accept it."
        )
    member = session.exec(
        select(CompanyMember).where(
            CompanyMember.company_id == invitation.company_id, CompanyMember.user_id == user.id
        )
    ).first()
    if member is not None and member.revoked_at is None:
        raise Conflict("You are already a member of this company.")
    # Spend the link with a conditional UPDATE: of two simultaneous accepts, only one wins.
    won = rows_changed(
        session.execute(
            update(Invitation)
            .where(
                col(Invitation.id) == invitation.id,
                col(Invitation.accepted_at).is_(None),
                col(Invitation.revoked_at).is_(None),
            )
            .values(accepted_at=now, accepted_by_id=user.id)
        )
    )
    if not won:
        raise InvitationClosed("This invitation has already been used.")
    session.refresh(invitation)
    if member is None:
        member = CompanyMember(
            company_id=invitation.company_id,
            user_id=pk(user),
            role=invitation.role,
            public_name=user.display_name[:60],
            created_at=now,
        )
    else:  # a former member, invited back: the same row, active again
        member.role, member.revoked_at = invitation.role, None
    session.add(member)
    session.flush()
    audit.record(
        session=session,
        actor=user,
        action="member.join",
        target_type="company_member",
        target_id=pk(member),
        detail=f"{user.email} joined as {invitation.role.value} (invitation {invitation.id})",
    )
    return member


def cancel_invitation(
    *,
    session: Session,
    company_id: int,
    actor: User,
    invitation_id: int,
    now: datetime | None = None,
) -> Invitation:
    members.require_owner(session=session, company_id=company_id, user=actor)
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.company_id != company_id:
        raise NotFound("There is no such invitation for this company.")
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Conflict("This invitation was already used or cancelled.")
    invitation.revoked_at = now or utcnow()
    session.add(invitation)
    audit.record(
        session=session,
        actor=actor,
        action="invitation.cancel",
        target_type="invitation",
        target_id=pk(invitation),
        detail=f"invitation to {invitation.email} cancelled",
    )
    session.flush()
    return invitation


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
