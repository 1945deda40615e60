"""Atom feeds: site-wide, per company, per category, and one complaint's timeline."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.companies import service as companies
from app.errors import NotFound
from app.feeds import service as feeds
from app.models.complaint import Category
from app.web import caching
from app.web.deps import SessionDep
from app.web.ids import RecordId
from app.web.templating import env

router = APIRouter()
ATOM = "application/atom+xml; charset=utf-8"


def _answer(request: Request, feed: feeds.Feed) -> Response:
    # Feeds are the same for everyone (no user-specific content, no cookie): public caching.
    fresh = caching.conditional(
        request, viewer=None, parts=feed.validator(), max_age=caching.EMBED_MAX_AGE
    )
    if fresh.not_modified:
        return fresh.response_304()
    return fresh.apply(Response(feeds.atom(feed), media_type=ATOM))


@router.get("/feeds/complaints.atom")
def site_feed(request: Request, session: SessionDep) -> Response:
    return _answer(request, feeds.site(session=session, templates=env))


@router.get("/feeds/category/{category}.atom")
def category_feed(request: Request, session: SessionDep, category: str) -> Response:
    try:
        chosen = Category(category)
    except ValueError:
        raise NotFound("There is no such category.") from None
    return _answer(request, feeds.category(session=session, templates=env, category=chosen))


@router.get("/companies/{slug}/feed.atom")
def company_feed(request: Request, session: SessionDep, slug: str) -> Response:
    company = companies.public_or_404(session=session, slug=slug)
    return _answer(request, feeds.company(session=session, templates=env, company=company))


@router.get("/complaints/{complaint_id}/feed.atom")
def complaint_feed(request: Request, session: SessionDep, complaint_id: RecordId) -> Response:
    return _answer(
        request, feeds.timeline(session=session, templates=env, complaint_id=complaint_id)
    )
