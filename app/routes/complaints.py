"""Filing a complaint, its public page, and the consumer's actions on it."""

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.broadcast import delivery as broadcast_delivery
from app.companies import service as companies
from app.companies.service import CompanyChoiceNeeded
from app.complaints import company as company_side
from app.complaints import service as complaints
from app.complaints.flags import flags
from app.complaints.states import TransitionError, allowed_actions
from app.errors import DomainError, NotFound
from app.models.complaint import Category, Channel, Complaint, ComplaintCreate, Side
from app.models.user import User
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, OptionalUser, SessionDep
from app.web.forms import parse, text
from app.web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])

TEXT_FIELDS = (
    "title",
    "body",
    "category",
    "desired_outcome",
    "company_name",
    "company_domain",
    "private_reference",
    "contact_since",
    "submission_key",
)


def _form_context(values: dict, errors: dict, suggestions: list | None = None) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "suggestions": suggestions or [],
        "categories": list(Category),
        "channels": list(Channel),
    }


def _to_create(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {k: values.get(k) or None for k in TEXT_FIELDS}
    pick = values.get("company_pick", "")
    if pick and pick != "new" and (chosen := companies.get_by_slug(session=session, slug=pick)):
        data["company_name"], data["company_domain"] = chosen.name, None
        values["company_name"] = chosen.name
    data["body"] = values.get("body", "")
    data["desired_outcome"] = values.get("desired_outcome", "")  # optional, but a str, not None
    data["broadcast_opt_in"] = values.get("broadcast_opt_in") == "on"
    data["accept_new_company"] = pick == "new"
    data["contact_attempts"] = [
        {"channel": ch.value, "count": values[f"tried_{ch.value}"]}
        for ch in Channel
        if values.get(f"tried_{ch.value}", "").strip() not in ("", "0")
    ]
    return data


@router.get("/complaints/new")
def new_complaint(request: Request, user: CurrentUser) -> Response:
    values = {
        "submission_key": uuid.uuid4().hex,
        "company_name": request.query_params.get("company", ""),
    }
    return render(request, "complaints/new.html", _form_context(values, {}))


@router.post("/complaints/new")
async def file_complaint(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    form = await request.form()
    values = {k: text(form, k) for k in form}  # echoed back so nothing typed is lost
    data, errors = parse(ComplaintCreate, _to_create(session, values))
    if data:
        try:
            complaint = complaints.file(session=session, author=user, data=data)
            return RedirectResponse(f"/complaints/{complaint.id}", status_code=303)
        except CompanyChoiceNeeded as exc:
            session.rollback()
            return render(
                request,
                "complaints/new.html",
                _form_context(values, {}, exc.suggestions),
                status_code=409,
            )
        except DomainError as exc:
            session.rollback()
            errors = {"company_domain": exc.detail}
    return render(request, "complaints/new.html", _form_context(values, errors), status_code=422)


def complaint_page(
    request: Request,
    session: Session,
    complaint: Complaint,
    user: User | None,
    *,
    error: str | None = None,
    values: dict | None = None,
    status_code: int = 200,
) -> Response:
    company = companies.get(session=session, company_id=complaint.company_id)
    author = session.get(User, complaint.author_id)
    attempts = complaints.contact_attempts(session=session, complaint_ids=[complaint.id])
    is_author = user is not None and user.id == complaint.author_id
    return render(
        request,
        "complaints/detail.html",
        {
            "complaint": complaint,
            "company": company,
            "author": author,
            "assignee": company_side.assignee_member(session=session, complaint=complaint),
            "flags": flags(complaint),
            "timeline": complaints.timeline(session=session, complaint=complaint),
            "contact": complaints.contact_summary(attempts[complaint.id], complaint.contact_since),
            "is_author": is_author,
            "actions": allowed_actions(complaint.state, Side.CONSUMER) if is_author else [],
            "cosigned": complaints.has_cosigned(session=session, complaint=complaint, user=user),
            "broadcasts": broadcast_delivery.posted_for(session=session, complaint_id=complaint.id),
            "error": error,
            "values": values or {},
        },
        status_code=status_code,
    )


@router.get("/complaints/{complaint_id}")
def show(request: Request, session: SessionDep, user: OptionalUser, complaint_id: int) -> Response:
    complaint = complaints.get_or_404(session=session, complaint_id=complaint_id)
    return complaint_page(request, session, complaint, user)


ConsumerAction = Callable[..., object]

# Each takes (session, complaint, user, body); co-signs ignore the body.
CONSUMER_ACTIONS: dict[str, ConsumerAction] = {
    "follow-up": complaints.follow_up,
    "confirm": complaints.confirm,
    "dispute": complaints.dispute,
    "withdraw": complaints.withdraw,
    "cosign": lambda *, body, **kw: complaints.cosign(**kw),
    "uncosign": lambda *, body, **kw: complaints.uncosign(**kw),
}


@router.post("/complaints/{complaint_id}/{action}")
async def act(
    request: Request, session: SessionDep, user: CurrentUser, complaint_id: int, action: str
) -> Response:
    """The consumer's and co-signers' actions; a refusal re-shows the page with their text."""
    if action not in CONSUMER_ACTIONS:
        raise NotFound("There is no such action.")
    complaint = complaints.get_or_404(session=session, complaint_id=complaint_id)
    body = text(await request.form(), "body")
    try:
        CONSUMER_ACTIONS[action](session=session, complaint=complaint, user=user, body=body)
    except (TransitionError, DomainError) as exc:
        session.rollback()
        session.refresh(complaint)
        return complaint_page(
            request,
            session,
            complaint,
            user,
            error=str(exc),
            values={"body": body},
            status_code=getattr(exc, "status_code", 409),
        )
    return RedirectResponse(f"/complaints/{complaint_id}", status_code=303)
