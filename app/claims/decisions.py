"""Admin decisions on claims and on companies' domains (/admin/claims). Each is audited.

Approving a claim confirms its domain as the company's, so later claims proven on that domain
are granted without review.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, or_, select

from app import audit
from app.claims.service import ClaimInputError, expire_if_due, grant
from app.clock import utcnow
from app.companies.service import normalize_domain
from app.config import get_settings
from app.db import must_get
from app.errors import Conflict, DomainError
from app.models.company import Company
from app.models.keys import pk
from app.models.membership import Claim, ClaimMethod, ClaimStatus
from app.models.user import User
from app.notify.mail import queue_mail

DECIDABLE = (ClaimStatus.PENDING, ClaimStatus.REVIEW)


@dataclass(frozen=True)
class PendingRow:
    claim: Claim
    company: Company
    claimant: User
    company_claimed: bool
    others_pending: int  # other people's open claims on the same company

    @property
    def proven(self) -> bool:
        """The claimant proved control of the domain; only its link to the company is open."""
        return self.claim.status is ClaimStatus.REVIEW


def _waiting(now: datetime) -> ColumnElement[bool]:
    return or_(
        col(Claim.status) == ClaimStatus.REVIEW,
        (col(Claim.status) == ClaimStatus.PENDING) & (col(Claim.expires_at) > now),
    )


def pending(*, session: Session, now: datetime | None = None) -> list[PendingRow]:
    """Claims waiting for an admin, proven ones (REVIEW) first, then oldest first."""
    now = now or utcnow()
    rows = session.exec(
        select(Claim, Company, User)
        .join(Company, col(Company.id) == Claim.company_id)
        .join(User, col(User.id) == Claim.user_id)
        .where(_waiting(now))
        .order_by(col(Claim.status).desc(), col(Claim.created_at))
    ).all()
    company_ids = {company.id for _, company, _ in rows}
    claimed = set(
        session.exec(
            select(Claim.company_id).where(
                col(Claim.company_id).in_(company_ids), Claim.status == ClaimStatus.VERIFIED
            )
        )
    )
    counts = dict(
        session.exec(
            select(Claim.company_id, func.count())
            .where(col(Claim.company_id).in_(company_ids), _waiting(now))
            .group_by(col(Claim.company_id))
        ).all()
    )
    return [
        PendingRow(claim, company, user, company.id in claimed, counts.get(pk(company), 1) - 1)
        for claim, company, user in rows
    ]


def set_domain(
    *, session: Session, company: Company, domain: str | None, admin: User, now: datetime
) -> Company:
    """Set or confirm the company's own domain: only admins change it once it matters."""
    try:
        chosen = normalize_domain(domain)
    except DomainError as exc:
        raise ClaimInputError("domain", exc.detail) from exc
    if chosen is None:
        raise ClaimInputError("domain", "Enter the company's website domain, e.g. example.com.")
    other = session.exec(
        select(Company).where(Company.domain == chosen, Company.id != company.id)
    ).first()
    if other is not None:
        raise Conflict(f"{chosen} belongs to another company on Outcry ({other.name}).")
    before = company.domain
    company.domain, company.domain_confirmed_at = chosen, now
    session.add(company)
    session.flush()
    audit.record(
        session=session,
        actor=admin,
        action="company.domain_confirmed" if before == chosen else "company.domain_changed",
        target_type="company",
        target_id=pk(company),
        detail=f"{company.name}: {before or 'none'} -> {chosen}",
    )
    return company


def _decidable(session: Session, claim: Claim, admin: User, now: datetime) -> None:
    if (expired := expire_if_due(session, claim, admin, now)) is not None:
        raise Conflict(expired.reason)
    if claim.status not in DECIDABLE:
        raise Conflict(f"This claim is already {claim.status.value}.")


def approve(
    *, session: Session, claim: Claim, admin: User, note: str = "", now: datetime | None = None
) -> Claim:
    """An admin's decision: the claim's domain is the company's (checked against company
    registers, its public record). A proven claim keeps its method; an unproven one becomes
    MANUAL."""
    now = now or utcnow()
    _decidable(session, claim, admin, now)
    asked = claim.method
    if claim.status is ClaimStatus.PENDING:
        claim.method = ClaimMethod.MANUAL
    claim.decided_by_id = admin.id
    company = must_get(session, Company, claim.company_id)
    set_domain(session=session, company=company, domain=claim.domain, admin=admin, now=now)
    how = "approved after review" if asked is claim.method else "approved by hand"
    proof = grant(session, claim, admin, f"{how} (asked for {asked.value})", now)
    if not proof.ok:
        raise Conflict(proof.reason)
    claim.note = note.strip()[:500]
    session.add(claim)
    claimant = must_get(session, User, claim.user_id)
    queue_mail(
        session=session,
        key=f"claim-approved:{claim.id}",
        to=claimant.email,
        subject=f"Your claim of {company.name} on Outcry was approved",
        text=(
            f"Your claim of {company.name} ({claim.domain}) was approved: you are an owner.\n\n"
            f"Your dashboard: {get_settings().base_url.rstrip('/')}/dashboard/{company.slug}\n"
        ),
    )
    session.flush()
    return claim


def reject(
    *, session: Session, claim: Claim, admin: User, reason: str, now: datetime | None = None
) -> Claim:
    now = now or utcnow()
    reason = reason.strip()
    if not reason:
        raise ClaimInputError("reason", "Say why, so the claimant knows what to do next.")
    _decidable(session, claim, admin, now)
    claim.status, claim.decided_by_id, claim.note = ClaimStatus.REJECTED, admin.id, reason[:500]
    session.add(claim)
    company = must_get(session, Company, claim.company_id)
    claimant = must_get(session, User, claim.user_id)
    queue_mail(
        session=session,
        key=f"claim-rejected:{claim.id}",
        to=claimant.email,
        subject=f"Your claim of {company.name} on Outcry was not accepted",
        text=(
            f"Your claim of {company.name} ({claim.domain}) was not accepted.\n\n"
            f"Reason: {claim.note}\n\nYou can start a new claim from the company's page.\n"
        ),
    )
    audit.record(
        session=session,
        actor=admin,
        action="claim.rejected",
        target_type="claim",
        target_id=pk(claim),
        detail=reason,
    )
    session.flush()
    return claim
