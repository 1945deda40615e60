"""A company's saved replies in its dashboard: list, add, edit, delete (app/dashboard/saved_replies.py
decides who may edit which)."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.dashboard import saved_replies
from app.models.company import Company
from app.models.keys import pk
from app.models.membership import CompanyMember
from app.web.access import RepCompany
from app.web.csrf import require_csrf
from app.web.deps import SessionDep
from app.web.forms import FormDep, parse, text
from app.web.ids import RecordId
from app.web.templating import render

router = APIRouter(prefix="/dashboard", dependencies=[Depends(require_csrf)])


def _saved_page(
    request: Request,
    session: Session,
    company: Company,
    member: CompanyMember,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "dashboard/saved_replies.html",
        {
            "company": company,
            "member": member,
            "saved": saved_replies.list_for(session=session, company_id=pk(company)),
            "can_edit": saved_replies.can_edit,
            "values": values or {},
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/{slug}/saved-replies")
def saved_index(request: Request, session: SessionDep, rep: RepCompany) -> Response:
    return _saved_page(request, session, rep.company, rep.member)


@router.post("/{slug}/saved-replies")
def saved_create(request: Request, form: FormDep, session: SessionDep, rep: RepCompany) -> Response:
    company, member, user = rep.company, rep.member, rep.user
    values = {name: text(form, name) for name in ("title", "body")}
    data, errors = parse(saved_replies.SavedReplyIn, values)
    if data is None:
        return _saved_page(
            request, session, company, member, values=values, errors=errors, status_code=422
        )
    saved_replies.create(session=session, company_id=pk(company), user=user, data=data)
    return RedirectResponse(f"/dashboard/{company.slug}/saved-replies", status_code=303)


def _edit_page(
    request: Request,
    company: Company,
    saved_id: RecordId,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "dashboard/saved_reply_edit.html",
        {"company": company, "saved_id": saved_id, "values": values, "errors": errors or {}},
        status_code=status_code,
    )


@router.get("/{slug}/saved-replies/{saved_id}")
def saved_edit(
    request: Request, session: SessionDep, rep: RepCompany, saved_id: RecordId
) -> Response:
    company, user = rep.company, rep.user
    saved = saved_replies.get(session=session, company_id=pk(company), saved_id=saved_id)
    saved_replies.require_editor(session=session, saved=saved, user=user)
    return _edit_page(request, company, saved_id, {"title": saved.title, "body": saved.body})


@router.post("/{slug}/saved-replies/{saved_id}")
def saved_update(
    request: Request, form: FormDep, session: SessionDep, rep: RepCompany, saved_id: RecordId
) -> Response:
    company, user = rep.company, rep.user
    saved = saved_replies.get(session=session, company_id=pk(company), saved_id=saved_id)
    values = {name: text(form, name) for name in ("title", "body")}
    data, errors = parse(saved_replies.SavedReplyIn, values)
    if data is None:
        return _edit_page(request, company, saved_id, values, errors, status_code=422)
    saved_replies.update(session=session, saved=saved, user=user, data=data)
    return RedirectResponse(f"/dashboard/{company.slug}/saved-replies", status_code=303)


@router.post("/{slug}/saved-replies/{saved_id}/delete")
def saved_delete(session: SessionDep, rep: RepCompany, saved_id: RecordId) -> Response:
    company, user = rep.company, rep.user
    saved = saved_replies.get(session=session, company_id=pk(company), saved_id=saved_id)
    saved_replies.delete(session=session, saved=saved, user=user)
    return RedirectResponse(f"/dashboard/{company.slug}/saved-replies", status_code=303)
