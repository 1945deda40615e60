"""Storing systemic issues per company, and reading them cheaply for the company page.

Groups are recomputed per company in the worker (app/systemic/jobs.py) and stored; pages only
read the stored groups, re-checking each member's visibility so a complaint hidden since the last
run disappears from its group (and a group that falls below the minimum disappears) at once.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from app.clock import utcnow
from app.complaints import visibility
from app.config import get_settings
from app.errors import NotFound
from app.models.company import Company
from app.models.complaint import Complaint
from app.models.keys import pk
from app.models.systemic import SystemicIssue, SystemicMember
from app.models.user import User
from app.systemic.grouping import Doc, group

# Only recent complaints are compared: a systemic issue is a current problem, and this bounds the
# work for the busiest companies.
LOOKBACK = timedelta(days=365)


def rebuild_company(*, session: Session, company_id: int, now: datetime | None = None) -> int:
    """Regroup one company's listed complaints; returns the number of groups stored. Flushes.

    An issue is named by its oldest complaint (anchor), so a group that grows keeps its id/URL.
    """
    now = now or utcnow()
    found = regroup(session=session, company_id=company_id, now=now)
    return store(session=session, company_id=company_id, found=found, now=now)


@dataclass(frozen=True)
class Groups:
    """A company's groups of complaint ids (oldest first), and when each complaint was filed."""

    ids: list[list[int]]
    created: dict[int, datetime]


def regroup(*, session: Session, company_id: int, now: datetime) -> Groups:
    """The reads and the comparing (the worker does them in a read snapshot, unlocked)."""
    settings = get_settings()
    # SQLModel's select() is typed for up to four columns; SQLAlchemy's takes these five.
    rows = session.execute(
        sa_select(
            col(Complaint.id),
            col(Complaint.author_id),
            col(Complaint.created_at),
            col(Complaint.title),
            col(Complaint.body),
        )
        .where(
            col(Complaint.company_id) == company_id,
            visibility.listed(),
            col(Complaint.created_at) >= now - LOOKBACK,
        )
        .order_by(col(Complaint.id))
    ).all()
    docs = [Doc(id=i, author_id=a, created_at=t, text=f"{ti}\n{b}") for i, a, t, ti, b in rows]
    groups = group(
        docs,
        similarity=settings.systemic_similarity,
        window=timedelta(days=settings.systemic_window_days),
        min_customers=settings.systemic_min_customers,
    )
    return Groups(ids=groups, created={d.id: d.created_at for d in docs})


def store(*, session: Session, company_id: int, found: Groups, now: datetime) -> int:
    """Replace the company's stored groups with ``found``. Flushes."""
    created = found.created
    existing = {
        issue.anchor_complaint_id: issue
        for issue in session.exec(
            select(SystemicIssue).where(SystemicIssue.company_id == company_id)
        )
    }
    members: dict[int, set[int]] = {}
    for issue_id, complaint_id in session.exec(
        select(SystemicMember.issue_id, SystemicMember.complaint_id).where(
            col(SystemicMember.issue_id).in_([issue.id for issue in existing.values()])
        )
    ):
        members.setdefault(issue_id, set()).add(complaint_id)
    keep: set[int] = set()
    for ids in found.ids:
        issue = existing.get(ids[0]) or SystemicIssue(
            company_id=company_id, anchor_complaint_id=ids[0], first_at=now, last_at=now
        )
        issue.first_at = min(created[i] for i in ids)
        issue.last_at = max(created[i] for i in ids)
        issue.computed_at = now
        session.add(issue)
        session.flush()
        keep.add(pk(issue))
        # Only the members that changed: a new one moves its complaint's updated_at (its page
        # shows the issue), which rewriting every member did to them all, every scan.
        had, has = members.get(pk(issue), set()), set(ids)
        if gone := had - has:
            session.execute(
                delete(SystemicMember).where(
                    col(SystemicMember.issue_id) == issue.id,
                    col(SystemicMember.complaint_id).in_(gone),
                )
            )
        if joined := sorted(has - had):
            _add_members(session, pk(issue), joined)
    for issue in existing.values():
        if issue.id not in keep:
            session.execute(delete(SystemicMember).where(col(SystemicMember.issue_id) == issue.id))
            session.delete(issue)
    session.flush()
    return len(found.ids)


def _add_members(session: Session, issue_id: int, ids: list[int]) -> None:
    """Insert the new members and move their complaints' ``updated_at`` (the pages' validators)
    in two statements: through the ORM, the flush hook (app/complaints/touch.py) loaded and
    updated each complaint one by one, 1.9 s of the write lock for a company's 1,591."""
    session.execute(
        insert(SystemicMember), [{"issue_id": issue_id, "complaint_id": i} for i in ids]
    )
    moment = utcnow()  # in the write transaction: no change to these rows can be later
    session.execute(
        update(Complaint)
        .where(col(Complaint.id).in_(ids), col(Complaint.updated_at) < moment)
        .values(updated_at=moment)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class IssueSummary:
    issue: SystemicIssue
    customers: int  # different consumers among its listed complaints
    complaints: int
    title: str  # the oldest listed complaint's title (public text)


def for_company(*, session: Session, company_id: int) -> list[IssueSummary]:
    """The company's systemic issues, biggest first; one grouped query plus one for titles."""
    minimum = get_settings().systemic_min_customers
    counts = session.exec(
        select(
            SystemicIssue,
            func.count(func.distinct(Complaint.author_id)),
            func.count(col(Complaint.id)),
            func.min(col(Complaint.id)),
        )
        .join(SystemicMember, col(SystemicMember.issue_id) == SystemicIssue.id)
        .join(Complaint, col(Complaint.id) == SystemicMember.complaint_id)
        .where(SystemicIssue.company_id == company_id, visibility.listed())
        .group_by(col(SystemicIssue.id))
        .having(func.count(func.distinct(Complaint.author_id)) >= minimum)
    ).all()
    first_ids = [first for *_, first in counts]
    titles = dict(
        session.exec(
            select(Complaint.id, Complaint.title).where(col(Complaint.id).in_(first_ids))
        ).all()
    )
    summaries = [
        IssueSummary(issue, customers, complaints, titles.get(first, ""))
        for issue, customers, complaints, first in counts
    ]
    return sorted(summaries, key=lambda s: (-s.customers, -s.complaints, s.issue.id or 0))


def issue_or_404(
    *, session: Session, company: Company, issue_id: int
) -> tuple[IssueSummary, list[tuple[Complaint, Company, User]]]:
    """One issue of ``company`` and its listed complaints, oldest first."""
    summary = next(
        (s for s in for_company(session=session, company_id=pk(company)) if s.issue.id == issue_id),
        None,
    )
    if summary is None:
        raise NotFound("There is no such issue for this company.")
    rows = session.execute(
        select(Complaint, Company, User)
        .join(SystemicMember, col(SystemicMember.complaint_id) == Complaint.id)
        .join(Company, col(Company.id) == Complaint.company_id)
        .join(User, col(User.id) == Complaint.author_id)
        .where(SystemicMember.issue_id == issue_id, visibility.listed())
        .order_by(col(Complaint.created_at), col(Complaint.id))
    ).all()
    return summary, [(c, co, u) for c, co, u in rows]
