"""Embeds for other sites: SVG badges, oEmbed, and the complaint card oEmbed frames.

All are public and the same for everyone: no user, no CSRF token, no cookie. The security
middleware lets other sites frame or load these paths (EMBEDDABLE_PATHS)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app.charts.cache import charts_for
from app.clock import utcnow
from app.companies import service as companies
from app.complaints.visibility import is_listed
from app.config import get_settings
from app.embeds import badges, oembed
from app.models.keys import pk
from app.text.markdown import render as markdown
from app.web import caching
from app.web.caching import EMBED_MAX_AGE
from app.web.deps import SessionDep
from app.web.ids import RecordId
from app.web.templating import env

router = APIRouter()
SVG = "image/svg+xml"
EXCERPT_CHARS = 280
# The embed snippets and <head> links ask whether a complaint may be embedded at all.
env.globals.setdefault("is_listed", is_listed)


@router.get("/complaints/{complaint_id}/badge.svg")
def complaint_badge(request: Request, session: SessionDep, complaint_id: RecordId) -> Response:
    complaint, _company = oembed.listed_complaint(session=session, complaint_id=complaint_id)
    # The text moves with the clock ("open 12 days"), so a copy lasts at most the hour.
    fresh = caching.conditional(
        request,
        viewer=None,
        parts=(complaint.updated_at, complaint.state, caching.hour_bucket()),
        max_age=EMBED_MAX_AGE,
    )
    if fresh.not_modified:
        return fresh.response_304()
    badge = badges.complaint_badge(complaint)
    return fresh.apply(Response(badges.svg(badge), media_type=SVG))


@router.get("/companies/{slug}/badge.svg")
def company_badge(request: Request, session: SessionDep, slug: str) -> Response:
    company = companies.public_or_404(session=session, slug=slug)
    charts = charts_for(session=session, company_id=pk(company))
    fresh = caching.conditional(
        request, viewer=None, parts=(charts.etag("badge"), company.name), max_age=EMBED_MAX_AGE
    )
    if fresh.not_modified:
        return fresh.response_304()
    badge = badges.company_badge(company.name, charts.survival)
    return fresh.apply(Response(badges.svg(badge), media_type=SVG))


@router.get("/complaints/{complaint_id}/card")
def card(request: Request, session: SessionDep, complaint_id: RecordId) -> Response:
    complaint, company = oembed.listed_complaint(session=session, complaint_id=complaint_id)
    fresh = caching.conditional(
        request,
        viewer=None,
        parts=(
            complaint.updated_at,
            complaint.title,
            complaint.body,
            complaint.cosign_count,
            complaint.state,
            caching.hour_bucket(),
        ),
        max_age=EMBED_MAX_AGE,
    )
    if fresh.not_modified:
        return fresh.response_304()
    text = markdown(complaint.body).striptags()
    excerpt = text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"
    # Rendered without app.web.templating.render: no site chrome, no user, no CSRF token.
    html = env.get_template("embeds/card.html").render(
        complaint=complaint,
        company=company,
        excerpt=excerpt,
        badge=badges.complaint_badge(complaint, now=utcnow()),
        base=get_settings().base_url,
    )
    return fresh.apply(HTMLResponse(html))


@router.get("/oembed")
def oembed_endpoint(
    request: Request,
    session: SessionDep,
    url: str,
    format: Annotated[str, Query(max_length=10)] = "json",
    maxwidth: Annotated[int | None, Query(ge=1)] = None,
    maxheight: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    if format != "json":  # the oEmbed spec's answer to a format the provider does not offer
        return JSONResponse(
            {"title": "Not implemented", "status": 501, "detail": "Only format=json is offered."},
            status_code=501,
            media_type="application/problem+json",
        )
    body = oembed.response(session=session, url=url[:2000], maxwidth=maxwidth, maxheight=maxheight)
    fresh = caching.conditional(request, viewer=None, parts=(body,), max_age=EMBED_MAX_AGE)
    if fresh.not_modified:
        return fresh.response_304()
    return fresh.apply(JSONResponse(body))
