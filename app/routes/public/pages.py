"""Home and search."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.companies import service as companies
from app.complaints.touch import site_last_change
from app.models.company import SECTORS
from app.models.complaint import Category, ComplaintState
from app.models.user import User
from app.search import params as search_params
from app.search import service as searching
from app.search.query import parse
from app.search.snippets import highlight, snippet
from app.slots import slot_when_needed
from app.stats import site
from app.web import caching
from app.web.deps import OptionalUser, SessionDep
from app.web.pagination import Page
from app.web.templating import alike_page, render

router = APIRouter()


@router.get("/")
@slot_when_needed
async def home(request: Request, session: SessionDep, _user: OptionalUser) -> Response:
    return await caching.serve(
        request, session, lambda: _home(request, session, _user), viewer=_user
    )


def _until_the_site_changes(
    request: Request, session: Session, viewer: User | None
) -> caching.Conditional:
    """The validator of a page alike for every reader: any change on the site, or the hour
    (which moves "overdue"), makes it new; per address, so a search's query is part of it."""
    return caching.remembered(request, viewer=viewer) or caching.conditional(
        request,
        viewer=viewer,
        parts=(*caching.settled(site_last_change(session=session)), caching.hour_bucket()),
        keep=True,
    )


def _home(request: Request, session: Session, _user: User | None) -> Response:
    # Rendered once per change anywhere on the site, per process.
    fresh = _until_the_site_changes(request, session, _user)
    if early := fresh.answered():
        return early

    def content() -> dict[str, Any]:
        newest, _ = searching.search(
            session=session, filters=searching.Filters(), limit=10, count=False
        )
        overdue, _ = searching.search(
            session=session,
            filters=searching.Filters(overdue=True),
            limit=5,
            oldest_first=True,
            count=False,
        )
        return {"newest": newest, "overdue": overdue, "totals": site.totals(session=session)}

    # Nothing of the viewer's in the page's body: read and rendered once per validator, and
    # only the page around it (their name, their menu) per visit.
    return fresh.apply(alike_page(request, "home.html", content, fresh=fresh, viewer=_user))


@router.get("/search")
@slot_when_needed
async def search(
    request: Request,
    session: SessionDep,
    _user: OptionalUser,
    q: str = "",
    company: str = "",
    category: str = "",
    state: str = "",
    filed_from: Annotated[str, Query(alias="from")] = "",
    filed_to: Annotated[str, Query(alias="to")] = "",
    overdue: str = "",
    industry: str = "",
    turn: str = "",
    page: int = 1,
) -> Response:
    """Search for journalists: full text, company, category, state and filing dates."""
    typed = {"q": q, "company": company, "category": category, "state": state}
    typed |= {"filed_from": filed_from, "filed_to": filed_to, "overdue": overdue}
    typed |= {"industry": industry, "turn": turn}
    return await caching.serve(
        request, session, lambda: _search(request, session, _user, typed, page), viewer=_user
    )


def _search(
    request: Request, session: Session, _user: User | None, typed: dict[str, str], page: int
) -> Response:
    params = search_params.read(session=session, **typed)
    if params.errors:  # the form again, with what was typed and why: never kept
        return render(request, "search.html", _results(session, params, page), status_code=400)
    # A search's results are alike for every reader: kept per address until the site changes.
    fresh = _until_the_site_changes(request, session, _user)
    if early := fresh.answered():
        return early
    content = lambda: _results(session, params, page)  # noqa: E731
    return fresh.apply(alike_page(request, "search.html", content, fresh=fresh, viewer=_user))


def _results(session: Session, params: search_params.SearchParams, page: int) -> dict[str, Any]:
    pager = Page.of(page)
    rows: list[searching.Row] = []
    total = 0
    if not params.errors:
        rows, total = searching.search(
            session=session, filters=params.filters, offset=pager.offset, limit=pager.size
        )
    words = parse(params.q)
    positive = [w for clause in words.clauses for t in clause if not t.negated for w in t.words]
    named = (
        companies.named(session=session, words=positive)
        if positive and not params.company and not params.errors
        else []
    )
    marked = {
        c.id: (highlight(c.title, words), snippet(c.body, words)) for c, _, _ in rows if words
    }
    return {
        "rows": rows,
        "marked": marked,
        "named": named,
        "params": params,
        "states": list(ComplaintState),
        "categories": list(Category),
        "industries": SECTORS,
        "turns": search_params.TURNS,
        "pager": pager.with_total(total, cap=searching.cap(params.filters)),
    }
