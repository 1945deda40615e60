"""The owner's integrations page: tokens, webhooks and recent deliveries of one company."""

from dataclasses import dataclass

from sqlmodel import Session

from app.companies import members
from app.companies import service as companies
from app.integrations import tokens, webhooks
from app.integrations.webhooks import Delivery
from app.models.company import Company
from app.models.integration import ApiToken, Webhook
from app.models.keys import pk
from app.models.user import User


@dataclass(frozen=True)
class Overview:
    company: Company
    tokens: list[tuple[ApiToken, User | None]]
    webhooks: list[Webhook]
    deliveries: list[Delivery]
    held: dict[int, int]  # webhook id -> deliveries held while it was disabled


def owned_company(*, session: Session, slug: str, user: User) -> Company:
    """The company at ``slug`` if ``user`` is one of its owners (403 otherwise)."""
    company = companies.get_by_slug_or_404(session=session, slug=slug)
    members.require_owner(session=session, company_id=pk(company), user=user)
    return company


def overview(
    *, session: Session, slug: str, owner: User, only: webhooks.DeliveryFilter | None = None
) -> Overview:
    company = owned_company(session=session, slug=slug, user=owner)
    hooks = webhooks.for_company(session=session, company_id=pk(company))
    return Overview(
        company=company,
        tokens=tokens.for_company(session=session, company_id=pk(company)),
        webhooks=hooks,
        deliveries=webhooks.deliveries(session=session, company_id=pk(company), only=only),
        held={pk(h): len(webhooks.held(session=session, webhook_id=pk(h))) for h in hooks},
    )
