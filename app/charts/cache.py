"""One company's chart numbers and drawings, kept in process until they change.

The numbers come from the statistics worker (app/charts/store.py), so a page costs one row
whatever the company's size; a company the worker has not reached yet (a new one) is computed
live from its complaints. Keyed by company; an entry is valid while its fingerprint (when the
stored numbers were computed; for live ones, the count and latest change of its complaints and
today's date) is unchanged, so repeated views cost one primary-key probe.
"""

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from app.charts import data, render, store, trend_render
from app.clock import utcnow
from app.stats import trends as trend_numbers
from app.stats.metrics import WINDOWS

MAX_COMPANIES = 256  # a few hundred small SVGs: well under a few MB
RENDER_VERSION = "4"  # bump when the drawing code changes, so ETags change too
CHARTS = ("monthly", "response", "distribution", "resolutions")
TREND_CHARTS = ("trend_counts", "trend_rates", "trend_response")
TREND_MONTHS = {"90d": 4, "12m": 12, "all": 12}  # a window's months (the stored view: 12)


@dataclass(frozen=True)
class View:
    """Which complaints the page counts: a window (metrics.WINDOWS) and a category ("": all).
    The default view is the worker's stored numbers; any other is computed from the company's
    complaints when asked (cost bounded by the company's size) and kept like the default one."""

    window: str = "all"
    category: str = ""

    @property
    def default(self) -> bool:
        return self == View()


@dataclass
class CompanyCharts:
    fingerprint: data.Fingerprint
    months: list[tuple[str, int]]
    survival: data.Survival
    survival_table: list[tuple[float, float]]
    distribution: list[tuple[str, int]]
    resolutions: list[data.ResolutionRow]
    built_at: datetime
    trends: list[trend_numbers.Month] = field(default_factory=list)
    view: View = field(default_factory=View)
    _drawn: dict[str, bytes] = field(default_factory=dict)

    def etag(self, name: str) -> str:
        key = f"{RENDER_VERSION}|{name}|{self.fingerprint}|{self.view}"
        return '"' + hashlib.sha256(key.encode()).hexdigest()[:24] + '"'

    def svg(self, name: str) -> bytes:
        if name not in self._drawn:
            drawers: dict[str, Callable[[], bytes]] = {
                "monthly": lambda: render.monthly(self.months),
                "response": lambda: render.survival(self.survival),
                "distribution": lambda: render.distribution(self.distribution),
                "resolutions": lambda: render.resolutions(self.resolutions),
                "trend_counts": lambda: trend_render.counts(self.trends, resolved=False),
                "trend_rates": lambda: trend_render.rates(self.trends),
                "trend_response": lambda: trend_render.response(self.trends),
            }
            self._drawn[name] = drawers[name]()
        return self._drawn[name]


_cache: OrderedDict[tuple[int, View], CompanyCharts] = OrderedDict()
_cache_lock = threading.Lock()


def build(
    numbers: data.Numbers,
    fingerprint: data.Fingerprint,
    at: datetime,
    months: list[trend_numbers.Month] | None = None,
    view: View | None = None,
) -> CompanyCharts:
    return CompanyCharts(
        fingerprint=fingerprint,
        months=numbers.months,
        survival=numbers.survival,
        survival_table=numbers.survival_table,
        distribution=numbers.distribution,
        resolutions=numbers.resolutions,
        built_at=at,
        trends=months or [],
        view=view or View(),
    )


def charts_for(
    *, session: Session, company_id: int, now: datetime | None = None, view: View | None = None
) -> CompanyCharts:
    now = now or utcnow()
    view = view or View()
    stored_at = store.computed_at(session=session, company_id=company_id) if view.default else None
    if stored_at is not None:
        fingerprint = data.Fingerprint(company_id, None, stored_at, None)
    else:
        fingerprint = data.fingerprint(session=session, company_id=company_id, now=now)
    key = (company_id, view)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and hit.fingerprint == fingerprint:
            _cache.move_to_end(key)
            return hit
    if stored_at is not None and (numbers := store.read(session=session, company_id=company_id)):
        months = trend_numbers.stored(session=session, company_id=company_id)
        fresh = build(numbers, fingerprint, stored_at, months, view)
    else:
        span = WINDOWS[view.window]
        rows = data.load(
            session=session,
            company_id=company_id,
            since=now - span if span is not None else None,
            category=view.category,
        )
        months = trend_numbers.monthly(rows, as_of=now, months=TREND_MONTHS[view.window])
        fresh = build(data.numbers(rows, now), fingerprint, now, months, view)
    with _cache_lock:
        _cache[key] = fresh
        _cache.move_to_end(key)
        while len(_cache) > MAX_COMPANIES:
            _cache.popitem(last=False)
    return fresh


def clear() -> None:
    """For tests: forget every company."""
    with _cache_lock:
        _cache.clear()
