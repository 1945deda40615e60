"""Who answers for a company: active members (reps) and their roles.

Access is checked on every request against live rows, so a revoked member or a suspended claim
loses access at once (only "represents no company" is remembered across requests, not_reps.py).
A request that only reads (a GET's session, app/db.py) reads a user's
memberships once and answers every later question about them from that read: a signed-in page
asks several (the navigation's "for companies" link, the page's own permission checks).
"""

import time
from typing import Any

from sqlalchemy import Engine, Exists, exists
from sqlmodel import Session, col, select

from app.companies import not_reps
from app.config import get_settings
from app.db import READ_ONLY
from app.errors import Forbidden
from app.models.keys import pk
from app.models.membership import Claim, ClaimStatus, CompanyMember, Role
from app.models.user import User


def verified(company_id_column: Any) -> Exists:
    """The company's claim is verified: its members answer for it."""
    return exists().where(
        col(Claim.company_id) == company_id_column, col(Claim.status) == ClaimStatus.VERIFIED
    )


_MEMO = "outcry_memberships"  # session.info: user id -> their memberships, for reading sessions


def _reading(session: Session) -> bool:
    bind = session.bind
    return isinstance(bind, Engine) and bool(bind.get_execution_options().get(READ_ONLY))


def membership(*, session: Session, company_id: int, user: User | None) -> CompanyMember | None:
    """The user's active membership of a company whose claim is verified, or None."""
    if user is None:
        return None
    if _reading(session):
        mine = companies_of(session=session, user=user)
        return next((m for m in mine if m.company_id == company_id), None)
    return session.exec(
        select(CompanyMember).where(
            CompanyMember.company_id == company_id,
            CompanyMember.user_id == user.id,
            col(CompanyMember.revoked_at).is_(None),
            verified(CompanyMember.company_id),
        )
    ).first()


def require_rep(*, session: Session, company_id: int, user: User) -> CompanyMember:
    if (member := membership(session=session, company_id=company_id, user=user)) is None:
        raise Forbidden("Only this company's verified representatives can do that.")
    return member


def require_owner(*, session: Session, company_id: int, user: User) -> CompanyMember:
    member = require_rep(session=session, company_id=company_id, user=user)
    if member.role is not Role.OWNER:
        raise Forbidden("Only an owner of this company can do that.")
    return member


def companies_of(*, session: Session, user: User) -> list[CompanyMember]:
    if _reading(session):
        memo = session.info.setdefault(_MEMO, {})
        if (mine := memo.get(user.id)) is None:
            mine = memo[user.id] = _read_companies_of(session=session, user=user)
        return list(mine)
    return _companies_of(session=session, user=user)


def recheck_not_rep(*, session: Session, user: User) -> None:
    """Read whether the user represents any company again, for the memo of those who do not
    (not_reps.py): done with their login's lookup, so the memo is fresh before it lapses."""
    started = time.monotonic()
    if not _companies_of(session=session, user=user):
        not_reps.keep(pk(user), started=started, seconds=get_settings().session_cache_seconds)


def _read_companies_of(*, session: Session, user: User) -> list[CompanyMember]:
    """For reading: a consumer known to represent no company costs no query (not_reps.py)."""
    user_id = pk(user)
    if not_reps.known(user_id):
        return []
    started = time.monotonic()
    mine = _companies_of(session=session, user=user)
    if not mine:
        not_reps.keep(user_id, started=started, seconds=get_settings().session_cache_seconds)
    return mine


def _companies_of(*, session: Session, user: User) -> list[CompanyMember]:
    return list(
        session.exec(
            select(CompanyMember).where(
                CompanyMember.user_id == user.id,
                col(CompanyMember.revoked_at).is_(None),
                verified(CompanyMember.company_id),
            )
        )
    )


def signature(member: CompanyMember) -> str:
    """'Dana Ortiz, Customer Relations Lead' — replies are signed by a person."""
    return f"{member.public_name}, {member.job_title}" if member.job_title else member.public_name
