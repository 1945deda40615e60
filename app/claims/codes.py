"""Six-digit codes mailed to an address at the claimed domain: single-use, valid 10 minutes,
dead after a few wrong tries (docs/security-references.md). Stored as a keyed
hash in OneTimeToken (purpose CLAIM_CODE, subject = the claim)."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app import audit
from app.claims.verifier import Proof, Verifier
from app.clock import as_utc, utcnow
from app.config import get_settings
from app.db import must_get
from app.errors import Conflict, NotFound
from app.models.company import Company
from app.models.keys import pk
from app.models.membership import Claim, ClaimMethod, ClaimStatus
from app.models.token import OneTimeToken, Purpose
from app.models.user import User

CODE_MINUTES = 10
CODE_ATTEMPTS = 5  # wrong guesses before a code dies
CODES_PER_CLAIM = 5  # so at most 25 guesses at a million codes per claim


def _code_hash(claim_id: int, code: str) -> str:
    # Keyed and bound to the claim: a leaked table does not give away a 6-digit code by brute
    # force, and equal codes on two claims never collide on the unique hash.
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"claim-code:{claim_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _codes(session: Session, claim: Claim) -> list[OneTimeToken]:
    return list(
        session.exec(
            select(OneTimeToken)
            .where(
                OneTimeToken.purpose == Purpose.CLAIM_CODE,
                OneTimeToken.subject_id == claim.id,
            )
            .order_by(col(OneTimeToken.id).desc())
        )
    )


def send_code(
    *, session: Session, claim: Claim, user: User, verifier: Verifier, now: datetime | None = None
) -> OneTimeToken:
    """Mail a new 6-digit code to the claim's address (through the verifier's mailer: the
    mail is the proof); earlier codes stop working."""
    now = now or utcnow()
    if claim.user_id != user.id:
        raise NotFound("There is no claim with that number.")
    if claim.method is not ClaimMethod.EMAIL or claim.email is None:
        raise Conflict("This claim is not verified by email.")
    if claim.status is not ClaimStatus.PENDING or as_utc(claim.expires_at) <= now:
        raise Conflict("This claim is no longer waiting for a code. Start a new claim.")
    sent = _codes(session, claim)
    if len(sent) >= CODES_PER_CLAIM:
        raise Conflict(
            f"{CODES_PER_CLAIM} codes have been sent for this claim already. Start a new claim, "
            "or use the DNS record or the website file."
        )
    taken = {t.token_hash for t in sent}
    while (code := f"{secrets.randbelow(10**6):06d}") and _code_hash(pk(claim), code) in taken:
        continue
    for old in sent:
        old.used_at = old.used_at or now
        session.add(old)
    token = OneTimeToken(
        token_hash=_code_hash(pk(claim), code),
        purpose=Purpose.CLAIM_CODE,
        user_id=user.id,
        subject_id=claim.id,
        created_at=now,
        expires_at=now + timedelta(minutes=CODE_MINUTES),
    )
    session.add(token)
    session.flush()
    company = must_get(session, Company, claim.company_id)
    verifier.mailer(
        session=session,
        key=f"claim-code:{claim.id}:{token.id}",
        to=claim.email,
        subject=f"Your Outcry code for claiming {company.name}: {code}",
        text=(
            f"{user.display_name} asked to claim {company.name} on Outcry and gave this address "
            f"to prove it.\n\nYour code: {code}\n\nIt works once, for {CODE_MINUTES} minutes. "
            "If you did not ask for it, ignore this message: nobody gets access without the "
            "code.\n"
        ),
    )
    audit.record(
        session=session,
        actor=user,
        action="claim.code_sent",
        target_type="claim",
        target_id=pk(claim),
        detail=f"to {claim.email}",
    )
    return token


def check(session: Session, claim: Claim, code: str, now: datetime) -> Proof:
    sent = _codes(session, claim)
    if not sent:
        return Proof(False, "No code has been sent for this claim yet. Press “Send a new code”.")
    latest = sent[0]
    given = code.strip().replace(" ", "")
    matches = given.isdigit() and hmac.compare_digest(
        latest.token_hash, _code_hash(pk(claim), given)
    )
    if latest.used_at is not None:
        if latest.attempts >= CODE_ATTEMPTS:
            return Proof(False, "Too many wrong codes: this code no longer works. Send a new one.")
        if matches:
            return Proof(False, "That code has already been used. Each code works only once.")
        return Proof(False, "That code no longer works. Send a new one.")
    if as_utc(latest.expires_at) <= now:
        return Proof(
            False, f"That code has expired (codes last {CODE_MINUTES} minutes). Send a new one."
        )
    if not matches:
        latest.attempts += 1
        left = CODE_ATTEMPTS - latest.attempts
        if left <= 0:
            latest.used_at = now
        session.add(latest)
        if left <= 0:
            return Proof(False, "Too many wrong codes: this code no longer works. Send a new one.")
        return Proof(False, f"That is not the code we sent. {left} tries left.")
    latest.used_at = now
    session.add(latest)
    return Proof(True, f"The code sent to {claim.email} matches.")
