"""Keep ``Complaint.updated_at`` moving whenever anything its public page shows changes.

HTTP validators (app/web/caching.py) read one column by primary key instead of everything the
page shows, so every write path must move it: the services set it themselves, and this flush hook
catches the rest — co-signs, broadcasts, moderation of a message, a redaction — for any row that
belongs to a complaint (has ``complaint_id``), whichever helper's code wrote it.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.models.complaint import Complaint

_TICK = timedelta(microseconds=1)


def _changed(obj: Any, attribute: str) -> bool:
    return bool(inspect(obj).attrs[attribute].history.has_changes())


def install() -> None:
    """Registered once at start-up (app/startup.py): every session of the process keeps it."""
    if not event.contains(Session, "before_flush", _touch_complaints):
        event.listen(Session, "before_flush", _touch_complaints)


def _touch_complaints(session: Session, _context: Any, _instances: Any) -> None:
    owners: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Complaint):
            if obj in session.dirty and session.is_modified(obj) and obj.id is not None:
                owners.add(obj.id)
        elif isinstance(cid := getattr(obj, "complaint_id", None), int):
            owners.add(cid)
    if not owners:
        return
    now = utcnow()
    for cid in owners:
        complaint = session.get(Complaint, cid)
        if complaint is None or complaint in session.deleted or _changed(complaint, "updated_at"):
            continue  # gone, or the service already dated this change itself
        # Strictly later than before, even when two changes land within one clock tick.
        complaint.updated_at = max(now, complaint.updated_at + _TICK)


def site_last_change(*, session: Session) -> datetime | None:
    """The latest change to any complaint: the validator of pages listing complaints from every
    company (home, API lists), one probe of the ``updated_at`` index."""
    return session.execute(select(func.max(Complaint.updated_at))).scalar_one()
