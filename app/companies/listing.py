"""What the companies list shows beside each name: its complaints and whether it claimed its page."""

from dataclasses import dataclass

from sqlalchemy import case
from sqlmodel import Session, col, func, select

from app.complaints.visibility import listed
from app.models.complaint import Complaint, ComplaintState
from app.models.membership import Claim, ClaimStatus

OPEN_STATES = [ComplaintState.OPEN, ComplaintState.ANSWERED, ComplaintState.DISPUTED]


@dataclass(frozen=True)
class Facts:
    complaints: int = 0
    still_open: int = 0
    claimed: bool = False


def facts(*, session: Session, company_ids: list[int]) -> dict[int, Facts]:
    """Two grouped queries for one page of companies, whatever their sizes."""
    if not company_ids:
        return {}
    is_open = case((col(Complaint.state).in_(OPEN_STATES), 1), else_=0)
    counts = {
        company_id: (total, still_open)
        for company_id, total, still_open in session.exec(
            select(Complaint.company_id, func.count(), func.coalesce(func.sum(is_open), 0))
            .where(col(Complaint.company_id).in_(company_ids), listed())
            .group_by(col(Complaint.company_id))
        )
    }
    claimed = set(
        session.exec(
            select(Claim.company_id).where(
                col(Claim.company_id).in_(company_ids), Claim.status == ClaimStatus.VERIFIED
            )
        )
    )
    return {cid: Facts(*counts.get(cid, (0, 0)), claimed=cid in claimed) for cid in company_ids}
