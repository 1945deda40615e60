"""CSV and JSON exports with stable, documented column names (listed on /methodology#data).

Column names never change meaning within a methodology version; new columns are only appended.
Numbers are rounded the same way everywhere (page, CSV, JSON): rates to 4 decimals (a fraction,
not a percentage), days and averages to 2 decimals.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.complaints import reading
from app.complaints.public import complaint_public
from app.complaints.visibility import listed
from app.models.company import Company
from app.models.complaint import Complaint
from app.models.keys import pk
from app.models.stats import StatFields
from app.models.user import User
from app.stats.metrics import WINDOWS

RATE_FIELDS = {
    "timely_rate", "timely_low", "timely_high",
    "resolved_rate", "resolved_low", "resolved_high",
    "confirmed_rate", "confirmed_low", "confirmed_high",
    "dispute_rate", "dispute_low", "dispute_high",
    "unanswered_rate", "unanswered_low", "unanswered_high",
    "templated_share",
}  # fmt: skip
DAY_FIELDS = {
    "response_median_days", "response_p90_days", "resolution_median_days",
    "resolution_p90_days", "contact_attempts_avg", "handoffs_avg", "cosigns_avg",
    "oldest_wait_days",
}  # fmt: skip

STAT_COLUMNS: list[tuple[str, str]] = [
    ("filed", "complaints filed in the window"),
    ("ranked", "true when filed >= the minimum sample (min_ranked)"),
    ("due", "complaints whose answer was due"),
    ("timely", "of those, answered within the response deadline"),
    ("timely_rate", "timely ÷ due (fraction 0-1)"),
    ("timely_low", "95% Wilson interval, lower bound"),
    ("timely_high", "95% Wilson interval, upper bound"),
    ("responded", "complaints with a first response"),
    ("response_median_days", "Kaplan-Meier median days to first response; blank: not reached"),
    (
        "response_p90_days",
        "Kaplan-Meier 90th percentile days to first response; blank: not reached",
    ),
    ("resolved_now", "complaints whose resolution currently stands"),
    ("resolution_median_days", "Kaplan-Meier median days to resolution; blank: not reached"),
    ("resolution_p90_days", "Kaplan-Meier 90th percentile days to resolution; blank: not reached"),
    ("resolved_by_company", "complaints the company marked resolved at least once"),
    ("resolved_rate", "resolved_by_company ÷ filed"),
    ("resolved_low", "95% Wilson interval, lower bound"),
    ("resolved_high", "95% Wilson interval, upper bound"),
    ("confirmed", "complaints whose author confirmed the resolution"),
    ("confirmed_rate", "confirmed ÷ filed"),
    ("confirmed_low", "95% Wilson interval, lower bound"),
    ("confirmed_high", "95% Wilson interval, upper bound"),
    ("disputed", "resolved complaints disputed at least once"),
    ("dispute_rate", "disputed ÷ resolved_by_company"),
    ("dispute_low", "95% Wilson interval, lower bound"),
    ("dispute_high", "95% Wilson interval, upper bound"),
    ("open_now", "complaints neither confirmed nor withdrawn"),
    ("overdue_now", "open complaints unanswered past the deadline"),
    ("contact_attempts_avg", "prior contact attempts per complaint"),
    ("handoffs_avg", "hand-offs between representatives per complaint"),
    ("replies", "company public replies"),
    ("templated_replies", "of those, templated"),
    ("templated_share", "templated_replies ÷ replies"),
    ("cosigns_avg", "co-signers per complaint"),
    ("target_response_days", "the company's declared response target (days)"),
    ("target_response_met", "response_median_days <= target_response_days"),
    ("target_resolution_days", "the company's declared resolution target (days)"),
    ("target_resolution_met", "resolution_median_days <= target_resolution_days"),
]
# Added after the first published columns: appended to every export, never inserted.
NEGLECT_COLUMNS: list[tuple[str, str]] = [
    ("unanswered", "due complaints with no company answer yet"),
    ("unanswered_rate", "unanswered ÷ due"),
    ("unanswered_low", "95% Wilson interval, lower bound"),
    ("unanswered_high", "95% Wilson interval, upper bound"),
    ("oldest_wait_days", "days the longest-waiting open, unanswered complaint has waited"),
]
LEADERBOARD_COLUMNS: list[tuple[str, str]] = [
    ("rank", "position among ranked companies; blank: not enough complaints to rank"),
    ("company_id", "Outcry's company id"),
    ("company_name", "company name"),
    ("company_slug", "the company page is /companies/<slug>"),
    ("window", "90d, 12m or all"),
    ("category", "complaint category; blank: every category"),
    *STAT_COLUMNS,
    ("methodology_version", "the /methodology version the numbers follow"),
    ("computed_at", "when the numbers were computed (UTC); for snapshots, the month's end"),
    *NEGLECT_COLUMNS,
]
COMPLAINT_COLUMNS: list[tuple[str, str]] = [
    ("id", "complaint id"),
    ("url", "its public page"),
    ("company", "company name"),
    ("company_slug", "company slug"),
    ("category", "category"),
    ("state", "open, answered, resolved, confirmed, disputed or withdrawn"),
    ("resolution_type", "explanation, monetary_relief or non_monetary_relief"),
    ("title", "public (redacted) title"),
    ("body", "public (redacted) text"),
    ("desired_outcome", "public (redacted) outcome wanted"),
    ("created_at", "filed at (UTC, ISO 8601)"),
    ("deadline", "answer due by"),
    ("first_response_at", "first company response"),
    ("resolved_at", "latest resolution by the company"),
    ("closed_at", "confirmed or withdrawn at"),
    ("overdue", "unanswered past the deadline now"),
    ("cosigns", "co-signers"),
    ("handoffs", "hand-offs between representatives"),
    ("contact_attempts", "prior contact attempts reported by the consumer"),
]


def rounded(stats: StatFields) -> dict[str, Any]:
    """The published numbers: what the page shows, the CSV and the JSON carry."""
    out: dict[str, Any] = {}
    for name in StatFields.model_fields:  # only the metrics, also when given a CompanyStat row
        value = getattr(stats, name)
        if value is not None and name in RATE_FIELDS:
            value = round(value, 4)
        elif value is not None and name in DAY_FIELDS:
            value = round(value, 2)
        out[name] = value
    return out


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): OWASP's
# advice is to prefix such text cells with a single quote, which the spreadsheet then shows as
# text. Numbers are written as numbers, so a negative count is never touched.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """One spreadsheet-safe CSV cell (also the public dataset's)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def csv_lines(columns: list[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The header, then one line per row; a generator so large exports stream."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(columns)
    yield flush()
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in columns])
        yield flush()


