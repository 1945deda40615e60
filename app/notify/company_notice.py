"""Telling an unclaimed company about a new complaint, once, at its public contact address.

The complaint page then says "Acme was notified at support@acme.example on 3 May 2026" — recorded
only once the message has actually been sent (or kept, in development).
"""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.models.company import Company
from app.models.complaint import Complaint
from app.models.job import Job
from app.notify import compose, unsubscribe
from app.notify.mail import after_sent

STEP = "company_notified"


def queue_notice(*, session: Session, complaint: Complaint, company: Company) -> Job | None:
    if not company.contact_email or company.notices_unsubscribed_at is not None:
        return None
    return compose.queue(
        session=session,
        key=f"company-notice:{complaint.id}",
        to=company.contact_email,
        template="company_notice",
        unsubscribe_token=unsubscribe.token_for_company(company),
        then=STEP,
        data={"complaint_id": complaint.id},
        complaint=complaint,
        company=company,
    )


@after_sent(STEP)
def record_notified(session: Session, payload: dict[str, Any], sent_at: datetime) -> None:
    complaint = session.get(Complaint, payload["data"]["complaint_id"])
    if complaint is not None and complaint.company_notified_at is None:
        complaint.company_notified_at = sent_at
        complaint.company_notified_to = payload["to"]
        session.add(complaint)
