"""The numbers behind one company's charts, read from that company's counted complaints only
(cost bounded by the company's size, never by the whole site)."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from app.clock import as_utc, utcnow
from app.complaints.visibility import counted
from app.models.complaint import Complaint, ComplaintState, ResolutionType
from app.survival import Curve, kaplan_meier, km_quantile

DAY = 86_400.0
VIEW_DAYS = 90.0  # the survival chart's widest view; its table goes to the same day
CURVE_POINTS = 360  # a stored survival curve's resolution: finer than the drawing's pixels
MONTHS_SHOWN = 24  # a journalist's usual "last two years"; older months stay in the API/exports

# Upper bounds (days, exclusive) of the response-time bars; the last bar is open-ended.
BUCKETS: tuple[tuple[str, float], ...] = (
    ("under 1 day", 1),
    ("1 to 3 days", 3),
    ("3 to 7 days", 7),
    ("7 to 14 days", 14),
    ("14 to 30 days", 30),
    ("30 days or more", float("inf")),
)
RESOLUTION_LABELS = {
    ResolutionType.EXPLANATION: "Explanation",
    ResolutionType.MONETARY: "Monetary relief",
    ResolutionType.NON_MONETARY: "Non-monetary relief",
}


def duration_label(days: float) -> str:
    """'less than an hour', '6 hours' (under two days), '4.8 days', '8 days'."""
    hours = max(days, 0.0) * 24 + 1e-9  # 0.29166... days is 7 hours, not 6
    if hours < 1:
        return "less than an hour"
    if hours < 48:
        n = int(hours)
        return f"{n} hour{'s' if n != 1 else ''}"
    return f"{days:.1f}".removesuffix(".0") + " days"


class Row(NamedTuple):
    created_at: datetime
    first_response_at: datetime | None
    closed_at: datetime | None
    state: ComplaintState
    resolution_type: ResolutionType | None


@dataclass(frozen=True)
class Fingerprint:
    """Changes whenever a chart could change: stored numbers recomputed by the worker or, for
    live ones, any of the company's complaints added or updated (a change of visibility moves
    ``updated_at`` too) or a new day (open complaints keep waiting, so the curve moves)."""

    company_id: int
    complaints: int | None  # live numbers only
    last_update: datetime | None  # stored numbers: when the worker computed them
    today: date | None  # live numbers only: open complaints wait longer every day


def fingerprint(*, session: Session, company_id: int, now: datetime | None = None) -> Fingerprint:
    """Live numbers only (a company the worker has not reached yet, so a small one): the count
    catches a complaint committed with an older timestamp than the latest change."""
    count, last = session.exec(
        select(func.count(), func.max(Complaint.updated_at)).where(
            Complaint.company_id == company_id
        )
    ).one()
    return Fingerprint(company_id, count, last, (now or utcnow()).date())


def load(
    *, session: Session, company_id: int, since: datetime | None = None, category: str = ""
) -> list[Row]:
    """The company's counted complaints; filed after ``since`` and in ``category`` if given."""
    # SQLModel's select() is typed for up to four columns; SQLAlchemy's takes these five.
    stmt = sa_select(
        col(Complaint.created_at),
        col(Complaint.first_response_at),
        col(Complaint.closed_at),
        col(Complaint.state),
        col(Complaint.resolution_type),
    ).where(col(Complaint.company_id) == company_id, counted())
    if since is not None:
        stmt = stmt.where(col(Complaint.created_at) > since)
    if category:
        stmt = stmt.where(col(Complaint.category) == category)
    rows = session.execute(stmt).all()
    return [
        Row(
            as_utc(c),
            as_utc(f) if f else None,
            as_utc(x) if x else None,
            ComplaintState(s),
            ResolutionType(r) if r else None,
        )
        for c, f, x, s, r in rows
    ]


def _months_back(today: date, n: int) -> list[tuple[int, int]]:
    year, month = today.year, today.month
    out = []
    for _ in range(n):
        out.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def monthly(rows: list[Row], now: datetime) -> list[tuple[str, int]]:
    """Complaints filed per calendar month (UTC), the last MONTHS_SHOWN months up to this one,
    starting at the first month with a complaint."""
    counts: dict[tuple[int, int], int] = {}
    for r in rows:
        key = (r.created_at.year, r.created_at.month)
        counts[key] = counts.get(key, 0) + 1
    months = _months_back(now.date(), MONTHS_SHOWN)
    first = min(counts, default=months[-1])
    months = [m for m in months if m >= first] or [months[-1]]
    return [(f"{y:04d}-{m:02d}", counts.get((y, m), 0)) for y, m in months]


