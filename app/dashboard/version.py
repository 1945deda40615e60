"""What the reps' pages show of a company changes only when one of these moves, so those pages
are kept by them (app/web/rep_pages.py) and computed once per change, not per visit.

- the latest change to any of the company's complaints: every change moves ``updated_at`` (app/
  complaints/touch.py: messages, notes, assignments, timeline), one probe of
  ``ix_complaint_company_updated`` whatever the company's size;
- the company's row, read anyway to check the rep's access, with ``team_changed_at`` (its reps,
  saved replies and views, claims and mail addresses: app/companies/team_stamp.py);
- the minute: due dates turn "at risk" and "overdue" with the clock.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.models.complaint import Complaint


def latest_change(*, session: Session, company_id: int) -> datetime | None:
    latest: datetime | None = session.execute(
        select(func.max(Complaint.updated_at)).where(col(Complaint.company_id) == company_id)
    ).scalar_one()
    return latest


# An alias of its own (made once: building one per request was a quarter of a rep's page): the
# outer statement may join a complaint too, and correlating with it would read its clock only.
_changed = aliased(Complaint, name="changed")


def latest_change_of(company_id: Any) -> ScalarSelect[Any]:
    """``latest_change`` as a subquery, to be read with the company's row."""
    return (
        select(func.max(_changed.updated_at))
        .where(_changed.company_id == company_id)
        .scalar_subquery()
    )


def minute(now: datetime) -> int:
    return int(now.timestamp()) // 60
