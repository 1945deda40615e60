"""Claims: asking to claim a company and proving control of its domain (in app/claims/: admin
decisions in decisions.py, email codes in codes.py, re-verification in reverify.py).
Services flush, never commit; every decision is audited.

Proving control of a domain does not prove the domain is the company's: anyone can type a
company's website when filing against it. A proof grants the claim only when an admin set or
confirmed the company's domain; otherwise the claim waits for an admin's review (status REVIEW)
and the claimant gets no access to private data meanwhile.

A refused check is not an error: ``verify`` returns a failed ``Proof`` and keeps what it recorded
(a wrong-code count, an expiry, the audit row), so routes must not roll it back.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, col, select

from app import audit
from app.claims import codes
from app.claims.freemail import is_free_mail
from app.claims.verifier import Proof, Verifier
from app.clock import as_utc, utcnow
from app.companies.service import normalize_domain
from app.db import must_get
from app.errors import Conflict, DomainError, NotFound
from app.models.company import Company
from app.models.keys import pk
from app.models.membership import Claim, ClaimMethod, ClaimStatus, CompanyMember, Role
from app.models.user import User
from app.text.humanize import day, timestamp

CLAIM_DAYS = 7
SELF_SERVE_METHODS = (ClaimMethod.DNS, ClaimMethod.WELL_KNOWN, ClaimMethod.EMAIL)
OPEN_STATUSES = (ClaimStatus.PENDING, ClaimStatus.SUSPENDED)  # "Verify now" can still succeed
REVIEW_BADGE = "Unclaimed: claim pending review"

METHOD_LABELS = {
    ClaimMethod.DNS: "DNS",
    ClaimMethod.WELL_KNOWN: "a file on its website",
    ClaimMethod.EMAIL: "email",
    ClaimMethod.MANUAL: "Outcry staff",
}


class ClaimInputError(DomainError):
    """What the claimant entered cannot start a claim; ``field`` names the form field."""

    status_code = 422

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field


def domain_is_confirmed(company: Company, domain: str) -> bool:
    """Whether an admin set or confirmed ``domain`` as the company's own."""
    return company.domain_confirmed_at is not None and company.domain == domain


def _already_claimed(company: Company) -> str:
    return (
        f"{company.name} has already been claimed. If you work there, ask one of its owners "
        "on Outcry to invite you."
    )


# Reading ------------------------------------------------------------------------------------


def get_for(*, session: Session, claim_id: int, user: User) -> Claim:
    """The claim, for its claimant only (admins review claims at /admin/claims); anyone else
    is told there is none."""
    claim = session.get(Claim, claim_id)
    if claim is None or claim.user_id != user.id:
        raise NotFound("There is no claim with that number.")
    return claim


def verified_claim(*, session: Session, company_id: int) -> Claim | None:
    claims = select(Claim).where(Claim.company_id == company_id)
    verified = claims.where(Claim.status == ClaimStatus.VERIFIED).order_by(col(Claim.verified_at))
    return session.exec(verified.limit(1)).first()


@dataclass(frozen=True)
class Badge:
    claimed: bool
    text: str


def badge(*, session: Session, company_id: int) -> Badge:
    """'Claimed, verified by DNS on 3 May 2026', a claim pending review, or 'Unclaimed'."""
    if claim := verified_claim(session=session, company_id=company_id):
        return Badge(
            True, f"Claimed, verified by {METHOD_LABELS[claim.method]} on {day(claim.verified_at)}"
        )
    in_review = session.exec(
        select(Claim.id).where(Claim.company_id == company_id, Claim.status == ClaimStatus.REVIEW)
    ).first()
    return Badge(False, REVIEW_BADGE if in_review else "Unclaimed")


def open_claims_of(*, session: Session, user: User, company_id: int) -> list[Claim]:
    return list(
        session.exec(
            select(Claim)
            .where(
                Claim.user_id == user.id,
                Claim.company_id == company_id,
                col(Claim.status).in_([*OPEN_STATUSES, ClaimStatus.REVIEW]),
            )
            .order_by(col(Claim.created_at).desc())
        )
    )


# Starting -----------------------------------------------------------------------------------


