"""The company_stat aggregates: read one company's complaints, compute every window and category,
replace its rows. Pages and exports read only these rows, so their cost follows the number of
companies shown, never the number of complaints.

Freshness: a change to a complaint marks its company dirty (app/stats/jobs.py, in the change's own
transaction); the worker recomputes dirty companies within about a minute, and every company once
a day, because windows slide even when nothing changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.charts import store as chart_store
from app.clock import utcnow
from app.complaints.turn import Step, info_waits
from app.complaints.visibility import counted
from app.models.company import Company
from app.models.complaint import Complaint, ContactAttempt, Message, Side, TimelineEvent
from app.models.keys import keys
from app.models.stats import CompanyStat, StatFields, StatMark
from app.stats import trends
from app.stats.leaderboard import sort_keys
from app.stats.metrics import (
    METHODOLOGY_VERSION,
    WINDOWS,
    Record,
    Targets,
    compute,
    in_window,
)


def load_records(*, session: Session, company_id: int) -> list[Record]:
    """One company's counted complaints with what the metrics need (four queries, each bounded
    by the company's own complaints)."""
    mine = (col(Complaint.company_id) == company_id) & counted()
    # SQLModel's select() is typed for up to four columns; SQLAlchemy's takes these eight.
    rows = session.execute(
        sa_select(
            col(Complaint.id),
            col(Complaint.created_at),
            col(Complaint.category),
            col(Complaint.state),
            col(Complaint.first_response_at),
            col(Complaint.closed_at),
            col(Complaint.handoff_count),
            col(Complaint.cosign_count),
        ).where(mine)
    ).all()
    records: dict[int, Record] = {
        cid: Record(
            created_at=created,
            category=str(getattr(category, "value", category)),
            state=state,
            first_response_at=responded,
            closed_at=closed,
            handoffs=handoffs,
            cosigns=cosigns,
        )
        for cid, created, category, state, responded, closed, handoffs, cosigns in rows
    }
    if not records:
        return []
    joined = col(Complaint.id)
    for cid, total in session.exec(
        select(ContactAttempt.complaint_id, func.sum(ContactAttempt.count))
        .join(Complaint, joined == ContactAttempt.complaint_id)
        .where(mine)
        .group_by(col(ContactAttempt.complaint_id))
    ):
        records[cid].contact_attempts = int(total or 0)
    for cid, kind, at in session.exec(
        select(TimelineEvent.complaint_id, TimelineEvent.kind, TimelineEvent.at)
        .join(Complaint, joined == TimelineEvent.complaint_id)
        .where(mine, col(TimelineEvent.kind).in_(["resolve", "dispute"]))
    ):
        (records[cid].resolves if kind == "resolve" else records[cid].disputes).append(at)
    _load_waits(session, mine, records)
    for cid, at, is_templated in session.exec(
        select(Message.complaint_id, Message.created_at, Message.templated)
        .join(Complaint, joined == Message.complaint_id)
        .where(mine, Message.side == Side.COMPANY)
    ):
        records[cid].replies.append((at, bool(is_templated)))
    return list(records.values())


def _load_waits(session: Session, mine: ColumnElement[bool], records: dict[int, Record]) -> None:
    """Each complaint's waits for information its company asked for: read only for complaints
    that had a request for information (most have none)."""
    asked = (
        select(Message.complaint_id)
        .join(Complaint, col(Complaint.id) == Message.complaint_id)
        .where(mine, col(Message.info_request).is_(True))
    )
    steps: dict[int, list[Step]] = defaultdict(list)
    for cid, kind, side, at, info in session.execute(
        sa_select(
            col(TimelineEvent.complaint_id),
            col(TimelineEvent.kind),
            col(TimelineEvent.side),
            col(TimelineEvent.at),
            col(Message.info_request),
        )
        .outerjoin(Message, col(Message.id) == TimelineEvent.message_id)
        .where(col(TimelineEvent.complaint_id).in_(asked))
        .order_by(col(TimelineEvent.complaint_id), col(TimelineEvent.at), col(TimelineEvent.id))
    ):
        steps[cid].append(Step(kind, Side(side), at, bool(info)))
    for cid, found in steps.items():
        if cid in records:
            record = records[cid]
            record.waits = info_waits(found, published_at=record.created_at)


def targets_of(company: Company) -> Targets:
    return Targets(company.target_response_days, company.target_resolution_days)


def compute_company(
    *, records: Iterable[Record], targets: Targets, as_of: datetime
) -> dict[tuple[str, str], dict]:
    """Every (window, category) cell with at least one complaint, plus (window, "") always."""
    out: dict[tuple[str, str], dict] = {}
    for period in WINDOWS:
        cells: dict[str, list[Record]] = defaultdict(list)
        for r in records:
            if in_window(r, period, as_of):
                cells[""].append(r)
                cells[r.category].append(r)
        for category in ["", *sorted(c for c in cells if c)]:
            fields = compute(cells[category], as_of=as_of, targets=targets)
            out[(period, category)] = fields.model_dump()
    return out


