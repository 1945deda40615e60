"""What a company's public page shows changes only when one of these moves: read in one round
trip of index probes, so revalidating the page costs the same whatever the company's size."""

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.models.complaint import Complaint
from app.models.stats import CompanyStat
from app.models.systemic import SystemicIssue
from app.stats import peers


def page_version(*, session: Session, company_id: int, sector: str) -> tuple[Any, ...]:
    """The latest change to the company's complaints first (every change moves ``updated_at``,
    see app/complaints/touch.py), then when its headline aggregate was computed, its systemic
    issues' count and latest regrouping (a regroup stamps every issue it keeps), and when its
    industry's medians were last rewritten."""
    issues = col(SystemicIssue.company_id) == company_id
    row = session.execute(
        select(
            select(func.max(Complaint.updated_at))
            .where(col(Complaint.company_id) == company_id)
            .scalar_subquery(),
            select(col(CompanyStat.computed_at))
            .where(
                col(CompanyStat.company_id) == company_id,
                col(CompanyStat.period) == "all",
                col(CompanyStat.category) == "",
            )
            .scalar_subquery(),
            select(func.count()).select_from(SystemicIssue).where(issues).scalar_subquery(),
            select(func.max(SystemicIssue.computed_at)).where(issues).scalar_subquery(),
            peers.computed_at_query(scope=sector),
        )
    ).one()
    return tuple(row)
