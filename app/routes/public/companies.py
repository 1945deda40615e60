"""Company pages and the name suggestions used while filing."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BeforeValidator

from app.claims.service import badge as claim_badge
from app.companies import freshness, industries, listing
from app.companies import service as companies
from app.companies.stats import headline
from app.errors import DomainError
from app.mailchannel import choice
from app.models.company import SECTORS
from app.models.complaint import ComplaintState
from app.models.keys import pk
from app.search import service as searching
from app.stats import leaderboard
from app.systemic import service as systemic
from app.web import caching
from app.web.deps import OptionalUser, SessionDep
from app.web.forms import blank_is_none
from app.web.pagination import Page
from app.web.templating import render

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
def show(
    request: Request,
    session: SessionDep,
    _user: OptionalUser,
    slug: str,
    state: Annotated[ComplaintState | None, BeforeValidator(blank_is_none)] = None,
    page: int = 1,
    before: str = "",
    after: str = "",
) -> Response:
    company = companies.public_or_404(session=session, slug=slug, viewer=_user)
    older_than, newer_than = _cursor(before), _cursor(after)
    claim = claim_badge(session=session, company_id=pk(company))
    channel = choice.status(session=session, company=company)
    latest, *version = freshness.page_version(session=session, company_id=pk(company))
    fresh = caching.conditional(
        request,
        viewer=_user,
        parts=(
            company.model_dump(),
            claim,
            channel,
            *caching.settled(latest),
            *version,
            caching.hour_bucket(),  # the headline numbers move with the clock
        ),
        keep=True,
    )
    if early := fresh.answered():
        return early
    # Keyset pages (before/after a cursor) read the company's index from where the last page
    # stopped; ?page=N links from before keyset paging still work (an offset).
    pager = Page.of(1 if older_than or newer_than else page)
    (rows, _), stats, issues, medians = fresh.shared(
        "lists",
        lambda: (
            searching.search(
                session=session,
                filters=searching.Filters(company_id=company.id, state=state),
                offset=pager.offset,
                limit=pager.size + 1,  # one more: is there another page?
                before=older_than,
                after=newer_than,
                count=False,
            ),
            headline(session=session, company_id=pk(company)),
            systemic.for_company(session=session, company_id=pk(company)),
            # The anonymous page, kept by this validator, shows the same comparison.
            leaderboard.industry_medians(session=session, industry=company.sector),
        ),
    )
    more = len(rows) > pager.size
    if newer_than:  # listed newest first; the extra row is the newest
        rows, has_newer, has_older = rows[-pager.size :], more, True
    else:
        rows, has_newer, has_older = rows[: pager.size], pager.number > 1 or bool(older_than), more
    query = {"state": state.value} if state else {}
    links = {
        "newer": urlencode({**query, "after": searching.Cursor.of(rows[0][0]).token()})
        if rows and has_newer
        else None,
        "older": urlencode({**query, "before": searching.Cursor.of(rows[-1][0]).token()})
        if rows and has_older
        else None,
    }
    response = render(
        request,
        "companies/detail.html",
        {
            "company": company,
            "rows": rows,
            "state": state,
            "states": list(ComplaintState),
            "links": links,
            "stats": stats,
            "claim": claim,
            "channel": channel,
            "systemic_issues": issues,
            "industries": SECTORS,
            "industry_label": SECTORS.get(company.sector, company.sector),
            "medians": medians,
            "can_edit_sector": industries.can_edit(session=session, company=company, user=_user),
        },
    )
    return fresh.apply(response)
