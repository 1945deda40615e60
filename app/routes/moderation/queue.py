"""Reporting content (anyone), the moderators' queue and actions, and each company's public
moderation log."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.companies import service as companies
from app.complaints import reading
from app.complaints import service as complaints
from app.complaints import visibility as vis
from app.errors import DomainError, NotFound
from app.models.company import Company
from app.models.complaint import Complaint, Message, Visibility
from app.models.keys import pk
from app.models.moderation import REASON_LABELS, ReportReason
from app.models.user import User
from app.moderation import edits, reports
from app.moderation import service as moderation
from app.moderation.log import public_log
from app.web import ratelimit
from app.web.access import ModeratedComplaint, ModeratorUser
from app.web.csrf import require_csrf
from app.web.deps import OptionalUser, SessionDep
from app.web.forms import FormDep, text, undo
from app.web.ids import RecordId, parse_id, storable
from app.web.pagination import Page
from app.web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])


def _message_or_404(session: Session, message_id: int) -> Message:
    if not storable(message_id) or (message := session.get(Message, message_id)) is None:
        raise NotFound("There is no such message.")
    return message


# Reporting -----------------------------------------------------------------------------------


def _reportable_or_404(session: Session, complaint_id: int) -> Complaint:
    """Only complaints whose content is public can be reported; any other is, to the reporter,
    not there."""
    complaint = complaints.get(session=session, complaint_id=complaint_id)
    if complaint is None or not vis.takes_public_actions(complaint):
        raise NotFound("There is no complaint with that number.")
    return complaint


def _report_form(
    request: Request,
    complaint: Complaint,
    message: Message | None,
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "moderation/report_form.html",
        {
            "complaint": complaint,
            "message": message,
            # The reporter sees what they report, unless it is already a tombstone.
            "show_title": vis.content_visible(complaint, request.state.user),
            "reasons": REASON_LABELS,
            "values": values or {},
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/reports/new")
def report_form(
    request: Request, session: SessionDep, user: OptionalUser, complaint: RecordId, message: int = 0
) -> Response:
    target = _reportable_or_404(session, complaint)
    msg = _message_or_404(session, message) if message else None
    return _report_form(request, target, msg)


@router.post("/reports")
def report(request: Request, form: FormDep, session: SessionDep, user: OptionalUser) -> Response:
    """File a report (signed in or not) and acknowledge it (DSA art. 16)."""
    values = {k: text(form, k) for k in ("complaint", "message", "reason", "detail", "email")}
    if (complaint_id := parse_id(values["complaint"])) is None:
        raise NotFound("There is no complaint with that number.")
    complaint = _reportable_or_404(session, complaint_id)
    message = (
        _message_or_404(session, int(values["message"])) if values["message"].isdigit() else None
    )
    try:  # abuse limits: per account, or per address when signed out
        ratelimit.hit("report_user", f"user:{user.id}" if user else ratelimit.client_ip(request))
    except ratelimit.RateLimited as exc:
        page = _report_form(
            request, complaint, message, values=values, error=exc.detail, status_code=429
        )
        return ratelimit.with_retry_after(page, exc)
    try:
        reason = ReportReason(values["reason"])
        filed = reports.file_report(
            session=session,
            complaint=complaint,
            message=message,
            reason=reason,
            detail=values["detail"],
            reporter=user,
            email=values["email"],
        )
    except ValueError:
        return _report_form(
            request,
            complaint,
            message,
            values=values,
            error="Please choose a reason.",
            status_code=422,
        )
    except DomainError as exc:
        undo(session)
        return _report_form(
            request,
            complaint,
            message,
            values=values,
            error=exc.detail,
            status_code=exc.status_code,
        )
    return render(
        request,
        "moderation/report_done.html",
        {"report": filed, "complaint": complaint, "reason": REASON_LABELS[reason], "user": user},
        status_code=201,
    )


# The moderators' queue and actions -------------------------------------------------------------


@router.get("/moderation")
def queue(request: Request, session: SessionDep, _mod: ModeratorUser) -> Response:
    groups, total = reports.open_groups(session=session)
    held = moderation.held(session=session)
    return render(
        request, "moderation/queue.html", {"groups": groups, "total": total, "held": held}
    )


def _context_page(
    request: Request,
    session: Session,
    complaint: Complaint,
    *,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    hidden = moderation.hidden_messages(session=session, complaint_id=pk(complaint))
    return render(
        request,
        "moderation/complaint.html",
        {
            "complaint": complaint,
            "company": session.get(Company, complaint.company_id),
            "author": session.get(User, complaint.author_id),
            "reports": reports.for_complaint(session=session, complaint_id=pk(complaint)),
            "history": moderation.history(session=session, complaint_id=pk(complaint)),
            "edits": edits.history(session=session, complaint_id=pk(complaint)),
            "timeline": reading.timeline(session=session, complaint=complaint),
            "hidden": hidden,
            "reasons": REASON_LABELS,
            "Visibility": Visibility,
            "error": error,
            "values": values or {},
        },
        status_code=status_code,
    )


@router.get("/moderation/complaints/{complaint_id}")
def context(request: Request, session: SessionDep, complaint: ModeratedComplaint) -> Response:
    return _context_page(request, session, complaint)


COMPLAINT_VISIBILITY = {
    "unlist": Visibility.UNLISTED,
    "hide": Visibility.HIDDEN,
    "remove": Visibility.REMOVED,
    "restore": Visibility.PUBLIC,
    "hold": Visibility.PENDING,
}
MESSAGE_VISIBILITY = {
    "hide": Visibility.HIDDEN,
    "remove": Visibility.REMOVED,
    "restore": Visibility.PUBLIC,
}


def _complaint_action(
    session: Session, complaint: Complaint, action: str, reason: str, moderator: User
) -> Any:
    if action in COMPLAINT_VISIBILITY:
        return moderation.set_visibility(
            session=session,
            complaint=complaint,
            visibility=COMPLAINT_VISIBILITY[action],
            reason=reason,
            actor=moderator,
        )
    if action in ("lock", "unlock"):
        return moderation.set_locked(
            session=session,
            complaint=complaint,
            locked=action == "lock",
            reason=reason,
            actor=moderator,
        )
    if action == "dismiss":
        return moderation.dismiss(
            session=session, complaint=complaint, reason=reason, actor=moderator
        )
    raise NotFound("There is no such moderation action.")


def _run(
    request: Request,
    form: FormData,
    session: Session,
    complaint: Complaint,
    do: Any,
) -> Response:
    """Run one action; a refusal re-shows the context page with what the moderator typed."""
    reason = text(form, "reason")
    try:
        do(reason)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        undo(session, complaint)
        return _context_page(
            request,
            session,
            complaint,
            error=exc.detail,
            values={k: text(form, k) for k in form if k != "csrf_token"},
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/moderation/complaints/{complaint.id}?done=1", status_code=303)


@router.post("/moderation/complaints/{complaint_id}/{action}")
def act_on_complaint(
    request: Request,
    form: FormDep,
    session: SessionDep,
    moderator: ModeratorUser,
    complaint: ModeratedComplaint,
    action: str,
) -> Response:
    if action == "edit":
        do = lambda reason: edits.edit_text(  # noqa: E731
            session=session,
            complaint=complaint,
            reason=reason,
            actor=moderator,
            title=text(form, "title") if "title" in form else None,
            body=text(form, "body") if "body" in form else None,
            desired_outcome=text(form, "desired_outcome") if "desired_outcome" in form else None,
            mask=text(form, "mask").splitlines(),
            keep=text(form, "keep").splitlines(),
        )
    else:
        do = lambda reason: _complaint_action(  # noqa: E731
            session, complaint, action, reason, moderator
        )
    return _run(request, form, session, complaint, do)


@router.post("/moderation/messages/{message_id}/{action}")
def act_on_message(
    request: Request,
    form: FormDep,
    session: SessionDep,
    moderator: ModeratorUser,
    message_id: RecordId,
    action: str,
) -> Response:
    message = _message_or_404(session, message_id)
    complaint = complaints.get_or_404(session=session, complaint_id=message.complaint_id)
    if action == "dismiss":
        do = lambda reason: moderation.dismiss(  # noqa: E731
            session=session, complaint=complaint, message=message, reason=reason, actor=moderator
        )
    elif action in MESSAGE_VISIBILITY:
        do = lambda reason: moderation.set_message_visibility(  # noqa: E731
            session=session,
            message=message,
            visibility=MESSAGE_VISIBILITY[action],
            reason=reason,
            actor=moderator,
        )
    else:
        raise NotFound("There is no such moderation action.")
    return _run(request, form, session, complaint, do)


@router.post("/moderation/users/{user_id}/{action}")
def act_on_user(
    request: Request,
    form: FormDep,
    session: SessionDep,
    moderator: ModeratorUser,
    user_id: RecordId,
    action: str,
) -> Response:
    """Suspend or unsuspend; the form sits on a complaint's page, where the moderator returns."""
    if (target := session.get(User, user_id)) is None:
        raise NotFound("There is no such user.")
    if action not in ("suspend", "unsuspend"):
        raise NotFound("There is no such moderation action.")
    back = text(form, "complaint")
    back_id = parse_id(back)
    complaint = complaints.get_or_404(session=session, complaint_id=back_id) if back_id else None
    fn = moderation.suspend if action == "suspend" else moderation.unsuspend
    if complaint is None:  # no page to re-show: errors become plain error pages
        fn(session=session, user=target, reason=text(form, "reason"), actor=moderator)
        return RedirectResponse("/moderation", status_code=303)
    return _run(
        request,
        form,
        session,
        complaint,
        lambda reason: fn(session=session, user=target, reason=reason, actor=moderator),
    )


# The public log ------------------------------------------------------------------------------


@router.get("/companies/{slug}/moderation")
def company_log(
    request: Request, session: SessionDep, _user: OptionalUser, slug: str, page: int = 1
) -> Response:
    company = companies.get_by_slug_or_404(session=session, slug=slug)
    pager = Page.of(page, 50)
    entries, total = public_log(
        session=session, company_id=pk(company), offset=pager.offset, limit=pager.size
    )
    return render(
        request,
        "moderation/log.html",
        {"company": company, "entries": entries, "pager": pager.with_total(total)},
    )
