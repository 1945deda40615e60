"""The public dataset's rows, read in batches by id so memory stays flat at any size. Every
filter that keeps private things out is here: listed complaints only, their public (redacted)
fields, messages not moderated away; never private references, emails, internal notes, original
(pre-redaction) text or moderators' edits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, union_all
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.complaints.public import company_url
from app.complaints.visibility import listed, message_listed
from app.config import get_settings
from app.models.company import SECTORS, Company
from app.models.complaint import Complaint, ComplaintState, Message, Side
from app.models.keys import pk
from app.models.stats import CompanyStat
from app.stats import export
from app.stats.dataset_columns import COMPANIES, COMPANY_STATS, DAILY, MESSAGES

BATCH = 1000

Row = dict[str, Any]


def complaints(*, session: Session, now: datetime) -> Iterator[Row]:
    yield from export.complaint_rows(
        session=session, company_id=None, period="all", category="", now=now, batch=BATCH
    )


def public_messages() -> SelectOfScalar[Message]:
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
        after = pk(found[-1])


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


def _day(moment: Any, dialect: str) -> ColumnElement[Any]:
    """The UTC calendar day of a stored time, as YYYY-MM-DD text on either database."""
    if dialect == "sqlite":
        return func.date(moment)
    return func.to_char(func.timezone("UTC", moment), "YYYY-MM-DD")


def _within_days(start: Any, end: Any, days: int, dialect: str) -> ColumnElement[bool]:
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) <= days
    return end <= start + func.make_interval(0, 0, 0, days)


def _case(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def daily(*, session: Session, now: datetime) -> Iterator[Row]:
    """Per company and UTC day, what happened to its listed complaints: each complaint counts in
    ``filed`` on the day it was filed, in ``answered`` on the day of the company's first
    response, and so on, so every column can be recomputed from the complaints table. Only days
    with something in them are listed. The database groups and sorts; Python holds one batch."""
    dialect = session.get_bind().dialect.name
    deadline = get_settings().response_deadline_days
    zero, one = literal(0), literal(1)

    def events(
        moment: Any, *, filed: Any = zero, answered: Any = zero, on_time: Any = zero,
        resolved: Any = zero, closed: Any = zero, confirmed: Any = zero, withdrawn: Any = zero,
    ) -> Select:  # fmt: skip
        return select(  # type: ignore[call-overload]
            col(Complaint.company_id).label("company_id"),
            _day(moment, dialect).label("day"),
            filed.label("filed"),
            answered.label("answered"),
            on_time.label("answered_on_time"),
            resolved.label("resolved"),
            closed.label("closed"),
            confirmed.label("confirmed"),
            withdrawn.label("withdrawn"),
        ).where(listed(), col(moment).is_not(None), moment <= now)

    created, first = Complaint.created_at, Complaint.first_response_at
    closed_at = Complaint.closed_at
    stream = union_all(
        events(created, filed=one),
        events(first, answered=one, on_time=_case(_within_days(created, first, deadline, dialect))),
        events(Complaint.resolved_at, resolved=one),
        events(
            closed_at,
            closed=one,
            confirmed=_case(col(Complaint.state) == ComplaintState.CONFIRMED),
            withdrawn=_case(col(Complaint.state) == ComplaintState.WITHDRAWN),
        ),
    ).subquery()
    names = [n for n in DAILY.names if n not in ("company_id", "day")]
    stmt = (
        select(
            stream.c.company_id,
            stream.c.day,
            *(func.sum(stream.c[n]).label(n) for n in names),
        )
        .group_by(stream.c.company_id, stream.c.day)
        .order_by(stream.c.company_id, stream.c.day)
    )
    result = session.execute(stmt.execution_options(yield_per=BATCH))
    for row in result:
        yield {
            "company_id": row.company_id,
            "day": row.day,
            **{n: int(getattr(row, n)) for n in names},
        }


READERS = {
    "complaints": complaints,
    "messages": messages,
    "companies": companies,
    "industries": industries,
    "company_stats": company_stats,
    "daily": daily,
}
