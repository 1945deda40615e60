"""A claimed company's choice of answering by email: its owners switch it on and off on the
dashboard. On, each complaint and follow-up is mailed to the company's complaints address from
a reply address, as for a company that never signed up, and a reply from its verified domain
with aligned DKIM is published as its answer. Off (the default once claimed), its reps are told
on Outcry and answer on the dashboard."""

from dataclasses import dataclass

from sqlmodel import Session

from app import audit
from app.mailchannel import directory, outbound, process
from app.models.company import Company
from app.models.user import User


@dataclass(frozen=True)
class Channel:
    chosen: bool  # the company's setting
    claimed: bool
    address: str | None  # where complaints are mailed now; None when they are not
    verified_domain: str | None  # replies from here, DKIM-signed and aligned, are published
    site_enabled: bool  # this Outcry sends mail from reply addresses (OUTCRY_MAIL_DOMAIN)

    @property
    def mailed(self) -> bool:
        return self.site_enabled and self.address is not None


def _saved_id(company: Company) -> int:
    if company.id is None:
        raise ValueError("the company is not saved yet")
    return company.id


def status(*, session: Session, company: Company) -> Channel:
    return Channel(
        chosen=company.answers_by_email,
        claimed=directory.claimed(session, _saved_id(company)),
        address=directory.best_address(session=session, company=company),
        verified_domain=process.verified_domain(session, company),
        site_enabled=outbound.enabled(),
    )


def choose(*, session: Session, company: Company, actor: User, by_email: bool) -> bool:
    """Record the owner's choice; False when it was already so (nothing audited)."""
    if company.answers_by_email == by_email:
        return False
    company.answers_by_email = by_email
    session.add(company)
    audit.record(
        session=session,
        actor=actor,
        action="company.answers_by_email",
        target_type="company",
        target_id=_saved_id(company),
        detail="on" if by_email else "off",
    )
    session.flush()
    return True
