"""Statistics aggregates: one row per company, window and category, refreshed by the worker, so
leaderboards read a table the size of the company list instead of scanning every complaint.
Monthly snapshots freeze a leaderboard for good (app/stats/snapshots.py)."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.columns import UTCDateTime


class StatFields(SQLModel):
    """Every metric of app/stats/metrics.py for one company, window and category.

    Rates are fractions in [0, 1] with their 95% Wilson interval; durations are in days;
    a median or 90th percentile of None means "not reached" (too many complaints still waiting).
    """

    filed: int = 0
    ranked: bool = False  # filed >= OUTCRY_MIN_RANKED_COMPLAINTS
    due: int = 0
    timely: int = 0
    timely_rate: float | None = None
    timely_low: float | None = None
    timely_high: float | None = None
    responded: int = 0
    response_median_days: float | None = None
    response_p90_days: float | None = None
    resolved_now: int = 0
    resolution_median_days: float | None = None
    resolution_p90_days: float | None = None
    resolved_by_company: int = 0
    resolved_rate: float | None = None
    resolved_low: float | None = None
    resolved_high: float | None = None
    confirmed: int = 0
    confirmed_rate: float | None = None
    confirmed_low: float | None = None
    confirmed_high: float | None = None
    disputed: int = 0
    dispute_rate: float | None = None
    dispute_low: float | None = None
    dispute_high: float | None = None
    open_now: int = 0
    overdue_now: int = 0
    unanswered: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # due, no answer
    unanswered_rate: float | None = None
    unanswered_low: float | None = None
    unanswered_high: float | None = None
    oldest_wait_days: float | None = None  # the longest an open complaint has waited unanswered
    contact_attempts_avg: float | None = None
    handoffs_avg: float | None = None
    replies: int = 0
    templated_replies: int = 0
    templated_share: float | None = None
    cosigns_avg: float | None = None
    target_response_days: int | None = None
    target_response_met: bool | None = None
    target_resolution_days: int | None = None
    target_resolution_met: bool | None = None


# The leaderboard's sort keys (app/stats/leaderboard.py ``sort_key``): one non-null number per
# sortable metric, ranked companies first and best first when read in ascending order, so each
# default-order page is an index range scan with no sort step on either database.
SORT_KEYS = (
    "confirmed",
    "resolved",
    "timely",
    "response",
    "resolution",
    "dispute",
    "filed",
    "open",
    "overdue",
    "unanswered",
    "waiting",
)


class CompanyStat(StatFields, table=True):
    __tablename__ = "company_stat"
    __table_args__ = (
        UniqueConstraint("company_id", "period", "category"),
        *(
            Index(f"ix_company_stat_sort_{key}", "period", "category", f"sort_{key}", "company_id")
            for key in SORT_KEYS
        ),
        # The leaderboard's HTTP validator is the latest refresh: one probe of this index.
        Index("ix_company_stat_computed_at", "computed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True, ondelete="CASCADE")
    period: str = Field(max_length=8)  # the window: "90d", "12m", "all"
    category: str = Field(default="", max_length=32)  # "" means every category
    methodology_version: str = Field(max_length=16)
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sort_confirmed: float = 0.0
    sort_resolved: float = 0.0
    sort_timely: float = 0.0
    sort_response: float = 0.0
    sort_resolution: float = 0.0
    sort_dispute: float = 0.0
    sort_filed: float = 0.0
    sort_open: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})
    sort_overdue: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})
    sort_unanswered: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})
    sort_waiting: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})


class StatMark(SQLModel, table=True):
    """A change to a company's complaints since its aggregates were computed.

    Append-only, one row per change: an upsert of one row per company would be a row lock held
    by every change to a busy company until it commits, so concurrent filings against it would
    queue behind each other (PostgreSQL). The refresh deletes the marks it has read."""

    __tablename__ = "stat_mark"

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True, ondelete="CASCADE")
    marked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LeaderboardSnapshot(SQLModel, table=True):
    """A month's leaderboard, frozen when the month ended. Never changed once written."""

    __tablename__ = "leaderboard_snapshot"

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, unique=True)  # "2026-11"
    methodology_version: str = Field(max_length=16)
    as_of: datetime = Field(sa_type=UTCDateTime)  # the instant the numbers describe
    taken_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    min_ranked: int


class LeaderboardSnapshotRow(SQLModel, table=True):
    __tablename__ = "leaderboard_snapshot_row"
    __table_args__ = (Index("ix_snapshot_row_lookup", "snapshot_id", "period", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="leaderboard_snapshot.id", ondelete="CASCADE")
    period: str = Field(max_length=8)
    position: int  # the default order: ranked first, by confirmed resolution rate
    company_id: int | None = Field(default=None, foreign_key="company.id", ondelete="SET NULL")
    company_name: str = Field(max_length=120)  # as it was then
    company_slug: str = Field(max_length=140)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # StatFields, frozen


class CompanyChart(SQLModel, table=True):
    """The numbers behind a company's statistics page (app/charts/data.py ``to_json``), computed
    by the worker with its aggregates, so the page reads one row whatever the company's size."""

    __tablename__ = "company_chart"

    company_id: int = Field(foreign_key="company.id", primary_key=True, ondelete="CASCADE")
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class SiteTrend(SQLModel, table=True):
    """The whole site's monthly trends (app/stats/site_trends.py), one row per scope: "" for
    every company, else an industry's sector key. Computed by the worker with the daily refresh,
    so the /trends page reads one row."""

    __tablename__ = "site_trend"

    scope: str = Field(primary_key=True, max_length=32)
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    months: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


class IndustryStat(SQLModel, table=True):
    """What the pages say about a set of companies as a whole, per window and category: how many
    the leaderboard lists and ranks, their complaints, and (every category) the median of each
    headline metric over the ranked ones. One row per scope ("" for every company, else a sector key), stored
    by the statistics refresh (app/stats/peers.py), so a company page and the leaderboard read a
    row instead of every company of an industry."""

    __tablename__ = "industry_stat"

    scope: str = Field(primary_key=True, max_length=32)
    period: str = Field(primary_key=True, max_length=8)
    category: str = Field(primary_key=True, max_length=32)
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    listed: int = 0  # companies with a row in the window and category
    ranked: int = 0
    filed: int = 0  # their complaints, and those overdue now: the home page's totals
    overdue: int = 0
    timely_rate: float | None = None
    unanswered_rate: float | None = None
    confirmed_rate: float | None = None
    response_median_days: float | None = None
    resolution_median_days: float | None = None
