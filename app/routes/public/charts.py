"""A company's statistics page and its chart SVGs (each its own URL, so anyone can embed one)."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.charts.cache import CHARTS, charts_for
from app.charts.data import duration_label
from app.companies import service as companies
from app.config import get_settings
from app.errors import NotFound
from app.models.keys import pk
from app.stats import trends
from app.web import caching
from app.web.deps import OptionalUser, SessionDep
from app.web.templating import render

router = APIRouter()


def days_text(days: float | None) -> str:
    return "not reached" if days is None else duration_label(days)


@router.get("/companies/{slug}/stats")
def stats_page(request: Request, session: SessionDep, user: OptionalUser, slug: str) -> Response:
    company = companies.public_or_404(session=session, slug=slug, viewer=user)
    charts = charts_for(session=session, company_id=pk(company))
    # The fingerprint covers everything the page shows: rendered once per change, per process.
    fresh = caching.conditional(request, viewer=user, parts=(charts.fingerprint,), keep=True)
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
            "trends": trends.stored(session=session, company_id=pk(company)),
        },
    )
    return fresh.apply(page)


@router.get("/companies/{slug}/charts/{name}.svg")
def chart_svg(request: Request, session: SessionDep, slug: str, name: str) -> Response:
    if name not in CHARTS:
        raise NotFound("There is no such chart.")
    company = companies.public_or_404(session=session, slug=slug)
    charts = charts_for(session=session, company_id=pk(company))
    fresh = caching.conditional(
        request, viewer=None, parts=(charts.etag(name),), max_age=caching.EMBED_MAX_AGE
    )
    if fresh.not_modified:
        return fresh.response_304()
    return fresh.apply(Response(charts.svg(name), media_type="image/svg+xml"))
