"""Site-wide trends: the whole site's months, or one industry's, and their chart SVGs.

The numbers are the worker's (app/stats/site_trends.py, one stored row per scope); the page and
each chart validate on when that row was computed, and a chart is drawn once per computation.
"""

import hashlib
import threading
from collections import OrderedDict
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.charts.trend_render import DRAWERS
from app.errors import NotFound
from app.models.company import SECTORS
from app.stats import site_trends
from app.stats.trends import Month
from app.web import caching
from app.web.deps import OptionalUser, SessionDep
from app.web.templating import render

router = APIRouter()
RENDER_VERSION = "1"  # bump when the drawing code changes, so chart ETags change too
CHART_MAX_AGE = 300
_drawn: OrderedDict[tuple[str, str, datetime], bytes] = OrderedDict()
_lock = threading.Lock()


def _scope(industry: str) -> str:
    """The stored scope of ``?industry=``: blank for the whole site; an unknown sector is a 404,
    so a mistyped URL never shows the site's numbers under an industry's name."""
    industry = industry.strip()
    if industry and industry not in SECTORS:
        raise NotFound("There is no such industry.")
    return industry


def _svg(name: str, scope: str, months: list[Month], at: datetime) -> bytes:
    key = (name, scope, at)
    with _lock:
        if (found := _drawn.get(key)) is not None:
            return found
    svg = DRAWERS[name](months)
    with _lock:
        _drawn[key] = svg
        while len(_drawn) > 128:
            _drawn.popitem(last=False)
    return svg


@router.get("/trends")
def trends_page(
    request: Request, session: SessionDep, user: OptionalUser, industry: str = ""
) -> Response:
    """Complaints filed, answered and resolved, and how fast, month by month: the whole site or
    one industry."""
    scope = _scope(industry)
    at = site_trends.computed_at(session=session, scope=scope)
    fresh = caching.conditional(request, viewer=user, parts=(RENDER_VERSION, at), keep=True)
    if early := fresh.answered():
        return early
    found = site_trends.stored(session=session, scope=scope)
    months, computed = found if found is not None else ([], None)
    query = f"?industry={scope}" if scope else ""
    page = render(
        request,
        "stats/site_trends.html",
        {
            "months": months,
            "computed": computed,
            "industry": scope,
            "industry_label": SECTORS.get(scope, ""),
            "industries": SECTORS,
            "query": query,
            "version": f"{RENDER_VERSION}-{int(computed.timestamp()) if computed else 0}",
        },
    )
    return fresh.apply(page)


@router.get("/trends/charts/{name}.svg")
def trends_chart(request: Request, session: SessionDep, name: str, industry: str = "") -> Response:
    if name not in DRAWERS:
        raise NotFound("There is no such chart.")
    scope = _scope(industry)
    at = site_trends.computed_at(session=session, scope=scope)
    tag = hashlib.sha256(f"{RENDER_VERSION}|{name}|{scope}|{at}".encode()).hexdigest()[:24]
    fresh = caching.conditional(request, viewer=None, parts=(tag,), max_age=CHART_MAX_AGE)
    if fresh.not_modified:
        return fresh.response_304()
    found = site_trends.stored(session=session, scope=scope)
    if found is None:
        raise NotFound("These trends have not been computed yet.")
    months, computed = found
    return fresh.apply(Response(_svg(name, scope, months, computed), media_type="image/svg+xml"))
