"""Due soon, at risk, breached: each complaint against the company's own declared targets (its
profile's answer and resolution days) as well as the platform's answer deadline, whichever
comes first."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col

from app.complaints.states import OPEN_STATES
from app.config import get_settings
from app.models.company import Company
from app.models.complaint import Complaint, ComplaintState

AT_RISK = timedelta(days=1)  # due within a day
DUE_SOON = timedelta(days=3)

BREACHED = "breached"
AT_RISK_LABEL = "at risk"
DUE_SOON_LABEL = "due soon"


@dataclass(frozen=True)
class Due:
    at: datetime
    against: str  # which promise: "your answer target", "the platform deadline", …
    status: str  # BREACHED, AT_RISK_LABEL, DUE_SOON_LABEL or ""


def _promises(company: Company) -> list[tuple[str, timedelta, bool]]:
    """(name, days from filing, whether it is met by the first answer)."""
    found = [("the platform deadline", timedelta(days=get_settings().response_deadline_days), True)]
    if company.target_response_days is not None:
        found.append(("your answer target", timedelta(days=company.target_response_days), True))
    if company.target_resolution_days is not None:
        found.append(
            ("your resolution target", timedelta(days=company.target_resolution_days), False)
        )
    return found


def due(complaint: Complaint, company: Company, *, now: datetime) -> Due | None:
    """The earliest promise this open complaint still owes, and how close it is."""
    if complaint.state not in OPEN_STATES:
        return None
    owed = [
        (complaint.created_at + days, name)
        for name, days, by_answer in _promises(company)
        if not (by_answer and complaint.first_response_at is not None)
    ]
    if not owed:
        return None
    at, against = min(owed)
    left = at - now
    status = (
        BREACHED
        if left <= timedelta(0)
        else AT_RISK_LABEL
        if left <= AT_RISK
        else DUE_SOON_LABEL
        if left <= DUE_SOON
        else ""
    )
    return Due(at=at, against=against, status=status)


def _open() -> ColumnElement[bool]:
    return col(Complaint.state).in_([s for s in OPEN_STATES if s != ComplaintState.RESOLVED])


def _bounds(
    company: Company, *, now: datetime, window: timedelta
) -> tuple[datetime, datetime | None]:
    """Filed at or before the first: an answer promise falls due (if still unanswered); at or
    before the second: the resolution promise does (None: the company declared none)."""
    promises = _promises(company)
    answer = min(days for _name, days, by_answer in promises if by_answer)
    resolution = [days for _name, days, by_answer in promises if not by_answer]
    return now + window - answer, (now + window - resolution[0]) if resolution else None


def within(company: Company, *, now: datetime, window: timedelta) -> ColumnElement[bool]:
    """Open complaints owing a promise that falls due before ``now + window`` (or already
    breached), as an SQL condition on the company's complaints; the latest filing time it
    can hold is stated too, so a scan in filing order ends there."""
    unanswered, unresolved = _bounds(company, now=now, window=window)
    created, unanswered_ = col(Complaint.created_at), col(Complaint.first_response_at).is_(None)
    answer = and_(created <= unanswered, unanswered_)
    if unresolved is None:
        return and_(_open(), answer)
    return and_(_open(), created <= max(unanswered, unresolved), or_(answer, created <= unresolved))


def within_ranges(
    company: Company, *, now: datetime, window: timedelta
) -> list[tuple[ColumnElement[bool], bool]]:
    """``within`` as disjoint conditions, each one range of the ``(company_id, state, …,
    created_at)`` indexes, so each can be counted up to a cap by reading that many entries;
    with each, whether it holds unanswered complaints only (a range of the index that has
    ``first_response_at`` before ``created_at``)."""
    unanswered, unresolved = _bounds(company, now=now, window=window)
    created, unanswered_ = col(Complaint.created_at), col(Complaint.first_response_at).is_(None)
    if unresolved is None:
        return [(and_(_open(), unanswered_, created <= unanswered), True)]
    if unanswered <= unresolved:
        return [(and_(_open(), created <= unresolved), False)]
    return [
        (and_(_open(), created <= unresolved), False),
        (and_(_open(), unanswered_, created > unresolved, created <= unanswered), True),
    ]
