"""Monthly leaderboard snapshots: the numbers as they stood when a month ended, frozen for good so
a journalist can cite ``/leaderboards/2026-11`` and find the same table years later.

A snapshot is computed from complaints as of the first instant of the next month (later events are
ignored, see app/stats/metrics.py) and written once; nothing ever updates or replaces it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, func, select

from app.clock import utcnow
from app.config import get_settings
from app.errors import Conflict
from app.models.company import Company
from app.models.keys import pk
from app.models.stats import LeaderboardSnapshot, LeaderboardSnapshotRow, StatFields
from app.stats import leaderboard
from app.stats.aggregates import company_ids, compute_company, load_records, targets_of
from app.stats.metrics import METHODOLOGY_VERSION, WINDOWS

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_end(month: str) -> datetime:
    """The first instant after ``month`` ("2026-11" -> 2026-12-01T00:00Z)."""
    match = MONTH_RE.match(month)
    if not match:
        raise ValueError("month must look like 2026-11")
    year, number = int(match[1]), int(match[2])
    return datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)


def previous_month(now: datetime) -> str:
    year, number = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{year:04d}-{number:02d}"


def get(*, session: Session, month: str) -> LeaderboardSnapshot | None:
    return session.exec(
        select(LeaderboardSnapshot).where(LeaderboardSnapshot.month == month)
    ).first()


def listing(*, session: Session) -> list[LeaderboardSnapshot]:
    return list(
        session.exec(select(LeaderboardSnapshot).order_by(col(LeaderboardSnapshot.month).desc()))
    )


def sort_key(data: dict) -> float:
    """The live leaderboard's default order: ranked first, by confirmed resolution rate."""
    return leaderboard.sort_key(StatFields.model_validate(data), leaderboard.SORTS["confirmed"])


@dataclass(frozen=True)
class Entry:
    """One company's row of a frozen leaderboard, as computed."""

    company_id: int
    name: str
    slug: str
    data: dict


def take(
    *, session: Session, month: str, now: datetime | None = None, batch: int = 200
) -> LeaderboardSnapshot:
    """Freeze ``month`` (flushes, never commits). Refuses a month not over yet or already taken."""
    return store(
        session=session,
        month=month,
        now=now,
        rows=compute(session=session, month=month, now=now, batch=batch),
    )


def compute(
    *, session: Session, month: str, now: datetime | None = None, batch: int = 200
) -> dict[str, list[Entry]]:
    """``month``'s rows per window, in the leaderboard's order: the reads and the arithmetic,
    which the worker does in a read snapshot, outside its write transaction."""
    as_of = month_end(month)
    if as_of > (now or utcnow()):
        raise Conflict(f"{month} is not over yet.")
    rows: dict[str, list[Entry]] = {period: [] for period in WINDOWS}
    after = 0
    while ids := company_ids(session=session, after_id=after, limit=batch):
        after = ids[-1]
        for company_id in ids:
            company = session.get(Company, company_id)
            records = load_records(session=session, company_id=company_id)
            if company is None or not any(r.created_at <= as_of for r in records):
                continue
            cells = compute_company(records=records, targets=targets_of(company), as_of=as_of)
            for period in WINDOWS:
                if cells[(period, "")]["filed"]:
                    rows[period].append(
                        Entry(company_id, company.name, company.slug, cells[(period, "")])
                    )
    for entries in rows.values():
        entries.sort(key=lambda e: (sort_key(e.data), e.company_id))
    return rows


def store(
    *, session: Session, month: str, rows: dict[str, list[Entry]], now: datetime | None = None
) -> LeaderboardSnapshot:
    """Write ``month``'s computed rows (flushes, never commits); refuses a month already taken."""
    now = now or utcnow()
    if get(session=session, month=month) is not None:
        raise Conflict(f"The {month} snapshot was already taken; snapshots never change.")
    snapshot = LeaderboardSnapshot(
        month=month,
        methodology_version=METHODOLOGY_VERSION,
        as_of=month_end(month),
        taken_at=now,
        min_ranked=get_settings().min_ranked_complaints,
    )
    session.add(snapshot)
    session.flush()
    for period, entries in rows.items():
        for position, entry in enumerate(entries, start=1):
            session.add(
                LeaderboardSnapshotRow(
                    snapshot_id=pk(snapshot),
                    period=period,
                    position=position,
                    company_id=entry.company_id,
                    company_name=entry.name,
                    company_slug=entry.slug,
                    data=entry.data,
                )
            )
    session.flush()
    return snapshot


def rows(
    *, session: Session, snapshot: LeaderboardSnapshot, period: str, offset: int = 0, limit: int
) -> tuple[list[LeaderboardSnapshotRow], int]:
    where = (col(LeaderboardSnapshotRow.snapshot_id) == snapshot.id) & (
        col(LeaderboardSnapshotRow.period) == period
    )
    total = session.exec(
        select(func.count()).select_from(LeaderboardSnapshotRow).where(where)
    ).one()
    found = session.exec(
        select(LeaderboardSnapshotRow)
        .where(where)
        .order_by(col(LeaderboardSnapshotRow.position))
        .offset(offset)
        .limit(limit)
    ).all()
    return list(found), total