def _claim_domain(*, session: Session, company: Company, domain: str | None) -> str:
    """The company's confirmed domain; otherwise the one the claimant names (by default the
    unconfirmed one on record), which no other company may have."""
    if company.domain and company.domain_confirmed_at:
        return company.domain
    try:
        chosen = normalize_domain(domain) or company.domain
    except DomainError as exc:
        raise ClaimInputError("domain", exc.detail) from exc
    if chosen is None:
        raise ClaimInputError("domain", "Enter your company's website domain, e.g. example.com.")
    other = session.exec(
        select(Company).where(Company.domain == chosen, Company.id != company.id)
    ).first()
    if other is not None:
        raise ClaimInputError(
            "domain",
            f"{chosen} belongs to another company on Outcry ({other.name}). If that is your "
            "company, claim it from its own page.",
        )
    return chosen


def _claim_email(domain: str, email: str | None) -> str:
    if is_free_mail(domain):
        raise ClaimInputError(
            "method",
            f"{domain} is a free email service: anyone can get an address there, so an email "
            "proves nothing about the company. Use the DNS record or the website file.",
        )
    local, at, host = (email or "").strip().rpartition("@")
    if at and local and host.lower() != domain:
        raise ClaimInputError("email", f"The address must be at {domain} (name@{domain}).")
    try:
        address = validate_email(f"{local}@{domain}", check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ClaimInputError("email", f"Enter a work email address at {domain}.") from exc
    return address.lower()


def start(
    *,
    session: Session,
    user: User,
    company: Company,
    method: ClaimMethod,
    verifier: Verifier,
    domain: str | None = None,
    email: str | None = None,
    now: datetime | None = None,
) -> Claim:
    """Open a claim with a fresh random token. Any earlier pending claim of this user on this
    company is replaced; for EMAIL the first code is sent at once."""
    now = now or utcnow()
    if method not in SELF_SERVE_METHODS:
        raise ClaimInputError("method", "Choose one of the three ways to prove it.")
    if verified_claim(session=session, company_id=pk(company)):
        raise Conflict(_already_claimed(company))
    claim_domain = _claim_domain(session=session, company=company, domain=domain)
    address = _claim_email(claim_domain, email) if method is ClaimMethod.EMAIL else None
    for old in open_claims_of(session=session, user=user, company_id=pk(company)):
        if old.status is ClaimStatus.PENDING:
            old.status, old.note = ClaimStatus.EXPIRED, "Replaced by a newer claim."
            session.add(old)
    claim = Claim(
        company_id=pk(company),
        user_id=pk(user),
        domain=claim_domain,
        method=method,
        token=secrets.token_urlsafe(24),
        email=address,
        created_at=now,
        expires_at=now + timedelta(days=CLAIM_DAYS),
    )
    session.add(claim)
    session.flush()
    audit.record(
        session=session,
        actor=user,
        action="claim.started",
        target_type="claim",
        target_id=pk(claim),
        detail=f"{company.name} ({claim_domain}) by {method.value}",
    )
    if method is ClaimMethod.EMAIL:
        codes.send_code(session=session, claim=claim, user=user, verifier=verifier, now=now)
    return claim


# Verifying ----------------------------------------------------------------------------------


def _lock_company(session: Session, claim: Claim) -> Company:
    # Locks the row (PostgreSQL) so two claimants verifying at once cannot both win.
    return session.exec(
        select(Company).where(Company.id == claim.company_id).with_for_update()
    ).one()


def _refuse_if_claimed(
    session: Session, claim: Claim, company: Company, actor: User
) -> Proof | None:
    first = verified_claim(session=session, company_id=pk(company))
    if first is not None and first.id != claim.id:
        claim.status, claim.note = ClaimStatus.REJECTED, "The company was claimed by someone else."
        session.add(claim)
        audit.record(
            session=session,
            actor=actor,
            action="claim.refused",
            target_type="claim",
            target_id=pk(claim),
            detail=f"{company.name} already claimed (claim {first.id})",
        )
        return Proof(False, _already_claimed(company))
    return None


def _to_review(session: Session, claim: Claim, actor: User, how: str, now: datetime) -> Proof:
    """Control of the domain is proven, but nothing links the domain to the company yet."""
    company = _lock_company(session, claim)
    if refused := _refuse_if_claimed(session, claim, company, actor):
        return refused
    claim.status, claim.last_checked_at, claim.note = ClaimStatus.REVIEW, now, ""
    session.add(claim)
    audit.record(
        session=session,
        actor=actor,
        action="claim.proved",
        target_type="claim",
        target_id=pk(claim),
        detail=f"{company.name} ({claim.domain}) {how}; waiting for review",
    )
    return Proof(
        True,
        f"You control {claim.domain}. Outcry staff now check that it is {company.name}'s own "
        "domain before you can answer for it.",
    )


def grant(session: Session, claim: Claim, actor: User, how: str, now: datetime) -> Proof:
    """Make the claim VERIFIED and its claimant an owner, unless someone claimed it first. The
    caller has established that the claim's domain is the company's."""
    company = _lock_company(session, claim)
    if refused := _refuse_if_claimed(session, claim, company, actor):
        return refused
    restored = claim.status is ClaimStatus.SUSPENDED
    claim.status, claim.verified_at, claim.last_checked_at = ClaimStatus.VERIFIED, now, now
    claim.note = ""
    session.add(claim)
    claimant = must_get(session, User, claim.user_id)
    member = session.exec(
        select(CompanyMember).where(
            CompanyMember.company_id == company.id, CompanyMember.user_id == claimant.id
        )
    ).first()
    if member is None:
        member = CompanyMember(
            company_id=pk(company),
            user_id=pk(claimant),
            role=Role.OWNER,
            public_name=claimant.display_name[:60],
            created_at=now,
        )
    elif not restored:
        member.role, member.revoked_at = Role.OWNER, None
    session.add(member)
    if not restored:
        _supersede_lapsed_team(session, company, claim, now)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="claim.restored" if restored else "claim.verified",
        target_type="claim",
        target_id=pk(claim),
        detail=f"{company.name} ({claim.domain}) {how}",
    )
    return Proof(True, f"{company.name} is now claimed: you are an owner.")


