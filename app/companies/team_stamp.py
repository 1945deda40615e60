"""Keep ``Company.team_changed_at`` moving whenever its reps, saved replies, saved views, claims
or mail addresses change, so the reps' pages can be kept by the company row they read anyway
(app/dashboard/version.py) instead of reading each of those tables per request.

A flush hook, like app/complaints/touch.py: whichever service writes such a row, the company's
stamp moves in the same transaction. Bulk statements on these tables are not seen: their
callers touch the company themselves (``touch``).
"""

from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.models.company import Company
from app.models.complaint import SavedReply
from app.models.mail import MailAddress
from app.models.membership import Claim, CompanyMember
from app.models.team import SavedView

TEAM_ROWS = (CompanyMember, SavedReply, SavedView, Claim, MailAddress)
_TICK = timedelta(microseconds=1)


def touch(session: Session, company_id: int) -> None:
    """Move the company's stamp (strictly later than before, even within one clock tick)."""
    company = session.get(Company, company_id)
    if company is None or company in session.deleted:
        return
    now = utcnow()
    before = company.team_changed_at
    company.team_changed_at = now if before is None else max(now, before + _TICK)
    session.add(company)


def _touch_companies(session: Session, _context: Any, _instances: Any) -> None:
    owners = {
        obj.company_id
        for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, TEAM_ROWS) and isinstance(obj.company_id, int)
    }
    for company_id in owners:
        touch(session, company_id)


def install() -> None:
    """Registered once at start-up (app/startup.py)."""
    if not event.contains(Session, "before_flush", _touch_companies):
        event.listen(Session, "before_flush", _touch_companies)