def response_times(rows: list[Row], now: datetime) -> tuple[list[float], list[bool]]:
    """Days until the company's first response. A complaint with none is censored: at its
    closing (withdrawn unanswered) or, while it is still waiting, now."""
    durations: list[float] = []
    observed: list[bool] = []
    for r in rows:
        if r.first_response_at is not None:
            end, seen = r.first_response_at, True
        else:
            end, seen = r.closed_at or now, False
        durations.append(max((end - r.created_at).total_seconds(), 0.0) / DAY)
        observed.append(seen)
    return durations, observed


@dataclass(frozen=True)
class Survival:
    curve: Curve
    n: int
    answered: int
    median_days: float | None
    p90_days: float | None
    longest_days: float = 0.0  # the last follow-up time, where the drawn curve ends


def survival(rows: list[Row], now: datetime) -> Survival:
    durations, observed = response_times(rows, now)
    curve = kaplan_meier(durations, observed)
    return Survival(
        curve,
        len(rows),
        sum(observed),
        km_quantile(curve, 0.5) if rows else None,
        km_quantile(curve, 0.9) if rows else None,
        max(durations, default=0.0),
    )


def distribution(rows: list[Row], now: datetime) -> list[tuple[str, int]]:
    """Answered complaints by how long the first response took, plus those still waiting."""
    counts = dict.fromkeys((label for label, _ in BUCKETS), 0)
    waiting = 0
    for r in rows:
        if r.first_response_at is None:
            waiting += r.closed_at is None
            continue
        days = (r.first_response_at - r.created_at).total_seconds() / DAY
        label = next(label for label, upper in BUCKETS if days < upper)
        counts[label] += 1
    return [*counts.items(), ("still waiting", waiting)]


@dataclass(frozen=True)
class ResolutionRow:
    label: str
    confirmed: int  # the consumer confirmed it
    other: int  # resolved by the company, not (or not yet) confirmed, or disputed since

    @property
    def total(self) -> int:
        return self.confirmed + self.other


def resolutions(rows: list[Row]) -> list[ResolutionRow]:
    """Resolution types the company chose, split by whether the consumer confirmed."""
    table = {t: [0, 0] for t in RESOLUTION_LABELS}
    for r in rows:
        if r.resolution_type is not None:
            table[r.resolution_type][0 if r.state == ComplaintState.CONFIRMED else 1] += 1
    return [ResolutionRow(RESOLUTION_LABELS[t], c, o) for t, (c, o) in table.items()]


def sample_table(
    curve: Curve, days: tuple[float, ...] = (1, 3, 7, 14, 30, 90)
) -> list[tuple[float, float]]:
    """The survival curve read at a few round days: the data table beside the chart."""
    out = []
    for d in days:
        s = 1.0
        for t, value in curve:
            if t <= d:
                s = value
        out.append((d, s))
    return out


@dataclass(frozen=True)
class Numbers:
    """Everything the statistics page and its charts show, computed from one company's rows."""

    months: list[tuple[str, int]]
    survival: Survival
    survival_table: list[tuple[float, float]]
    distribution: list[tuple[str, int]]
    resolutions: list[ResolutionRow]


def numbers(rows: list[Row], now: datetime) -> Numbers:
    km = survival(rows, now)
    return Numbers(monthly(rows, now), km, sample_table(km.curve), distribution(rows, now),
                   resolutions(rows))  # fmt: skip


def thin(curve: Curve, *, end: float = VIEW_DAYS, points: int = CURVE_POINTS) -> Curve:
    """The step curve as drawn: up to ``end`` days, at most one step per 1/``points`` of it
    (the value at the end of each slice), so a company with 25,000 answered complaints stores a
    few hundred points, not 25,000. Median, 90th percentile and table come from the full curve."""
    out: Curve = []
    width = end / points
    for t, s in curve:
        if t > end:
            break
        if out and int(out[-1][0] / width) == int(t / width) and out[-1][0] > 0:
            out[-1] = (t, s)
        else:
            out.append((t, s))
    return out


def to_json(n: Numbers) -> dict:
    km = n.survival
    return {
        "months": n.months,
        "survival": {
            "curve": thin(km.curve),
            "n": km.n,
            "answered": km.answered,
            "median_days": km.median_days,
            "p90_days": km.p90_days,
            "longest_days": km.longest_days,
        },
        "survival_table": n.survival_table,
        "distribution": n.distribution,
        "resolutions": [(r.label, r.confirmed, r.other) for r in n.resolutions],
    }


def from_json(d: dict) -> Numbers:
    km = d["survival"]
    return Numbers(
        months=[(label, count) for label, count in d["months"]],
        survival=Survival(
            [(t, s) for t, s in km["curve"]],
            km["n"],
            km["answered"],
            km["median_days"],
            km["p90_days"],
            km["longest_days"],
        ),
        survival_table=[(day, share) for day, share in d["survival_table"]],
        distribution=[(label, count) for label, count in d["distribution"]],
        resolutions=[ResolutionRow(*r) for r in d["resolutions"]],
    )
