"""The owners hear when a removed rep's open complaints went back to the unassigned queue."""

from sqlmodel import Session

from app.models.company import Company
from app.models.complaint import Complaint
from app.models.membership import CompanyMember
from app.notify import compose, turns, unsubscribe
from app.notify.unsubscribe import Preference


def tell_owners(
    *, session: Session, company: Company, former: CompanyMember, released: list[Complaint]
) -> None:
    if not released:
        return
    probe = released[0]  # any complaint of the company: unassigned now, so its owners are asked
    for owner in turns.company_recipients(session=session, complaint=probe):
        compose.queue(
            session=session,
            key=f"released:{former.id}:{owner.id}:{former.revoked_at.timestamp():.6f}",
            to=owner.email,
            template="released",
            unsubscribe_token=unsubscribe.token_for_user(owner, Preference.ASSIGNMENTS),
            recipient=owner,
            company=company,
            former=former,
            complaints=released,
        )
