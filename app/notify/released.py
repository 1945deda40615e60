"""Nobody owns a complaint they cannot act on. A rep removed from the team, a suspended account,
or a company whose claim is suspended: the open complaints they held go back to the unassigned
queue on the record, the public page stops naming them, and the owners are mailed once with the
list. One path for all three."""

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from app.clock import utcnow
from app.complaints import company as company_side
from app.models.company import Company
from app.models.complaint import Complaint
from app.models.keys import pk
from app.models.membership import CompanyMember
from app.models.user import User
from app.notify import compose, turns, unsubscribe
from app.notify.unsubscribe import Preference


def release(
    *,
    session: Session,
    company: Company,
    members: Sequence[CompanyMember],
    actor: User | None,
    why: str,
    because: str,
    now: datetime | None = None,
) -> list[Complaint]:
    """Release what ``members`` held at ``company`` and tell the owners. ``why``: the record's
    words ("was suspended"); ``because``: the mail's sentence saying what happened."""
    now = now or utcnow()
    released: list[Complaint] = []
    for member in members:
        released += company_side.release(
            session=session,
            company_id=pk(company),
            user_id=member.user_id,
            actor=actor,
            why=why,
            now=now,
        )
    if not released:
        return released
    probe = released[0]  # any complaint of the company: unassigned now, so its owners are asked
    for owner in turns.company_recipients(session=session, complaint=probe):
        compose.queue(
            session=session,
            key=f"released:{company.id}:{owner.id}:{now.timestamp():.6f}",
            to=owner.email,
            template="released",
            unsubscribe_token=unsubscribe.token_for_user(owner, Preference.ASSIGNMENTS),
            recipient=owner,
            company=company,
            because=because,
            complaints=released,
        )
    return released
