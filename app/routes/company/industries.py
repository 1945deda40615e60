"""A company's industry, set by an admin or the company's own staff from its page."""

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse, Response

from app.companies import industries
from app.companies import service as companies
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, SessionDep
from app.web.forms import FormDep, text

router = APIRouter(dependencies=[Depends(require_csrf)])


@router.post("/companies/{slug}/sector")
def set_sector(form: FormDep, session: SessionDep, user: CurrentUser, slug: str) -> Response:
    company = companies.get_by_slug_or_404(session=session, slug=slug)
    industries.set_sector(session=session, company=company, sector=text(form, "sector"), actor=user)
    return RedirectResponse(f"/companies/{company.slug}#industry", status_code=303)
