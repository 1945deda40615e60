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

from app.charts import data, render, store
from app.clock import utcnow

MAX_COMPANIES = 256  # a few hundred small SVGs: well under a few MB
RENDER_VERSION = "3"  # bump when the drawing code changes, so ETags change too
CHARTS = ("monthly", "response", "distribution", "resolutions")


@dataclass
class CompanyCharts:
    fingerprint: data.Fingerprint
    months: list[tuple[str, int]]
    survival: data.Survival
    survival_table: list[tuple[float, float]]
    distribution: list[tuple[str, int]]
    resolutions: list[data.ResolutionRow]
    built_at: datetime
    _drawn: dict[str, bytes] = field(default_factory=dict)

    def etag(self, name: str) -> str:
        key = f"{RENDER_VERSION}|{name}|{self.fingerprint}"
        return '"' + hashlib.sha256(key.encode()).hexdigest()[:24] + '"'

    def svg(self, name: str) -> bytes:
        if name not in self._drawn:
            drawers: dict[str, Callable[[], bytes]] = {
                "monthly": lambda: render.monthly(self.months),
                "response": lambda: render.survival(self.survival),
                "distribution": lambda: render.distribution(self.distribution),
                "resolutions": lambda: render.resolutions(self.resolutions),
            }
            self._drawn[name] = drawers[name]()
        return self._drawn[name]


_cache: OrderedDict[int, CompanyCharts] = OrderedDict()
_cache_lock = threading.Lock()


def build(numbers: data.Numbers, fingerprint: data.Fingerprint, at: datetime) -> CompanyCharts:
    return CompanyCharts(
        fingerprint=fingerprint,
        months=numbers.months,
        survival=numbers.survival,
        survival_table=numbers.survival_table,
        distribution=numbers.distribution,
        resolutions=numbers.resolutions,
        built_at=at,
    )


def charts_for(*, session: Session, company_id: int, now: datetime | None = None) -> CompanyCharts:
    now = now or utcnow()
    stored_at = store.computed_at(session=session, company_id=company_id)
    if stored_at is not None:
        fingerprint = data.Fingerprint(company_id, None, stored_at, None)
    else:
        fingerprint = data.fingerprint(session=session, company_id=company_id, now=now)
    with _cache_lock:
        hit = _cache.get(company_id)
        if hit is not None and hit.fingerprint == fingerprint:
            _cache.move_to_end(company_id)
            return hit
    if stored_at is not None and (numbers := store.read(session=session, company_id=company_id)):
        fresh = build(numbers, fingerprint, stored_at)
    else:
        rows = data.load(session=session, company_id=company_id)
        fresh = build(data.numbers(rows, now), fingerprint, now)
    with _cache_lock:
        _cache[company_id] = fresh
        _cache.move_to_end(company_id)
        while len(_cache) > MAX_COMPANIES:
            _cache.popitem(last=False)
    return fresh


def clear() -> None:
    """For tests: forget every company."""
    with _cache_lock:
        _cache.clear()
