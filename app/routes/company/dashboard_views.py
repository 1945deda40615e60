"""A rep's saved views of the queue: save the current search under a name, delete one."""

from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse, Response

from app.dashboard import saved_views
from app.errors import DomainError
from app.models.keys import pk
from app.web import access
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, SessionDep
from app.web.forms import FormDep, text
from app.web.ids import RecordId

router = APIRouter(prefix="/dashboard", dependencies=[Depends(require_csrf)])


@router.post("/{slug}/views")
def save_view(form: FormDep, session: SessionDep, user: CurrentUser, slug: str) -> Response:
    rep = access.rep_company(session, user, slug)
    company, _member = rep.company, rep.member
    query = text(form, "query")
    try:
        view = saved_views.save(
            session=session, company_id=pk(company), user=user, name=text(form, "name"), query=query
        )
    except DomainError as exc:
        session.rollback()
        extra = urlencode({"bulk_error": exc.detail})
        return RedirectResponse(f"/dashboard/{slug}?{extra}", status_code=303)
    return RedirectResponse(f"/dashboard/{slug}?{view.query}", status_code=303)


@router.post("/{slug}/views/{view_id}/delete")
def delete_view(session: SessionDep, user: CurrentUser, slug: str, view_id: RecordId) -> Response:
    rep = access.rep_company(session, user, slug)
    company, _member = rep.company, rep.member
    saved_views.delete(session=session, company_id=pk(company), user=user, view_id=view_id)
    return RedirectResponse(f"/dashboard/{slug}", status_code=303)
