"""Inviting reps by email: a one-time link, mailed, that joins the company with a role once.

Owners invite; every invitation, replacement, cancellation and acceptance is audited.
"""

import secrets
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import update
from sqlmodel import Session, col, select

from app import audit
from app.accounts.service import normalize_email
from app.clock import utcnow
from app.companies import members
from app.companies.team import InvalidInput
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


class InvitationClosed(DomainError):
    """The link was used, cancelled or has expired."""

    status_code = 410
    title = "Gone"


def invitation_link(token: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/invitations/{token}"


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
