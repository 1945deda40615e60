"""Workload per rep, for the team page: what each active rep owns and how it stands."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case
from sqlmodel import Session, col, func, select

from app.clock import utcnow
from app.complaints import visibility
from app.complaints.flags import overdue_cutoff
from app.complaints.states import OPEN_STATES
from app.dashboard import targets
from app.models.company import Company
from app.models.complaint import Complaint, Message, Side
from app.models.membership import CompanyMember


@dataclass(frozen=True)
class Load:
    member: CompanyMember
    open: int = 0
    overdue: int = 0
    at_risk: int = 0
    answered_week: int = 0  # public replies signed by them in the last 7 days


def per_rep(*, session: Session, company: Company, now: datetime | None = None) -> list[Load]:
    now = now or utcnow()
    reps = list(
        session.exec(
            select(CompanyMember)
            .where(CompanyMember.company_id == company.id, col(CompanyMember.revoked_at).is_(None))
            .order_by(col(CompanyMember.public_name), col(CompanyMember.id))
        )
    )
    open_ = col(Complaint.state).in_(list(OPEN_STATES))
    overdue = and_(
        col(Complaint.first_response_at).is_(None),
        col(Complaint.created_at) <= overdue_cutoff(now=now),
    )
    at_risk = targets.within(company, now=now, window=targets.AT_RISK)
    owned = session.execute(
        select(
            Complaint.assignee_id,
            func.count(),
            func.sum(case((overdue, 1), else_=0)),
            func.sum(case((at_risk, 1), else_=0)),
        )
        .where(
            Complaint.company_id == company.id,
            visibility.reached_company(),
            open_,
            col(Complaint.assignee_id).is_not(None),
        )
        .group_by(col(Complaint.assignee_id))
    ).all()
    answered: dict[int, int] = dict(
        session.execute(
            select(Message.author_id, func.count(func.distinct(Message.complaint_id)))
            .join(Complaint, col(Complaint.id) == Message.complaint_id)
            .where(
                Complaint.company_id == company.id,
                Message.side == Side.COMPANY,
                col(Message.created_at) >= now - timedelta(days=7),
            )
            .group_by(col(Message.author_id))
        ).all()
    )
    by_user = {uid: (n, int(o or 0), int(r or 0)) for uid, n, o, r in owned}
    return [
        Load(
            m,
            *by_user.get(m.user_id, (0, 0, 0)),
            answered_week=int(answered.get(m.user_id, 0)),
        )
        for m in reps
    ]
