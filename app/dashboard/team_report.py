"""The team report: first response and resolution times by rep and by week, and the backlog
at each week's end, for the company's last weeks.

Definitions (the page says them too):
- A complaint counts in the week (Monday to Sunday, UTC) it was filed. Its first response counts
  for the rep who wrote it and its resolution for the rep who resolved it (attribution.py: who
  did the work then, not who owns it now); while it waits, it counts for the rep holding it
  ("Unassigned" when nobody does). So a rep's "filed" is the complaints they answered first or
  hold unanswered.
- First response time: from filing to the company's first public answer; resolution time: from
  filing to its (latest) resolution. Medians, in hours, over the complaints that have one.
  Complaints still waiting are not in the median (their time is not known yet): they are
  counted beside it, so a good median cannot hide a pile of unanswered ones.
- Backlog: complaints open at the end of each week: filed by then, not resolved or closed by then.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

from sqlalchemy import and_
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.complaints import visibility
from app.dashboard import attribution
from app.models.company import Company
from app.models.complaint import Complaint
from app.models.membership import CompanyMember

WEEKS = 12
UNASSIGNED = "Unassigned"
FORMER_REP = "A former representative"


@dataclass(frozen=True)
class Row:
    week: date  # its Monday
    rep: str
    filed: int
    answered: int
    median_first_response_h: float | None
    unanswered: int
    resolved: int
    median_resolution_h: float | None
    unresolved: int


@dataclass(frozen=True)
class Backlog:
    week: date
    open_at_end: int


@dataclass(frozen=True)
class Report:
    rows: list[Row]
    backlog: list[Backlog]


def monday(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def _median(values: list[float]) -> float | None:
    return round(median(values), 1) if values else None


def build(
    *, session: Session, company: Company, now: datetime | None = None, weeks: int = WEEKS
) -> Report:
    now = now or utcnow()
    first_week = monday(now) - timedelta(weeks=weeks - 1)
    start = datetime.combine(first_week, datetime.min.time(), tzinfo=now.tzinfo)
    names = dict(
        session.exec(
            select(CompanyMember.user_id, CompanyMember.public_name).where(
                CompanyMember.company_id == company.id
            )
        ).all()
    )
    # Filed in the window, or filed before and not yet settled when it began (the backlog).
    which = and_(
        col(Complaint.company_id) == company.id,
        visibility.reached_company(),
        col(Complaint.created_at) <= now,
    )
    complaints = session.exec(select(Complaint).where(which)).all()
    in_window = [c for c in complaints if c.created_at >= start]
    credit = attribution.credits(
        session=session,
        which=and_(which, col(Complaint.created_at) >= start),
        complaints=in_window,
    )

    def name(user_id: int | None) -> str:
        if user_id is None:
            return UNASSIGNED
        return names.get(user_id, FORMER_REP)

    # The first response counts for who wrote it, the resolution for who resolved it; one still
    # waiting counts for who holds it now (the one it is waiting on).
    answers: dict[tuple[date, str], list[Complaint]] = {}
    resolutions: dict[tuple[date, str], list[Complaint]] = {}
    for c in in_window:
        week, done = monday(c.created_at), credit[c.id]
        answerer = done.answered_by if c.first_response_at else c.assignee_id
        resolver = done.resolved_by if c.resolved_at else c.assignee_id
        answers.setdefault((week, name(answerer)), []).append(c)
        resolutions.setdefault((week, name(resolver)), []).append(c)
    rows = []
    for key in sorted(answers.keys() | resolutions.keys()):
        first = answers.get(key, [])
        last = resolutions.get(key, [])
        answered = [
            _hours(c.first_response_at - c.created_at) for c in first if c.first_response_at
        ]
        resolved = [_hours(c.resolved_at - c.created_at) for c in last if c.resolved_at]
        rows.append(
            Row(
                key[0],
                key[1],
                len(first),
                len(answered),
                _median(answered),
                len(first) - len(answered),
                len(resolved),
                _median(resolved),
                len(last) - len(resolved),
            )
        )
    backlog = []
    for n in range(weeks):
        week = first_week + timedelta(weeks=n)
        end = min(start + timedelta(weeks=n + 1), now)
        backlog.append(
            Backlog(
                week,
                sum(
                    1
                    for c in complaints
                    if c.created_at < end
                    and not (c.resolved_at and c.resolved_at < end)
                    and not (c.closed_at and c.closed_at < end)
                ),
            )
        )
    return Report(rows, backlog)


def to_csv(report: Report, *, table: str = "times") -> str:
    """One table per file: ``times`` (by week and rep) or ``backlog`` (by week)."""
    out = io.StringIO()
    writer = csv.writer(out)
    if table == "backlog":
        writer.writerow(["week_starting", "open_at_week_end"])
        for b in report.backlog:
            writer.writerow([b.week.isoformat(), b.open_at_end])
        return out.getvalue()
    writer.writerow(
        [
            "week_starting",
            "rep",
            "filed",
            "answered",
            "median_first_response_hours",
            "unanswered",
            "resolved",
            "median_resolution_hours",
            "unresolved",
        ]
    )
    for r in report.rows:
        writer.writerow(
            [
                r.week.isoformat(),
                r.rep,
                r.filed,
                r.answered,
                "" if r.median_first_response_h is None else r.median_first_response_h,
                r.unanswered,
                r.resolved,
                "" if r.median_resolution_h is None else r.median_resolution_h,
                r.unresolved,
            ]
        )
    return out.getvalue()
