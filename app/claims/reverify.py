"""Re-verification: verified DNS and website-file claims are re-checked every
OUTCRY_REVERIFY_DAYS. A proof that is gone suspends the claim, which cuts its reps off at once
(app/companies/members.py needs a VERIFIED claim), and the owners are mailed. Email and manual
claims have no published proof, so they are not re-checked."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, or_, select

from app import audit
from app.claims.verifier import Verifier
from app.clock import utcnow
from app.config import get_settings
from app.db import must_get
from app.models.company import Company
from app.models.keys import pk
from app.models.membership import Claim, ClaimMethod, ClaimStatus, CompanyMember, Role
from app.models.user import User
from app.notify import released
from app.notify.mail import queue_mail

RECHECKED_METHODS = (ClaimMethod.DNS, ClaimMethod.WELL_KNOWN)


def _owners(session: Session, company_id: int) -> list[User]:
    return list(
        session.exec(
            select(User)
            .join(CompanyMember, col(CompanyMember.user_id) == User.id)
            .where(
                CompanyMember.company_id == company_id,
                CompanyMember.role == Role.OWNER,
                col(CompanyMember.revoked_at).is_(None),
            )
        )
    )


@dataclass(frozen=True)
class Recheck:
    checked: int
    suspended: int
    inconclusive: int
    last_id: int


def reverify_due(
    *,
    session: Session,
    verifier: Verifier,
    now: datetime | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> Recheck:
    """Re-check verified DNS and file claims not checked for OUTCRY_REVERIFY_DAYS (by id, from
    ``after_id``, at most ``limit``). A proof that is gone suspends the claim, which cuts its
    reps off at once (app/companies/members.py needs a VERIFIED claim); the owners are mailed."""
    now = now or utcnow()
    cutoff = now - timedelta(days=get_settings().reverify_days)
    due = session.exec(
        select(Claim)
        .where(
            Claim.status == ClaimStatus.VERIFIED,
            col(Claim.method).in_(RECHECKED_METHODS),
            or_(col(Claim.last_checked_at).is_(None), col(Claim.last_checked_at) <= cutoff),
            col(Claim.id) > after_id,
        )
        .order_by(col(Claim.id))
        .limit(limit)
    ).all()
    suspended = inconclusive = 0
    for claim in due:
        proof = verifier.check(method=claim.method, domain=claim.domain, token=claim.token)
        if not proof.conclusive:
            inconclusive += 1  # try again at the next run; a blip must not cut a company off
            audit.record(
                session=session,
                actor=None,
                action="claim.recheck_inconclusive",
                target_type="claim",
                target_id=pk(claim),
                detail=proof.reason,
            )
            continue
        claim.last_checked_at = now
        if proof.ok:
            session.add(claim)
            audit.record(
                session=session,
                actor=None,
                action="claim.rechecked",
                target_type="claim",
                target_id=pk(claim),
                detail=proof.reason,
            )
            continue
        suspended += 1
        claim.status, claim.note = ClaimStatus.SUSPENDED, proof.reason[:500]
        session.add(claim)
        audit.record(
            session=session,
            actor=None,
            action="claim.suspended",
            target_type="claim",
            target_id=pk(claim),
            detail=proof.reason,
        )
        _mail_suspension(session, claim, now)
        _release_all(session, claim, now)
    session.flush()
    return Recheck(len(due), suspended, inconclusive, pk(due[-1]) if due else after_id)


def _release_all(session: Session, claim: Claim, now: datetime) -> None:
    """Nobody can answer for the company now: what its reps held goes back to the queue."""
    company = must_get(session, Company, claim.company_id)
    reps = session.exec(
        select(CompanyMember).where(
            col(CompanyMember.company_id) == company.id, col(CompanyMember.revoked_at).is_(None)
        )
    ).all()
    released.release(
        session=session,
        company=company,
        members=reps,
        actor=None,
        why="cannot act while the company's claim is suspended",
        because=f"{company.name}'s claim is suspended, so nobody can answer for it.",
        now=now,
    )


def _mail_suspension(session: Session, claim: Claim, now: datetime) -> None:
    company = must_get(session, Company, claim.company_id)
    claimant = must_get(session, User, claim.user_id)
    owners = {u.id: u for u in _owners(session, claim.company_id)} | {claimant.id: claimant}
    link = f"{get_settings().base_url.rstrip('/')}/claims/{claim.id}"
    for owner in owners.values():
        then = (
            f"press “Verify now” at {link}"
            if owner.id == claimant.id
            else f"{claimant.display_name}, who claimed it, can press “Verify now” on the claim"
        )
        queue_mail(
            session=session,
            key=f"claim-suspended:{claim.id}:{now:%Y%m%d}:{owner.id}",
            to=owner.email,
            subject=f"{company.name}'s claim on Outcry is suspended",
            text=(
                f"We re-checked the proof that {company.name} controls {claim.domain} and it is "
                f"gone:\n\n{claim.note}\n\nUntil it is back, nobody can answer for "
                f"{company.name} on Outcry. Put the proof back, then {then}.\n"
            ),
        )
