"""API tokens: an owner creates one for their helpdesk; it acts through its creator's membership.

The token is shown once; only its SHA-256 is stored (like login sessions), with a short prefix so
owners can tell tokens apart. Every use re-checks the creator's membership and the company's claim
(app/companies/members.py), so a revoked member or a suspended claim stops the token at once.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.companies import members
from app.db import write_after_read
from app.errors import Conflict, DomainError, NotFound
from app.hashing import token_hash
from app.models.company import Company
from app.models.integration import ApiToken
from app.models.keys import pk
from app.models.membership import CompanyMember
from app.models.user import User

PREFIX = "outcry_"
DISPLAY_CHARS = 12  # "outcry_" and five random characters
NAME_MAX = 80
# last_used_at is a hint for owners, not a log: one write a minute per token is enough.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class CompanyActor:
    """Who a bearer request acts as: the token's creator, as a rep of the token's company."""

    user: User
    company: Company
    member: CompanyMember
    token: ApiToken


def create(
    *, session: Session, company: Company, owner: User, name: str, now: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``company``, and its plain value, which is never retrievable again."""
    members.require_owner(session=session, company_id=pk(company), user=owner)
    name = name.strip()
    if not name:
        raise Conflict("Give the token a name, such as the helpdesk it is for.")
    if len(name) > NAME_MAX:
        raise Conflict(f"Please keep the name under {NAME_MAX} characters.")
    raw = PREFIX + secrets.token_urlsafe(32)  # 256 random bits
    token = ApiToken(
        company_id=pk(company),
        created_by_id=owner.id,
        name=name,
        prefix=raw[:DISPLAY_CHARS],
        token_hash=token_hash(raw),
        created_at=now or utcnow(),
    )
    session.add(token)
    session.flush()
    audit.record(
        session=session,
        actor=owner,
        action="api_token.create",
        target_type="api_token",
        target_id=pk(token),
        detail=f"{name} ({token.prefix}…) for company {company.id}",
    )
    return token, raw


def revoke(
    *, session: Session, company: Company, owner: User, token_id: int, now: datetime | None = None
) -> ApiToken:
    members.require_owner(session=session, company_id=pk(company), user=owner)
    token = session.get(ApiToken, token_id)
    if token is None or token.company_id != company.id:
        raise NotFound("There is no such API token.")
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        session.add(token)
        audit.record(
            session=session,
            actor=owner,
            action="api_token.revoke",
            target_type="api_token",
            target_id=pk(token),
            detail=f"{token.name} ({token.prefix}…)",
        )
        session.flush()
    return token


def for_company(*, session: Session, company_id: int) -> list[tuple[ApiToken, User | None]]:
    """The company's tokens, newest first, with who created them."""
    rows = session.exec(
        select(ApiToken, User)
        .outerjoin(User, col(User.id) == ApiToken.created_by_id)
        .where(ApiToken.company_id == company_id)
        .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
    ).all()
    return [(token, user) for token, user in rows]


def authenticate(*, session: Session, raw: str, now: datetime | None = None) -> CompanyActor | None:
    """The actor for a presented token, or None if it is unknown, revoked, or its creator no
    longer answers for the company."""
    if not raw.startswith(PREFIX):
        return None
    token = session.exec(
        select(ApiToken).where(
            ApiToken.token_hash == token_hash(raw), col(ApiToken.revoked_at).is_(None)
        )
    ).first()
    if token is None or token.created_by_id is None:
        return None
    user = session.get(User, token.created_by_id)
    member = members.membership(session=session, company_id=token.company_id, user=user)
    company = session.get(Company, token.company_id)
    if user is None or member is None or company is None:
        return None
    now = now or utcnow()
    _note_use(session, token, now)
    return CompanyActor(user=user, company=company, member=member, token=token)


# The tokens whose use this process has last recorded, and when (by hash: ids of deleted rows
# come back): at the minute's turn, only the first of a burst of requests writes.
_recorded: dict[str, datetime] = {}


def _note_use(session: Session, token: ApiToken, now: datetime) -> None:
    earliest = now - TOUCH_EVERY
    last = max(token.last_used_at or earliest, _recorded.get(token.token_hash, earliest))
    if now - last < TOUCH_EVERY:
        return
    _recorded[token.token_hash] = now
    token_id = pk(token)

    def record(writing: Session) -> None:
        # Only forward, and not again within the minute (another process may have written).
        writing.execute(
            update(ApiToken)
            .where(
                col(ApiToken.id) == token_id,
                or_(
                    col(ApiToken.last_used_at).is_(None),
                    col(ApiToken.last_used_at) <= now - TOUCH_EVERY,
                ),
            )
            .values(last_used_at=now)
        )

    write_after_read(session, record)


class UnknownAgent(DomainError):
    status_code = 422
    title = "Unknown agent"


def acting_for(*, session: Session, actor: CompanyActor, agent: str) -> CompanyActor:
    """The same token acting for another active rep of its company, named by user id or email:
    a helpdesk answers as whichever of its agents wrote the reply, and the reply is signed so."""
    agent = agent.strip()
    user: User | None = None
    if agent.isdigit() and len(agent) <= 10:
        user = session.get(User, int(agent))
    elif "@" in agent:
        user = session.exec(select(User).where(col(User.email) == agent.lower())).first()
    member = (
        members.membership(session=session, company_id=pk(actor.company), user=user)
        if user is not None
        else None
    )
    if user is None or member is None:
        raise UnknownAgent(
            f"X-Outcry-Agent names no active representative of {actor.company.name}: give the "
            "user id or email address of one (GET /api/v1/company/members lists them)."
        )
    return CompanyActor(user=user, company=actor.company, member=member, token=actor.token)
