"""Mark a company's statistics dirty on changes that emit no domain event: a moderator changing
a complaint's visibility (what ``counted()`` admits) and co-signs. The minute's ``stats.refresh``
sweep (app/stats/jobs.py) then recomputes the company, as it does after events."""

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session


@event.listens_for(Session, "before_flush")
def _mark_statistics_dirty(session: Session, _context: Any, _instances: Any) -> None:
    from app.models.complaint import Complaint, CoSign  # models import this module
    from app.stats.aggregates import mark_dirty

    companies: set[int] = set()
    for obj in session.dirty:
        if isinstance(obj, Complaint) and inspect(obj).attrs["visibility"].history.has_changes():
            companies.add(obj.company_id)
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, CoSign) and (complaint := session.get(Complaint, obj.complaint_id)):
            companies.add(complaint.company_id)
    for company_id in sorted(companies):
        mark_dirty(session=session, company_id=company_id)
