"""Whether anyone may see a company, stored on it (``Company.listed``).

A company is listed when nobody's filing created it (an admin, an import or the seed data did),
or once a complaint against it has reached it (published; moderating it afterwards does not undo
that). A company a filing named while its complaint waits for the author's verification or for
review stays as unlisted as that complaint, so a typo or an insult typed as a company name is
public only once a published complaint stands behind it.

Lists, search, suggestions and the company pages read the column; before it, each company was
decided by probing its complaints (an EXISTS per company, read for every company the companies
list or the name suggester considered).

A flush hook keeps it right in the transaction that decides it, whichever code writes the
complaint or the company (filing, publishing on verification, a moderator's release, a merge
moving complaints): a change that can only list a company sets the flag on the company object
before the flush; one that could unlist it (a complaint moved away or back to waiting) is
decided in SQL after the flush, when the complaint rows it depends on are written.
"""

from typing import Any

from sqlalchemy import ColumnElement, event, exists, inspect, or_, update
from sqlalchemy.orm import Session
from sqlmodel import col

from app.complaints.visibility import has_reached_company, reached_company
from app.models.company import Company
from app.models.complaint import Complaint

_RECHECK = "companies.listed.recheck"  # session.info key: company ids to decide after the flush
_DECIDING = ("visibility", "visibility_reason", "company_id")


def decided() -> ColumnElement[bool]:
    """SQL for what ``Company.listed`` stores (the migration and ``settle`` compute it)."""
    return or_(
        col(Company.created_by_id).is_(None),
        exists().where(col(Complaint.company_id) == Company.id, reached_company()),
    )


def settle(*, session: Session, company_ids: list[int] | None = None) -> None:
    """Recompute the stored flag from the complaints (``None``: every company)."""
    stmt = update(Company).values(listed=decided())
    if company_ids is not None:
        stmt = stmt.where(col(Company.id).in_(company_ids))
    session.execute(stmt.execution_options(synchronize_session=False))
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Company) and (company_ids is None or obj.id in company_ids):
            session.expire(obj, ["listed"])


def filed(*, session: Session, company: Company, complaint: Complaint) -> None:
    """A complaint just inserted past the ORM (the filing's one-statement insert, which no
    flush hook sees): list its company if it reached it."""
    if not company.listed and has_reached_company(complaint):
        company.listed = True
        session.add(company)


def install() -> None:
    """Registered once at start-up (app/startup.py): every session of the process keeps it."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush_postexec", _after_flush)


def _history(obj: Any, attribute: str) -> tuple[list[Any], bool]:
    """Earlier values of ``attribute`` still in the database, and whether it changed."""
    history = inspect(obj).attrs[attribute].history
    return list(history.deleted or ()), history.has_changes()


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    listing: set[int] = set()
    recheck: set[int] = set()
    for obj in session.new:
        if isinstance(obj, Company) and obj.created_by_id is None:
            obj.listed = True
        elif isinstance(obj, Complaint) and obj.company_id and has_reached_company(obj):
            listing.add(obj.company_id)
    for obj in session.dirty:
        if isinstance(obj, Complaint):
            changes = [_history(obj, name) for name in _DECIDING]
            if not any(changed for _, changed in changes):
                continue
            recheck.update(i for i in changes[2][0] if isinstance(i, int))  # moved away from
            (listing if has_reached_company(obj) else recheck).add(obj.company_id)
        elif isinstance(obj, Company) and _history(obj, "created_by_id")[1]:
            if obj.created_by_id is None:
                obj.listed = True
            else:
                recheck.add(obj.id or 0)
    for company_id in listing:
        company = session.get(Company, company_id)
        if company is not None and not company.listed:
            company.listed = True
    if recheck - listing:
        session.info.setdefault(_RECHECK, set()).update(recheck - listing)


def _after_flush(session: Session, _context: Any) -> None:
    company_ids = session.info.pop(_RECHECK, None)
    if company_ids:
        settle(session=session, company_ids=sorted(company_ids))
