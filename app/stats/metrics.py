"""Every published statistic, defined once. /methodology renders METRICS; exports, pages and the
aggregates (app/stats/aggregates.py) all come from ``compute``.

All numbers describe one company, one window and optionally one category, *as of* an instant
(``as_of``: now for the live leaderboard, the end of the month for a snapshot). A complaint is in
the window when it was filed in (as_of - window, as_of]. Only complaints that count in statistics
(app/complaints/visibility.py ``counted()``) are read. Events later than ``as_of`` are ignored, so
a snapshot computed a little after its month ends still describes the month's end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.complaints.flags import overdue_cutoff
from app.config import get_settings
from app.models.complaint import ComplaintState
from app.models.stats import StatFields
from app.stats.wilson import wilson
from app.survival import kaplan_meier, km_quantile

METHODOLOGY_VERSION = "1.0"
CHANGELOG: list[tuple[str, str, str]] = [
    ("1.0", "2026-11-23", "First published methodology."),
]

WINDOWS: dict[str, timedelta | None] = {
    "90d": timedelta(days=90),
    "12m": timedelta(days=365),
    "all": None,
}
WINDOW_LABELS = {"90d": "last 90 days", "12m": "last 12 months", "all": "all time"}
DAY = 86_400.0


@dataclass
class Record:
    """What the metrics need to know about one complaint (read by app/stats/aggregates.py)."""

    created_at: datetime
    category: str
    state: ComplaintState
    first_response_at: datetime | None = None
    closed_at: datetime | None = None
    handoffs: int = 0
    cosigns: int = 0
    contact_attempts: int = 0
    # Timeline: when the company marked it resolved, and when the consumer disputed that.
    resolves: list[datetime] = field(default_factory=list)
    disputes: list[datetime] = field(default_factory=list)
    # The company's public replies: (written at, templated?).
    replies: list[tuple[datetime, bool]] = field(default_factory=list)


@dataclass(frozen=True)
class Targets:
    response_days: int | None = None
    resolution_days: int | None = None


def _at_or_before(moment: datetime | None, as_of: datetime) -> bool:
    return moment is not None and moment <= as_of


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / DAY


def _rate(successes: int, n: int) -> tuple[float | None, float | None, float | None]:
    interval = wilson(successes, n)
    if interval is None:
        return None, None, None
    return successes / n, interval[0], interval[1]


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def in_window(record: Record, period: str, as_of: datetime) -> bool:
    span = WINDOWS[period]
    if record.created_at > as_of:
        return False
    return span is None or record.created_at > as_of - span


def compute(
    records: Iterable[Record],
    *,
    as_of: datetime,
    targets: Targets = Targets(),
    min_ranked: int | None = None,
) -> StatFields:
    """Every metric over ``records`` (already limited to one window and category)."""
    settings = get_settings()
    min_ranked = settings.min_ranked_complaints if min_ranked is None else min_ranked
    deadline = timedelta(days=settings.response_deadline_days)
    cutoff = overdue_cutoff(now=as_of)  # the same "overdue" as every complaint page shows

    filed = due = timely = resolved_by_company = confirmed = disputed = 0
    open_now = overdue_now = replies = templated_replies = 0
    response: tuple[list[float], list[bool]] = ([], [])
    resolution: tuple[list[float], list[bool]] = ([], [])
    handoffs: list[float] = []
    cosigns: list[float] = []
    attempts: list[float] = []
    for r in records:
        filed += 1
        closed = _at_or_before(r.closed_at, as_of)
        withdrawn = closed and r.state == ComplaintState.WITHDRAWN
        is_confirmed = closed and r.state == ComplaintState.CONFIRMED
        responded_at = r.first_response_at if _at_or_before(r.first_response_at, as_of) else None
        # Censoring: a withdrawn complaint stopped waiting when it was withdrawn; others wait on.
        censor_at = r.closed_at if withdrawn and r.closed_at else as_of

        # Timely: due once answered or once the deadline passed (unless withdrawn before it).
        limit = r.created_at + deadline
        if responded_at is not None:
            due += 1
            timely += responded_at <= limit
        elif as_of >= limit and not (withdrawn and r.closed_at and r.closed_at < limit):
            due += 1

        # Time to first response (Kaplan-Meier, unanswered complaints censored).
        end = responded_at or censor_at
        response[0].append(_days(r.created_at, end))
        response[1].append(responded_at is not None)

        # Resolution standing at as_of: the last resolve, unless a dispute came after it.
        resolves = [t for t in r.resolves if t <= as_of]
        disputes = [t for t in r.disputes if t <= as_of]
        standing = bool(resolves) and (not disputes or max(resolves) > max(disputes))
        resolution[0].append(_days(r.created_at, max(resolves) if standing else censor_at))
        resolution[1].append(standing)

        resolved_by_company += bool(resolves)
        confirmed += is_confirmed
        disputed += bool(resolves) and bool(disputes)
        if not closed:
            open_now += 1
            overdue_now += responded_at is None and r.created_at <= cutoff
        handoffs.append(r.handoffs)
        cosigns.append(r.cosigns)
        attempts.append(r.contact_attempts)
        for written_at, is_templated in r.replies:
            if written_at <= as_of:
                replies += 1
                templated_replies += is_templated

    response_curve = kaplan_meier(*response)
    resolution_curve = kaplan_meier(*resolution)
    timely_rate, timely_low, timely_high = _rate(timely, due)
    resolved_rate, resolved_low, resolved_high = _rate(resolved_by_company, filed)
    confirmed_rate, confirmed_low, confirmed_high = _rate(confirmed, filed)
    dispute_rate, dispute_low, dispute_high = _rate(disputed, resolved_by_company)
    response_median = km_quantile(response_curve, 0.5) if filed else None
    resolution_median = km_quantile(resolution_curve, 0.5) if filed else None
    return StatFields(
        filed=filed,
        ranked=filed >= min_ranked,
        due=due,
        timely=timely,
        timely_rate=timely_rate,
        timely_low=timely_low,
        timely_high=timely_high,
        responded=sum(response[1]),
        response_median_days=response_median,
        response_p90_days=km_quantile(response_curve, 0.9) if filed else None,
        resolved_now=sum(resolution[1]),
        resolution_median_days=resolution_median,
        resolution_p90_days=km_quantile(resolution_curve, 0.9) if filed else None,
        resolved_by_company=resolved_by_company,
        resolved_rate=resolved_rate,
        resolved_low=resolved_low,
        resolved_high=resolved_high,
        confirmed=confirmed,
        confirmed_rate=confirmed_rate,
        confirmed_low=confirmed_low,
        confirmed_high=confirmed_high,
        disputed=disputed,
        dispute_rate=dispute_rate,
        dispute_low=dispute_low,
        dispute_high=dispute_high,
        open_now=open_now,
        overdue_now=overdue_now,
        contact_attempts_avg=_mean(attempts),
        handoffs_avg=_mean(handoffs),
        replies=replies,
        templated_replies=templated_replies,
        templated_share=templated_replies / replies if replies else None,
        cosigns_avg=_mean(cosigns),
        target_response_days=targets.response_days,
        target_response_met=_met(targets.response_days, response_median, filed),
        target_resolution_days=targets.resolution_days,
        target_resolution_met=_met(targets.resolution_days, resolution_median, filed),
    )


def _met(target: int | None, median: float | None, filed: int) -> bool | None:
    """Is the median within the company's declared target? "Not reached" is a miss."""
    if target is None or not filed:
        return None
    return median is not None and median <= target


