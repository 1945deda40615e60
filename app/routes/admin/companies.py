"""Admins merge a duplicate company into the one it duplicates (app/companies/merge.py)."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app.companies import merge
from app.companies import service as companies
from app.errors import DomainError
from app.web.access import AdminUser, admin_user
from app.web.csrf import require_csrf
from app.web.deps import SessionDep
from app.web.forms import FormDep, text, undo
from app.web.templating import render

router = APIRouter(
    prefix="/admin/companies", dependencies=[Depends(require_csrf), Depends(admin_user)]
)


def _page(request: Request, values: dict, error: str | None = None, status_code: int = 200):
    return render(
        request,
        "admin/companies.html",
        {"values": values, "error": error, "done": request.query_params.get("merged")},
        status_code=status_code,
    )


@router.get("")
def merge_form(request: Request, _admin: AdminUser) -> Response:
    return _page(request, {})


@router.post("/merge")
def merge_companies(
    request: Request, form: FormDep, session: SessionDep, admin: AdminUser
) -> Response:
    values = {k: text(form, k).strip().strip("/").rsplit("/", 1)[-1] for k in ("source", "target")}
    source = companies.get_by_slug(session=session, slug=values["source"])
    target = companies.get_by_slug(session=session, slug=values["target"])
    if source is None or target is None:
        missing = values["source"] if source is None else values["target"]
        return _page(request, values, f"There is no company at /companies/{missing}.", 422)
    try:
        moved = merge.merge(session=session, source=source, target=target, actor=admin)
    except DomainError as exc:
        undo(session)
        return _page(request, values, exc.detail, exc.status_code)
    return RedirectResponse(f"/admin/companies?merged={target.slug}&moved={moved}", status_code=303)
