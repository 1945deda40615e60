"""Industries: a small fixed taxonomy (docs/industries.md), one sector per company, so a company
can be compared with its peers. Set by an admin or by the company's own verified staff; every
change is in the audit log with who made it and what it was before."""

from sqlmodel import Session

from app import audit
from app.companies import members
from app.errors import DomainError, Forbidden
from app.models.company import DEFAULT_SECTOR, SECTORS, Company
from app.models.user import User
from app.stats import aggregates


def label(sector: str) -> str:
    return SECTORS.get(sector, SECTORS[DEFAULT_SECTOR])


def check(sector: str) -> str:
    """A sector key from user input; DomainError naming the field for anything else."""
    if sector not in SECTORS:
        raise DomainError("Please choose one of the industries listed.")
    return sector


def can_edit(*, session: Session, company: Company, user: User | None) -> bool:
    if user is None:
        return False
    if user.is_admin:
        return True
    return members.membership(session=session, company_id=company.id or 0, user=user) is not None


def set_sector(*, session: Session, company: Company, sector: str, actor: User) -> bool:
    """Change the company's sector (flushes, never commits); False when it was already that."""
    if not can_edit(session=session, company=company, user=actor):
        raise Forbidden("Only an administrator or the company's own staff can change its industry.")
    check(sector)
    if company.sector == sector:
        return False
    audit.record(
        session=session,
        actor=actor,
        action="company.sector",
        target_type="company",
        target_id=company.id or 0,
        detail=f"{company.sector} -> {sector}",
    )
    company.sector = sector
    session.add(company)
    session.flush()
    # Its aggregates are rewritten, so cached leaderboards filtered by industry are renewed.
    aggregates.mark_dirty(session=session, company_id=company.id or 0)
    return True
