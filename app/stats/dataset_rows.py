"""The public dataset's rows, read in batches by id so memory stays flat at any size. Every
filter that keeps private things out is here: listed complaints only, their public (redacted)
fields, messages not moderated away; never private references, emails, internal notes, original
(pre-redaction) text or moderators' edits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlmodel import Session, col, select

from app.complaints.public import company_url
from app.complaints.visibility import listed, message_listed
from app.models.company import SECTORS, Company
from app.models.complaint import Complaint, Message, Side
from app.models.keys import pk
from app.models.stats import CompanyStat
from app.stats import export
from app.stats.dataset_columns import COMPANIES, COMPANY_STATS, MESSAGES

BATCH = 1000

Row = dict[str, Any]


def complaints(*, session: Session, now: datetime) -> Iterator[Row]:
    yield from export.complaint_rows(
        session=session, company_id=None, period="all", category="", now=now, batch=BATCH
    )


def public_messages() -> Select:
    """The messages anyone may read: on a listed complaint, from the consumer or the company,
    not private to the company and not hidden or removed by a moderator."""
    return (
        select(Message)
        .join(Complaint, col(Complaint.id) == Message.complaint_id)
        .where(
            listed(),
            message_listed(),
            col(Message.side).in_([Side.CONSUMER, Side.COMPANY]),
            col(Message.private).is_(False),
        )
    )


def messages(*, session: Session, now: datetime) -> Iterator[Row]:
    after = 0
    while True:
        found = session.exec(
            public_messages()
            .where(col(Message.id) > after, col(Message.created_at) <= now)
            .order_by(col(Message.id))
            .limit(BATCH)
        ).all()
        for message in found:
            yield {name: getattr(message, name) for name in MESSAGES.names}
        if len(found) < BATCH:
            return
        after = found[-1].id


def companies(*, session: Session, now: datetime) -> Iterator[Row]:
    after = 0
    while True:
        found = session.exec(
            select(Company).where(col(Company.id) > after).order_by(col(Company.id)).limit(BATCH)
        ).all()
        for company in found:
            row = {n: getattr(company, n, None) for n in COMPANIES.names}
            row["url"] = company_url(company.slug)
            yield row
        if len(found) < BATCH:
            return
        after = pk(found[-1])


def industries(*, session: Session, now: datetime) -> Iterator[Row]:
    for sector, label in SECTORS.items():
        yield {"sector": sector, "label": label}


def company_stats(*, session: Session, now: datetime) -> Iterator[Row]:
    after = 0
    while True:
        found = session.exec(
            select(CompanyStat)
            .where(col(CompanyStat.id) > after)
            .order_by(col(CompanyStat.id))
            .limit(BATCH)
        ).all()
        for stat in found:
            row = export.rounded(stat)
            row.update(
                company_id=stat.company_id,
                window=stat.period,
                category=stat.category,
                methodology_version=stat.methodology_version,
                computed_at=stat.computed_at,
            )
            yield {name: row.get(name) for name in COMPANY_STATS.names}
        if len(found) < BATCH:
            return
        after = pk(found[-1])


READERS = {
    "complaints": complaints,
    "messages": messages,
    "companies": companies,
    "industries": industries,
    "company_stats": company_stats,
}
