"""The company profile form and the choice of answering by email (owners only)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app.companies import profile as profiles
from app.companies.team import InvalidInput
from app.mailchannel import choice
from app.models.company import Company
from app.web.access import OwnedCompany
from app.web.csrf import require_csrf
from app.web.deps import SessionDep
from app.web.forms import FormDep, text, undo
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
def profile_page(request: Request, owner: OwnedCompany) -> Response:
    company = owner.company
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
    owner: OwnedCompany,
    resolver: Resolver,
) -> Response:
    """Sync on purpose: resolving a Bluesky handle is blocking DNS and HTTPS, so FastAPI runs
    this in a thread."""
    company, slug = owner.company, owner.company.slug
    values = {field: text(form, field) for field in profiles.FIELDS}
    try:
        profiles.update(
            session=session,
            company=company,
            actor=owner.user,
            values=values,
            resolve_handle=resolver,
        )
    except InvalidInput as exc:
        undo(session, company)
        return _page(request, company, values, exc.errors, status_code=422)
    return RedirectResponse(f"/dashboard/{slug}/profile?done=saved", status_code=303)


@router.get("/dashboard/{slug}/email")
def email_page(request: Request, session: SessionDep, owner: OwnedCompany) -> Response:
    company = owner.company
    return render(
        request,
        "profile/email.html",
        {
            "company": company,
            "channel": choice.status(session=session, company=company),
            "done": request.query_params.get("done", ""),
        },
    )


@router.post("/dashboard/{slug}/email")
def choose_email(form: FormDep, session: SessionDep, owner: OwnedCompany) -> Response:
    by_email = text(form, "answers_by_email") == "on"
    choice.choose(session=session, company=owner.company, actor=owner.user, by_email=by_email)
    done = "on" if by_email else "off"
    return RedirectResponse(f"/dashboard/{owner.company.slug}/email?done={done}", status_code=303)
