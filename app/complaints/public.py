"""The public shape of a complaint: what the API and exports may show, nothing private."""

from app.complaints import turn
from app.complaints.flags import flags
from app.config import get_settings
from app.models.company import Company, CompanyPublic
from app.models.complaint import Channel, Complaint, ComplaintPublic
from app.models.keys import pk
from app.models.user import User


def complaint_url(complaint_id: int) -> str:
    return f"{get_settings().base_url}/complaints/{complaint_id}"


def company_url(slug: str) -> str:
    return f"{get_settings().base_url}/companies/{slug}"


def complaint_public(
    complaint: Complaint, company: Company, author: User, attempts: dict[Channel, int]
) -> ComplaintPublic:
    f = flags(complaint)
    waiting = turn.current(complaint)
    return ComplaintPublic(
        **complaint.model_dump(
            include={
                "id",
                "title",
                "body",
                "category",
                "desired_outcome",
                "state",
                "resolution_type",
                "contact_since",
                "created_at",
                "first_response_at",
                "resolved_at",
                "closed_at",
            }
        ),
        url=complaint_url(pk(complaint)),
        company=company.name,
        company_slug=company.slug,
        author=author.display_name,
        overdue=f.overdue,
        very_overdue=f.very_overdue,
        resolved_unconfirmed=f.resolved_unconfirmed,
        deadline=f.deadline,
        cosigns=complaint.cosign_count,
        handoffs=complaint.handoff_count,
        waiting_for=waiting.turn,
        waiting_reason=waiting.why,
        waiting_since=waiting.since,
        contact_attempts={ch.value: n for ch, n in attempts.items()},
    )


def company_public(company: Company) -> CompanyPublic:
    return CompanyPublic(**company.model_dump(), url=company_url(company.slug))
