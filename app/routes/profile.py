"""The company profile form (owners only)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app.companies import members
from app.companies import profile as profiles
from app.companies import service as companies
from app.companies.team import InvalidInput
from app.models.company import Company
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, SessionDep
from app.web.forms import FormDep, text
from app.web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])

Resolver = Annotated[profiles.HandleResolver, Depends(profiles.handle_resolver)]


def _page(
    request: Request,
    company: Company,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    *,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "profile/edit.html",
        {"company": company, "values": values, "errors": errors or {}, "saved": saved},
        status_code=status_code,
    )


@router.get("/dashboard/{slug}/profile")
def profile_page(request: Request, session: SessionDep, user: CurrentUser, slug: str) -> Response:
    company = companies.get_by_slug_or_404(session=session, slug=slug)
    members.require_owner(session=session, company_id=company.id, user=user)
    return _page(
        request,
        company,
        profiles.form_values(company),
        saved=request.query_params.get("done") == "saved",
    )


@router.post("/dashboard/{slug}/profile")
def update_profile(
    request: Request,
    form: FormDep,
    session: SessionDep,
    user: CurrentUser,
    resolver: Resolver,
    slug: str,
) -> Response:
    """Sync on purpose: resolving a Bluesky handle is blocking DNS and HTTPS, so FastAPI runs
    this in a thread."""
    company = companies.get_by_slug_or_404(session=session, slug=slug)
    values = {field: text(form, field) for field in profiles.FIELDS}
    try:
        profiles.update(
            session=session,
            company=company,
            actor=user,
            values=values,
            resolve_handle=resolver,
        )
    except InvalidInput as exc:
        session.rollback()
        session.refresh(company)
        return _page(request, company, values, exc.errors, status_code=422)
    return RedirectResponse(f"/dashboard/{slug}/profile?done=saved", status_code=303)
