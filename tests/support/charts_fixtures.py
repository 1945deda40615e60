"""Hand-made complaints with exact timestamps, for the chart, feed, badge and oEmbed tests."""

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session

from app.charts import cache
from app.models.company import Company
from app.models.complaint import Complaint, ComplaintState, ResolutionType, Visibility
from app.web import memo
from tests.support.factories import make_complaint

SVG_NS = "{http://www.w3.org/2000/svg}"
ATOM_NS = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def fresh_chart_caches() -> Iterator[None]:
    """Company ids repeat across rolled-back tests: never reuse another test's drawings."""
    cache.clear()
    memo.forget_all()
    yield
    cache.clear()
    memo.forget_all()


def complaint_at(
    db: Session,
    *,
    company: str,
    created: datetime,
    answered_after: timedelta | None = None,
    state: ComplaintState = ComplaintState.OPEN,
    resolution: ResolutionType | None = None,
    resolved_after: timedelta | None = None,
    closed_after: timedelta | None = None,
    visibility: Visibility = Visibility.PUBLIC,
    **overrides: object,
) -> Complaint:
    """A complaint filed at ``created`` whose later timestamps are set directly."""
    complaint = make_complaint(db, now=created, company_name=company, **overrides)
    complaint.first_response_at = created + answered_after if answered_after else None
    complaint.state = state
    complaint.resolution_type = resolution
    complaint.resolved_at = created + resolved_after if resolved_after else None
    complaint.closed_at = created + closed_after if closed_after else None
    complaint.visibility = visibility
    complaint.updated_at = created + max(
        (d for d in (answered_after, resolved_after, closed_after) if d), default=timedelta(0)
    )
    db.add(complaint)
    db.flush()
    return complaint


def company_of(db: Session, complaint: Complaint) -> Company:
    company = db.get(Company, complaint.company_id)
    assert company is not None
    return company
