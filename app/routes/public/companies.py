"""Company pages and the name suggestions used while filing."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BeforeValidator
from sqlmodel import Session

from app.claims.service import badge as claim_badge
from app.companies import freshness, industries, listing
from app.companies import service as companies
from app.companies.stats import headline
from app.errors import DomainError, NotFound
from app.mailchannel import choice
from app.models.company import SECTORS, Company
from app.models.complaint import ComplaintState
from app.models.keys import pk
from app.models.user import User
from app.search import service as searching
from app.slots import slot_when_needed
from app.stats import leaderboard
from app.systemic import service as systemic
from app.web import caching
from app.web.deps import OptionalUser, SessionDep
from app.web.forms import blank_is_none
from app.web.pagination import Page
from app.web.templating import alike_page, render

router = APIRouter()


def _cursor(token: str) -> searching.Cursor | None:
    if not token:
        return None
    if (cursor := searching.Cursor.parse(token)) is None:
        raise DomainError("That page link is not valid: start again from the company's page.")
    return cursor


@router.get("/companies")
def index(
    request: Request, session: SessionDep, _user: OptionalUser, q: str = "", page: int = 1
) -> Response:
    pager = Page.of(page, 50)
    rows, total = companies.list_companies(
        session=session, offset=pager.offset, limit=pager.size, query=q or None
    )
    return caching.conditional(request, viewer=_user).apply(
        render(
            request,
            "companies/index.html",
            {
                "companies": rows,
                "facts": listing.facts(session=session, company_ids=[pk(c) for c in rows]),
                "q": q,
                "pager": pager.with_total(total),
            },
        )
    )


@router.get("/companies/suggest")
def suggest(session: SessionDep, q: str = "") -> Response:
    """Close matches for the name being typed, for the filing form's hints."""
    hits = companies.suggest(session=session, query=q[:120])
    return JSONResponse(
        [{"name": s.company.name, "domain": s.company.domain, "slug": s.company.slug} for s in hits]
    )


@router.get("/companies/{slug}")
@slot_when_needed
async def show(
    request: Request,
    session: SessionDep,
    _user: OptionalUser,
    slug: str,
    state: Annotated[ComplaintState | None, BeforeValidator(blank_is_none)] = None,
    page: int = 1,
    before: str = "",
    after: str = "",
) -> Response:
    def page_of() -> Response:
        return _show(request, session, _user, slug, state=state, page=page, before=before,
                     after=after)  # fmt: skip

    return await caching.serve(request, session, page_of, viewer=_user)


def _show(
    request: Request,
    session: Session,
    _user: User | None,
    slug: str,
    *,
    state: ComplaintState | None,
    page: int,
    before: str,
    after: str,
) -> Response:
    older_than, newer_than = _cursor(before), _cursor(after)
    # A signed-in visit within the memo's moment takes the rows kept by the URL's validator.
    fresh = caching.remembered(request, viewer=_user)
    row = fresh.kept("row") if fresh is not None else None
    if fresh is None or row is None:
        row = _company_row(session, slug, viewer=_user)
        latest, *version = freshness.page_version(
            session=session, company_id=pk(row[0]), sector=row[0].sector
        )
        fresh = caching.conditional(
            request,
            viewer=_user,
            parts=(
                row[0].model_dump(),
                *row[1:],
                *caching.settled(latest),
                *version,
                caching.hour_bucket(),  # the headline numbers move with the clock
            ),
            keep=True,
        )
        fresh.shared("row", lambda: row)
    elif not companies.visible_to(row[0], viewer=_user):
        raise NotFound("There is no company at this address.")
    company, claim, channel = row
    if early := fresh.answered():
        return early

    def content(*, can_edit_sector: bool = False) -> dict[str, Any]:
        return {
            **_listing(
                session, company, state=state, page=page, before=older_than, after=newer_than
            ),
            "company": company,
            "state": state,
            "states": list(ComplaintState),
            "claim": claim,
            "channel": channel,
            "industries": SECTORS,
            "industry_label": SECTORS.get(company.sector, company.sector),
            "can_edit_sector": can_edit_sector,
        }

    # The body is alike for every viewer but those who may change the industry (its form):
    # read and rendered once per validator, then only the page around it per visit.
    if industries.can_edit(session=session, company=company, user=_user):
        response = render(request, "companies/detail.html", content(can_edit_sector=True))
    else:
        response = alike_page(request, "companies/detail.html", content, fresh=fresh,
                              viewer=_user, around={"company": company})  # fmt: skip
    return fresh.apply(response)


def _company_row(session: Session, slug: str, *, viewer: User | None) -> tuple[Company, Any, Any]:
    """The company, its claim badge and how it is reached: what the page's validator covers."""
    company = companies.public_or_404(session=session, slug=slug, viewer=viewer)
    claim = claim_badge(session=session, company_id=pk(company))
    return company, claim, choice.status(session=session, company=company)


def _listing(
    session: Session,
    company: Company,
    *,
    state: ComplaintState | None,
    page: int,
    before: searching.Cursor | None,
    after: searching.Cursor | None,
) -> dict[str, Any]:
    """One page of the company's complaints, newest first, with its numbers beside them.

    Keyset pages (before/after a cursor) read the company's index from where the last page
    stopped; ?page=N links from before keyset paging still work (an offset)."""
    pager = Page.of(1 if before or after else page)
    rows, _ = searching.search(
        session=session,
        filters=searching.Filters(company_id=company.id, state=state),
        offset=pager.offset,
        limit=pager.size + 1,  # one more: is there another page?
        before=before,
        after=after,
        count=False,
    )
    more = len(rows) > pager.size
    if after:  # listed newest first; the extra row is the newest
        rows, has_newer, has_older = rows[-pager.size :], more, True
    else:
        rows, has_newer, has_older = rows[: pager.size], pager.number > 1 or bool(before), more
    query = {"state": state.value} if state else {}
    links = {
        "newer": urlencode({**query, "after": searching.Cursor.of(rows[0][0]).token()})
        if rows and has_newer
        else None,
        "older": urlencode({**query, "before": searching.Cursor.of(rows[-1][0]).token()})
        if rows and has_older
        else None,
    }
    stats = headline(session=session, company_id=pk(company))
    return {
        "rows": rows,
        "links": links,
        "stats": stats,
        "systemic_issues": systemic.for_company(session=session, company_id=pk(company)),
        "medians": leaderboard.industry_medians(session=session, industry=company.sector),
    }
