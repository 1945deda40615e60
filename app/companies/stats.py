"""A company's headline numbers: the statistics of app/stats/metrics.py (all time, every
category). Pages read them from the aggregates; ``live`` computes them from the company's own
complaints when no aggregate exists yet (a new company), bounded by that company's size."""

from datetime import datetime

from sqlmodel import Session

from app.clock import utcnow
from app.models.company import Company
from app.models.stats import StatFields
from app.stats import leaderboard
from app.stats.aggregates import load_records, targets_of
from app.stats.metrics import compute


def live(*, session: Session, company_id: int, now: datetime | None = None) -> StatFields:
    """All-time statistics computed now from the company's complaints."""
    company = session.get(Company, company_id)
    targets = targets_of(company) if company else None
    records = load_records(session=session, company_id=company_id)
    if targets is None:
        return compute(records, as_of=now or utcnow())
    return compute(records, as_of=now or utcnow(), targets=targets)


def headline(
    *, session: Session, company_id: int, now: datetime | None = None
) -> tuple[StatFields, datetime | None]:
    """The all-time numbers and when they were computed (None: just now, live)."""
    stored = leaderboard.headline(session=session, company_id=company_id)
    if stored is not None:
        return StatFields.model_validate(stored, from_attributes=True), stored.computed_at
    return live(session=session, company_id=company_id, now=now), None