def complaint_rows(
    *,
    session: Session,
    company_id: int | None,
    period: str,
    category: str,
    now: datetime,
    batch: int = 500,
) -> Iterator[dict[str, Any]]:
    """Public complaint rows (listed ones only, public fields only), oldest first, read in
    batches by id so memory stays flat however many there are."""
    span: timedelta | None = WINDOWS[period]
    after = 0
    while True:
        stmt = (
            select(Complaint, Company, User)
            .join(Company, col(Company.id) == Complaint.company_id)
            .join(User, col(User.id) == Complaint.author_id)
            .where(listed(), col(Complaint.id) > after, col(Complaint.created_at) <= now)
            .order_by(col(Complaint.id))
            .limit(batch)
        )
        if company_id is not None:
            stmt = stmt.where(Complaint.company_id == company_id)
        if span is not None:
            stmt = stmt.where(col(Complaint.created_at) > now - span)
        if category:
            stmt = stmt.where(Complaint.category == category)
        found = session.exec(stmt).all()
        if not found:
            return
        attempts = reading.contact_attempts(
            session=session, complaint_ids=[pk(c) for c, _, _ in found]
        )
        for complaint, company, author in found:
            public = complaint_public(complaint, company, author, attempts[pk(complaint)])
            data = public.model_dump(mode="json")
            data["contact_attempts"] = sum(public.contact_attempts.values())
            yield {name: data.get(name) for name, _ in COMPLAINT_COLUMNS}
        after = pk(found[-1][0])