@dataclass(frozen=True)
class Metric:
    """One published statistic, as /methodology explains it."""

    anchor: str
    label: str
    meaning: str
    formula: str
    interval: str = ""


METRICS: list[Metric] = [
    Metric(
        "filed",
        "Complaints filed",
        "How many complaints were filed against the company in the window.",
        "count of complaints with filed_at in (as_of - window, as_of]",
    ),
    Metric(
        "timely",
        "Answered on time",
        "Of the complaints whose answer was due, the share the company answered within the "
        "response deadline. A complaint is due once answered or once its deadline passed; one "
        "withdrawn before its deadline without an answer is not due.",
        "timely = answered within deadline ÷ due",
        "95% Wilson score interval",
    ),
    Metric(
        "response",
        "Time to first response",
        "Days from filing to the company's first public reply (or resolution), median and 90th "
        "percentile. Complaints still unanswered count as censored at their current age, so a "
        "company cannot look fast by leaving its slowest complaints open. 'Not reached' means "
        "too few complaints have been answered to know.",
        "Kaplan-Meier: S(t) = ∏ over event times tᵢ ≤ t of (1 - dᵢ ÷ nᵢ); "
        "median = smallest t with S(t) ≤ 0.5, p90 = smallest t with S(t) ≤ 0.1",
    ),
    Metric(
        "resolution",
        "Time to resolution",
        "Days from filing to the resolution that currently stands (the company's last "
        "'resolved' not followed by a dispute), median and 90th percentile, with unresolved "
        "and disputed complaints censored at their current age and withdrawn ones at withdrawal.",
        "Kaplan-Meier, as for time to first response",
    ),
    Metric(
        "resolved",
        "Resolved (company says)",
        "The share of complaints the company marked resolved at least once.",
        "resolved = complaints marked resolved by the company ÷ filed",
        "95% Wilson score interval",
    ),
    Metric(
        "confirmed",
        "Resolution confirmed by the consumer",
        "The share of complaints whose author confirmed the resolution. This is the number to "
        "cite: the company's word alone is the rate above.",
        "confirmed = complaints confirmed by their author ÷ filed",
        "95% Wilson score interval",
    ),
    Metric(
        "dispute",
        "Dispute rate",
        "Of the complaints the company marked resolved, the share whose author disputed it.",
        "dispute = resolved complaints disputed at least once ÷ resolved by company",
        "95% Wilson score interval",
    ),
    Metric(
        "open",
        "Open now",
        "Complaints in the window that are neither confirmed nor withdrawn (resolutions awaiting "
        "the consumer count as open).",
        "count of complaints not closed at as_of",
    ),
    Metric(
        "overdue",
        "Overdue now",
        "Open complaints still unanswered after the response deadline.",
        "count of open, unanswered complaints filed at least the deadline before as_of",
    ),
    Metric(
        "attempts",
        "Prior contact attempts",
        "How often, on average, consumers had already tried to reach the company (calls, chats, "
        "emails, tickets, visits) before filing, as they reported it.",
        "sum of reported attempts ÷ filed",
    ),
    Metric(
        "handoffs",
        "Hand-offs per complaint",
        "How often a complaint changed hands between the company's representatives.",
        "sum of hand-offs ÷ filed",
    ),
    Metric(
        "templated",
        "Templated replies",
        "The share of the company's public replies that were near-identical to several of its "
        "earlier replies (stock answers).",
        "templated replies ÷ company replies",
    ),
    Metric(
        "cosigns",
        "Co-signers per complaint",
        "Other people who said 'me too' on a complaint, on average.",
        "sum of co-signers ÷ filed",
    ),
    Metric(
        "targets",
        "Targets against actual",
        "Where the company declared its own service targets (days to respond, days to resolve), "
        "whether its Kaplan-Meier median meets them. A median not reached is a miss.",
        "met = median ≤ target",
    ),
]
