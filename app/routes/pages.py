"""Home, search and the health check."""

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BeforeValidator

from app.companies import service as companies
from app.complaints import service as complaints
from app.models.complaint import ComplaintState
from app.web.deps import OptionalUser, SessionDep
from app.web.forms import blank_is_none
from app.web.pagination import Page
from app.web.templating import render

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
def healthz() -> Response:
    """Process liveness only: no database access, so it stays cheap under load."""
    return PlainTextResponse("ok")


@router.get("/")
def home(request: Request, session: SessionDep, _user: OptionalUser) -> Response:
    newest, total = complaints.search(session=session, filters=complaints.Filters(), limit=10)
    overdue, overdue_total = complaints.search(
        session=session, filters=complaints.Filters(overdue=True), limit=5, oldest_first=True
    )
    return render(
        request,
        "home.html",
        {"newest": newest, "overdue": overdue, "total": total, "overdue_total": overdue_total},
    )


@router.get("/search")
def search(
    request: Request,
    session: SessionDep,
    _user: OptionalUser,
    q: str = "",
    state: Annotated[ComplaintState | None, BeforeValidator(blank_is_none)] = None,
    company: str = "",
    page: int = 1,
) -> Response:
    pager = Page.of(page)
    company_id = None
    if company:  # an unknown company matches nothing rather than everything
        found = companies.get_by_slug(session=session, slug=company)
        company_id = found.id if found else 0
    filters = complaints.Filters(text=q[:200] or None, state=state, company_id=company_id)
    rows, total = complaints.search(
        session=session, filters=filters, offset=pager.offset, limit=pager.size
    )
    return render(
        request,
        "search.html",
        {
            "rows": rows,
            "q": q,
            "state": state,
            "company": company,
            "states": list(ComplaintState),
            "pager": pager.with_total(total),
        },
    )
