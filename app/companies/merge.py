"""Merging a company into another: a typo ("Tidewatter Cabel") that became its own company.

Everything about the duplicate moves to the company it duplicates — complaints, claims, reps,
invitations, API tokens and webhooks, moderation records — its statistics and systemic groups are
recomputed from the moved complaints, its address answers 301 to the other one, and the merge is
audited. Frozen leaderboard snapshots keep the rows they had.
"""

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.companies import team_stamp
from app.errors import Conflict
from app.models.company import Company, CompanyRedirect
from app.models.complaint import Complaint
from app.models.integration import ApiToken, Webhook
from app.models.keys import pk
from app.models.membership import Claim, CompanyMember, Invitation
from app.models.moderation import ModerationAction
from app.models.user import User
from app.stats.aggregates import mark_dirty
from app.systemic import jobs as systemic_jobs

MOVED = (Claim, Invitation, ApiToken, Webhook, ModerationAction, CompanyRedirect)


def merge(
    *,
    session: Session,
    source: Company,
    target: Company,
    actor: User,
    now: datetime | None = None,
) -> int:
    """Fold ``source`` into ``target``; returns how many complaints moved."""
    now = now or utcnow()
    if source.id == target.id:
        raise Conflict("A company cannot be merged into itself.")
    moved = session.exec(select(Complaint).where(Complaint.company_id == source.id)).all()
    for complaint in moved:
        complaint.company_id = pk(target)
        complaint.updated_at = now  # the pages of both companies change
        session.add(complaint)
    for model in MOVED:
        session.execute(
            update(model).where(col(model.company_id) == source.id).values(company_id=target.id)
        )
    _move_members(session, source, target)
    # The duplicate's address keeps working: its slug now points at the company it joined.
    session.add(CompanyRedirect(slug=source.slug, company_id=pk(target), created_at=now))
    if target.domain is None and source.domain is not None:
        target.domain, source.domain = source.domain, None
        session.add(source)
        session.flush()  # the unique domain leaves the duplicate before the target takes it
        session.add(target)
    audit.record(
        session=session,
        actor=actor,
        action="company.merge",
        target_type="company",
        target_id=pk(target),
        detail=f"merged {source.name!r} ({source.slug}, {len(moved)} complaints) into this one",
    )
    session.flush()
    session.delete(source)  # its statistics, charts and systemic groups go with it (cascade)
    session.flush()
    mark_dirty(session=session, company_id=pk(target), now=now)
    systemic_jobs.queue_company(session=session, company_id=pk(target), now=now)
    return len(moved)


def _move_members(session: Session, source: Company, target: Company) -> None:
    """A rep of both keeps their membership of the target; the others move across."""
    already = set(
        session.exec(select(CompanyMember.user_id).where(CompanyMember.company_id == target.id))
    )
    if already:
        session.execute(
            delete(CompanyMember).where(
                col(CompanyMember.company_id) == source.id,
                col(CompanyMember.user_id).in_(already),
            )
        )
    session.execute(
        update(CompanyMember)
        .where(col(CompanyMember.company_id) == source.id)
        .values(company_id=target.id)
    )
    team_stamp.touch(session, pk(target))  # a bulk statement: the flush hook cannot see it


def redirect_for(*, session: Session, slug: str) -> Company | None:
    """The company a merged company's old address now belongs to."""
    row = session.get(CompanyRedirect, slug)
    return session.get(Company, row.company_id) if row else None
