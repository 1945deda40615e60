"""Companies' complaints addresses: anyone suggests one with the page it was found on, a
moderator approves it, and each address keeps its record (sent, bounced, answered). The best
approved address is used; one that bounced twice is retired and never used again."""

from email.utils import parseaddr

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.errors import Conflict, NotFound
from app.models.company import Company
from app.models.keys import pk
from app.models.mail import AddressStatus, MailAddress
from app.models.membership import Claim, ClaimStatus
from app.models.user import User

RETIRE_AFTER_BOUNCES = 2


def _normalise(raw: str) -> str:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise Conflict(f"That is not an email address: {exc}") from None


def claimed(session: Session, company_id: int) -> bool:
    return (
        session.exec(
            select(Claim.id).where(
                Claim.company_id == company_id, Claim.status == ClaimStatus.VERIFIED
            )
        ).first()
        is not None
    )


def addresses(*, session: Session, company: Company) -> list[MailAddress]:
    return list(
        session.exec(
            select(MailAddress)
            .where(MailAddress.company_id == company.id)
            .order_by(col(MailAddress.created_at), col(MailAddress.id))
        )
    )


def _score(address: MailAddress) -> tuple[int, int, int]:
    # Answers prove an address is read; bounces that it may not be; then the oldest approved.
    return (address.answered_count, -address.bounce_count, -(address.id or 0))


def best_address(*, session: Session, company: Company) -> str | None:
    """Where complaints against ``company`` are mailed, or None when it is not mailed at all:
    a company that claimed its profile answers on its dashboard unless it chose email."""
    if company.notices_unsubscribed_at is not None:
        return None
    if not company.answers_by_email and claimed(session, pk(company)):
        return None
    known = addresses(session=session, company=company)
    approved = [a for a in known if a.status == AddressStatus.APPROVED]
    if approved:
        return max(approved, key=_score).address
    # The profile's public contact address, unless it bounced twice or a moderator refused it.
    refused = {
        a.address for a in known if a.status in (AddressStatus.RETIRED, AddressStatus.REJECTED)
    }
    if company.contact_email and company.contact_email.lower() not in refused:
        return company.contact_email
    return None


def suggest(
    *, session: Session, company: Company, address: str, source_url: str, user: User | None
) -> MailAddress:
    normalised = _normalise(address)
    source_url = source_url.strip()
    if not source_url.startswith(("https://", "http://")):
        raise Conflict("Please give the web page where this address is published (a link).")
    existing = session.exec(
        select(MailAddress).where(
            MailAddress.company_id == company.id, MailAddress.address == normalised
        )
    ).first()
    if existing is not None:
        if existing.status == AddressStatus.RETIRED:
            raise Conflict("Mail to this address bounced twice; it is no longer used.")
        return existing
    suggestion = MailAddress(
        company_id=pk(company),
        address=normalised,
        source_url=source_url[:500],
        suggested_by_id=user.id if user else None,
    )
    session.add(suggestion)
    session.flush()
    return suggestion


def review(*, session: Session, address_id: int, moderator: User, approve: bool) -> MailAddress:
    address = session.get(MailAddress, address_id)
    if address is None:
        raise NotFound("There is no such suggested address.")
    if address.status == AddressStatus.RETIRED:
        raise Conflict("This address was retired after bouncing; it cannot be approved.")
    address.status = AddressStatus.APPROVED if approve else AddressStatus.REJECTED
    address.reviewed_by_id = moderator.id
    session.add(address)
    audit.record(
        session=session,
        actor=moderator,
        action=f"mail_address.{'approve' if approve else 'reject'}",
        target_type="mail_address",
        target_id=pk(address),
        detail=f"{address.address} (source: {address.source_url})",
    )
    return address


def pending(*, session: Session) -> list[tuple[MailAddress, Company]]:
    return list(
        session.exec(
            select(MailAddress, Company)
            .join(Company, col(Company.id) == MailAddress.company_id)
            .where(MailAddress.status == AddressStatus.SUGGESTED)
            .order_by(col(MailAddress.created_at))
        ).all()
    )


def _row(session: Session, company_id: int, recipient: str) -> MailAddress:
    """The directory row of an address mailed (a profile's contact address gets one on first
    use, so its record is kept like any other)."""
    recipient = parseaddr(recipient)[1].lower()
    row = session.exec(
        select(MailAddress).where(
            MailAddress.company_id == company_id, MailAddress.address == recipient
        )
    ).first()
    if row is None:
        row = MailAddress(
            company_id=company_id,
            address=recipient,
            source_url="",
            status=AddressStatus.APPROVED,
        )
        session.add(row)
        session.flush()
    return row


def record_sent(*, session: Session, company_id: int, recipient: str) -> None:
    row = _row(session, company_id, recipient)
    row.sent_count += 1
    session.add(row)


def record_answered(*, session: Session, company_id: int, recipient: str) -> None:
    row = _row(session, company_id, recipient)
    row.answered_count += 1
    session.add(row)


def record_bounce(*, session: Session, company_id: int, recipient: str) -> MailAddress:
    row = _row(session, company_id, recipient)
    row.bounce_count += 1
    row.last_bounce_at = utcnow()
    if row.bounce_count >= RETIRE_AFTER_BOUNCES:
        row.status = AddressStatus.RETIRED
    session.add(row)
    return row