def _supersede_lapsed_team(session: Session, company: Company, claim: Claim, now: datetime) -> None:
    """A new claimant proved the company after its earlier claim lapsed (suspended): the team
    that came with that claim does not come back with someone else's proof. Their memberships
    end, and the lapsed claims cannot be restored beside this one."""
    lapsed = session.exec(
        select(Claim).where(
            Claim.company_id == company.id,
            Claim.status == ClaimStatus.SUSPENDED,
            Claim.id != claim.id,
        )
    ).all()
    for old in lapsed:
        old.status, old.note = ClaimStatus.REJECTED, "Superseded: the company was claimed again."
        session.add(old)
    for member in session.exec(
        select(CompanyMember).where(
            CompanyMember.company_id == company.id,
            CompanyMember.user_id != claim.user_id,
            col(CompanyMember.revoked_at).is_(None),
        )
    ):
        member.revoked_at = now
        session.add(member)


def expire_if_due(session: Session, claim: Claim, actor: User, now: datetime) -> Proof | None:
    if claim.status is ClaimStatus.PENDING and as_utc(claim.expires_at) <= now:
        claim.status = ClaimStatus.EXPIRED
        session.add(claim)
        audit.record(
            session=session,
            actor=actor,
            action="claim.expired",
            target_type="claim",
            target_id=pk(claim),
        )
    if claim.status is ClaimStatus.EXPIRED:
        return Proof(
            False,
            f"This claim expired on {timestamp(claim.expires_at)} (claims last {CLAIM_DAYS} "
            "days). Start a new claim.",
        )
    return None


def _not_open(claim: Claim) -> Proof:
    return Proof(False, f"This claim is {claim.status.value}; there is nothing to verify.")


def verify(
    *,
    session: Session,
    claim: Claim,
    user: User,
    verifier: Verifier,
    code: str = "",
    now: datetime | None = None,
) -> Proof:
    """The claimant's "Verify now": check the proof and, if it holds, grant the claim.

    A suspended claim whose proof is back is restored the same way.
    """
    now = now or utcnow()
    if claim.user_id != user.id:
        raise NotFound("There is no claim with that number.")
    if claim.status is ClaimStatus.REVIEW:
        return Proof(False, "This claim is waiting for review by Outcry staff.")
    if expired := expire_if_due(session, claim, user, now):
        return expired
    if claim.method is ClaimMethod.EMAIL:
        # The code first, so a code sent again after success is told "already used".
        proof = codes.check(session, claim, code, now)
    elif claim.status in OPEN_STATUSES:
        proof = verifier.check(method=claim.method, domain=claim.domain, token=claim.token)
    else:
        return _not_open(claim)
    if not proof.ok:
        claim.last_checked_at = now
        session.add(claim)
        audit.record(
            session=session,
            actor=user,
            action="claim.check_failed",
            target_type="claim",
            target_id=pk(claim),
            detail=proof.reason,
        )
        return proof
    if claim.status not in OPEN_STATUSES:
        return _not_open(claim)
    how = f"by {claim.method.value}: {proof.reason}"
    company = must_get(session, Company, claim.company_id)
    if not domain_is_confirmed(company, claim.domain):
        return _to_review(session, claim, user, how, now)
    return grant(session, claim, user, how, now)
