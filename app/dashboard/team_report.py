"""The team report: first response and resolution times by rep and by week, and the backlog
at each week's end, for the company's last weeks.

Definitions (the page says them too):
- A complaint counts in the week (Monday to Sunday, UTC) it was filed, under its current owner
  ("Unassigned" when it has none).
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

from sqlmodel import Session, col, select

from app.clock import utcnow
from app.complaints import visibility
from app.models.company import Company
from app.models.complaint import Complaint
from app.models.membership import CompanyMember

WEEKS = 12
UNASSIGNED = "Unassigned"


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
    complaints = session.exec(
        select(Complaint).where(
            Complaint.company_id == company.id,
            visibility.reached_company(),
            col(Complaint.created_at) <= now,
        )
    ).all()
    groups: dict[tuple[date, str], list[Complaint]] = {}
    for c in complaints:
        if c.created_at >= start:
            rep = names.get(c.assignee_id, UNASSIGNED) if c.assignee_id else UNASSIGNED
            groups.setdefault((monday(c.created_at), rep), []).append(c)
    rows = []
    for (week, rep), items in sorted(groups.items()):
        answers = [_hours(c.first_response_at - c.created_at) for c in items if c.first_response_at]
        resolutions = [_hours(c.resolved_at - c.created_at) for c in items if c.resolved_at]
        rows.append(
            Row(
                week,
                rep,
                len(items),
                len(answers),
                _median(answers),
                len(items) - len(answers),
                len(resolutions),
                _median(resolutions),
                len(items) - len(resolutions),
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
