"""A company's statistics page and its chart SVGs (each its own URL, so anyone can embed one).

``?window=`` (90d, 12m, all) and ``?category=`` choose which complaints the page and its charts
count; the chart URLs carry the same parameters, so a cited link shows what was seen."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.charts.cache import CHARTS, TREND_CHARTS, View, charts_for
from app.charts.data import duration_label
from app.companies import service as companies
from app.config import get_settings
from app.errors import DomainError, NotFound
from app.models.complaint import Category
from app.models.keys import pk
from app.stats.metrics import WINDOW_LABELS, WINDOWS
from app.web import caching
from app.web.deps import OptionalUser, SessionDep
from app.web.templating import render

router = APIRouter()
CATEGORIES = {c.value for c in Category}


def days_text(days: float | None) -> str:
    return "not reached" if days is None else duration_label(days)


def _view(window: str, category: str) -> View:
    window, category = window.strip() or "all", category.strip()
    if window not in WINDOWS:
        raise DomainError(f"window must be one of {', '.join(WINDOWS)}")
    if category and category not in CATEGORIES:
        raise DomainError("category must be one of " + ", ".join(sorted(CATEGORIES)))
    return View(window, category)


def _query(view: View) -> str:
    """The view's URL parameters (blank for the default view, so its URLs stay as they were)."""
    pairs = [("window", view.window)] if view.window != "all" else []
    pairs += [("category", view.category)] if view.category else []
    return "?" + "&".join(f"{k}={v}" for k, v in pairs) if pairs else ""


@router.get("/companies/{slug}/stats")
def stats_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    slug: str,
    window: str = "all",
    category: str = "",
) -> Response:
    view = _view(window, category)
    company = companies.public_or_404(session=session, slug=slug, viewer=user)
    charts = charts_for(session=session, company_id=pk(company), view=view)
    # The fingerprint covers everything the page shows (the URL's query, hence the view, is in
    # the ETag too): rendered once per change, per process.
    fresh = caching.conditional(request, viewer=user, parts=(charts.etag("page"),), keep=True)
    if early := fresh.answered():
        return early
    page = render(
        request,
        "stats/company.html",
        {
            "company": company,
            "charts": charts,
            "median": days_text(charts.survival.median_days),
            "p90": days_text(charts.survival.p90_days),
            "computed": charts.built_at,
            "stats_page": True,
            "base": get_settings().base_url,
            "trends": charts.trends,
            "view": view,
            "query": _query(view),
            "windows": WINDOW_LABELS,
            "categories": list(Category),
        },
    )
    return fresh.apply(page)


@router.get("/companies/{slug}/charts/{name}.svg")
def chart_svg(
    request: Request,
    session: SessionDep,
    slug: str,
    name: str,
    window: str = "all",
    category: str = "",
) -> Response:
    if name not in CHARTS and name not in TREND_CHARTS:
        raise NotFound("There is no such chart.")
    view = _view(window, category)
    company = companies.public_or_404(session=session, slug=slug)
    charts = charts_for(session=session, company_id=pk(company), view=view)
    fresh = caching.conditional(
        request, viewer=None, parts=(charts.etag(name),), max_age=caching.EMBED_MAX_AGE
    )
    if fresh.not_modified:
        return fresh.response_304()
    return fresh.apply(Response(charts.svg(name), media_type="image/svg+xml"))
