"""A company's chart numbers, stored by the statistics worker beside the aggregates (the same
refresh, the same freshness), and read back by the statistics page."""

from datetime import datetime

from sqlmodel import Session, select

from app.charts import data
from app.models.stats import CompanyChart


def save(*, session: Session, company_id: int, now: datetime) -> None:
    """Compute and store the company's numbers as of ``now`` (flushes, never commits)."""
    store(session=session, company_id=company_id, now=now, numbers=compute(
        session=session, company_id=company_id, now=now))  # fmt: skip


def compute(*, session: Session, company_id: int, now: datetime) -> dict:
    """The company's numbers as of ``now``, ready to store (reads only)."""
    return data.to_json(data.numbers(data.load(session=session, company_id=company_id), now))


def store(*, session: Session, company_id: int, now: datetime, numbers: dict) -> None:
    """Store numbers from ``compute`` (flushes, never commits)."""
    row = session.get(CompanyChart, company_id) or CompanyChart(company_id=company_id)
    row.computed_at = now
    row.data = numbers
    session.add(row)
    session.flush()


def computed_at(*, session: Session, company_id: int) -> datetime | None:
    """When the stored numbers were computed (a primary-key probe; the JSON stays unread)."""
    return session.exec(
        select(CompanyChart.computed_at).where(CompanyChart.company_id == company_id)
    ).first()


def read(*, session: Session, company_id: int) -> data.Numbers | None:
    row = session.get(CompanyChart, company_id)
    return data.from_json(row.data) if row is not None else None