def refresh_company(*, session: Session, company_id: int, now: datetime | None = None) -> int:
    """Recompute one company's rows (flushes, never commits). Returns the rows written."""
    now = now or utcnow()
    return write_company(session=session, computed=compute_refresh(
        session=session, company_id=company_id, now=now))  # fmt: skip


@dataclass(frozen=True)
class Computed:
    """One company's recomputed rows, made by ``compute_refresh`` (reads) and stored by
    ``write_company`` (writes): the worker reads outside its short write transactions."""

    company_id: int
    now: datetime
    cells: dict | None  # None: the company is gone
    charts: dict = field(default_factory=dict)


def compute_refresh(*, session: Session, company_id: int, now: datetime) -> Computed:
    company = session.get(Company, company_id)
    if company is None:
        return Computed(company_id=company_id, now=now, cells=None)
    records = load_records(session=session, company_id=company_id)
    cells = compute_company(records=records, targets=targets_of(company), as_of=now)
    charts = chart_store.compute(session=session, company_id=company_id, now=now)
    charts["trends"] = trends.computed(records, as_of=now)  # same refresh, same row
    return Computed(company_id=company_id, now=now, cells=cells, charts=charts)


def write_company(*, session: Session, computed: Computed) -> int:
    """Replace one company's rows with ``computed`` (flushes, never commits); the rows written."""
    company_id, now = computed.company_id, computed.now
    session.exec(delete(CompanyStat).where(col(CompanyStat.company_id) == company_id))
    if computed.cells is None:
        return 0
    for (period, category), fields in computed.cells.items():
        values: dict[str, Any] = {**fields, **sort_keys(StatFields.model_validate(fields))}
        session.add(
            CompanyStat(
                company_id=company_id,
                period=period,
                category=category,
                methodology_version=METHODOLOGY_VERSION,
                computed_at=now,
                **values,
            )
        )
    chart_store.store(session=session, company_id=company_id, now=now, numbers=computed.charts)
    return len(computed.cells)


def write_safely(*, session: Session, computed: Computed) -> None:
    """``write_company`` in a savepoint: when another worker wrote the same company's rows at
    the same moment (unique constraint), theirs are as fresh as ours and the batch goes on."""
    try:
        with session.begin_nested():
            write_company(session=session, computed=computed)
    except IntegrityError:
        pass


def refresh_company_safely(*, session: Session, company_id: int, now: datetime) -> None:
    """``refresh_company`` in a savepoint: when another worker wrote the same company's rows
    at the same moment (unique constraint), theirs are as fresh as ours and the batch goes on."""
    try:
        with session.begin_nested():
            refresh_company(session=session, company_id=company_id, now=now)
    except IntegrityError:
        pass


def mark_dirty(*, session: Session, company_id: int, now: datetime | None = None) -> None:
    """A plain insert in the caller's transaction: no row shared with other changes to lock."""
    session.execute(insert(StatMark).values(company_id=company_id, marked_at=now or utcnow()))


def refresh_dirty(*, session: Session, now: datetime | None = None, limit: int = 200) -> int:
    """Recompute up to ``limit`` marked companies, longest-waiting first, and delete the marks
    read; a company marked again meanwhile (a later id) stays marked."""
    now = now or utcnow()
    found = marked(session=session, limit=limit)
    for company_id, upto in found:
        refresh_company_safely(session=session, company_id=company_id, now=now)
        unmark(session=session, company_id=company_id, upto=upto)
    return len(found)


def marked(*, session: Session, limit: int) -> list[tuple[int, int]]:
    """Up to ``limit`` marked companies, longest-waiting first, with their latest mark's id."""
    return [
        (company_id, upto)
        for company_id, upto in session.exec(
            select(StatMark.company_id, func.max(StatMark.id))
            .group_by(col(StatMark.company_id))
            .order_by(func.min(StatMark.id))
            .limit(limit)
        ).all()
        if upto is not None  # the max of a group's non-null ids
    ]


def unmark(*, session: Session, company_id: int, upto: int) -> None:
    session.exec(
        delete(StatMark).where(col(StatMark.company_id) == company_id, col(StatMark.id) <= upto)
    )


def company_ids(*, session: Session, after_id: int = 0, limit: int = 200) -> list[int]:
    return keys(
        session.exec(
            select(col(Company.id))
            .where(col(Company.id) > after_id)
            .order_by(col(Company.id))
            .limit(limit)
        )
    )
