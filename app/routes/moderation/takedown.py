"""Notice-and-takedown pages: the notice form (anyone), the complainant's status page (secret
link), the poster's answer page (signed in as the complaint's author) and the moderators' queue."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.complaints.public import complaint_url
from app.complaints.visibility import is_moderator
from app.errors import DomainError, NotFound
from app.models.complaint import Complaint
from app.models.keys import pk
from app.models.takedown import Inaccuracy, NoticeStatus, TakedownNotice
from app.takedown import notices
from app.takedown.mail import uk_day_ending, uk_time
from app.web import ratelimit
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, OptionalUser, SessionDep
from app.web.forms import FormDep, parse, text, undo
from app.web.ids import RecordId, parse_id
from app.web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])

NOTICE_FIELDS = (
    "complainant_name",
    "complainant_email",
    "message_id",
    "statement",
    "statement_url",
    "meaning",
    "inaccuracy",
    "why_wrong",
    "why_defamatory",
)
CHECKBOXES = ("consent_to_poster", "confirm")


def _complaint_id(request: Request) -> int:
    if (found := parse_id(request.query_params.get("complaint", ""))) is None:
        raise NotFound("Open the notice form from the complaint's page.")
    return found


def _form(
    request: Request,
    session: Session,
    complaint: Complaint,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "takedown/new.html",
        {
            "complaint": complaint,
            "messages": notices.messages_of(session=session, complaint=complaint),
            "inaccuracies": list(Inaccuracy),
            "values": values,
            "errors": errors,
        },
        status_code=status_code,
    )


@router.get("/takedown/new")
def new_notice(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    complaint = notices.notice_target(session=session, complaint_id=_complaint_id(request))
    values = {
        # The configured address, never the request's Host header (which the sender chooses).
        "statement_url": complaint_url(pk(complaint)),
        "message_id": request.query_params.get("message", ""),
    }
    if user is not None:
        values |= {"complainant_name": user.display_name, "complainant_email": user.email}
    return _form(request, session, complaint, values, {})


@router.post("/takedown/new")
def file_notice(
    request: Request, form: FormDep, session: SessionDep, user: OptionalUser
) -> Response:
    complaint = notices.notice_target(session=session, complaint_id=_complaint_id(request))
    values = {k: text(form, k) for k in (*NOTICE_FIELDS, *CHECKBOXES)}  # echoed back if refused
    data: dict[str, Any] = {k: values[k] for k in NOTICE_FIELDS}
    data["message_id"] = values["message_id"] or None
    data |= {k: values[k] == "on" for k in CHECKBOXES}
    parsed, errors = parse(notices.NoticeIn, data)
    if parsed is not None:
        try:
            ratelimit.hit("takedown_ip", ratelimit.client_ip(request))  # abuse limits
        except ratelimit.RateLimited as exc:
            page = _form(request, session, complaint, values, {"confirm": exc.detail}, 429)
            return ratelimit.with_retry_after(page, exc)
        try:
            _notice, token = notices.submit(session=session, complaint=complaint, data=parsed)
            return RedirectResponse(f"/takedown/status/{token}", status_code=303)
        except NotFound as exc:  # a message of another complaint
            undo(session)
            errors = {"message_id": exc.detail}
    return _form(request, session, complaint, values, errors, status_code=422)


def _status_context(session: Session, notice: TakedownNotice) -> dict[str, Any]:
    return {
        "notice": notice,
        "events": notices.events(session=session, notice=notice),
        "Status": NoticeStatus,
        "uk_time": uk_time,
        "uk_day_ending": uk_day_ending,
    }


@router.get("/takedown/status/{token}")
def status(request: Request, session: SessionDep, token: str) -> Response:
    notice = notices.by_token(session=session, token=token)
    response = render(request, "takedown/status.html", _status_context(session, notice))
    response.headers["Referrer-Policy"] = "no-referrer"  # the path is the secret
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _answer_page(
    request: Request,
    session: Session,
    notice: TakedownNotice,
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "takedown/answer.html",
        {**_status_context(session, notice), "values": values or {}, "error": error},
        status_code=status_code,
    )


@router.get("/takedown/{notice_id}/answer")
def answer_form(request: Request, session: SessionDep, user: CurrentUser, notice_id: RecordId):
    notice = notices.for_poster(session=session, notice_id=notice_id, user=user)
    return _answer_page(request, session, notice)


@router.post("/takedown/{notice_id}/answer")
def answer(
    request: Request, form: FormDep, session: SessionDep, user: CurrentUser, notice_id: RecordId
):
    notice = notices.for_poster(session=session, notice_id=notice_id, user=user)
    values = {k: text(form, k) for k in ("choice", "full_name", "address", "consent")}
    if values["choice"] not in ("keep", "remove"):
        return _answer_page(
            request, session, notice, values=values, error="Choose keep or remove.", status_code=422
        )
    data, errors = parse(
        notices.AnswerIn,
        {
            "keep": values["choice"] == "keep",
            "full_name": values["full_name"],
            "address": values["address"],
            "consent": values["consent"] == "on",
        },
    )
    if data is None:
        error = " ".join(errors.values())
        return _answer_page(request, session, notice, values=values, error=error, status_code=422)
    try:
        notices.answer(session=session, notice=notice, data=data)
    except DomainError as exc:
        undo(session)
        return _answer_page(
            request, session, notice, values=values, error=exc.detail, status_code=exc.status_code
        )
    return RedirectResponse(f"/takedown/{notice.id}/answer", status_code=303)


@router.get("/moderation/notices")
def moderator_queue(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    if not is_moderator(user):
        raise NotFound("Not found.")
    items = [
        (notice, notices.events(session=session, notice=notice))
        for notice in notices.queue(session=session)
    ]
    return render(
        request,
        "takedown/queue.html",
        {"items": items, "Status": NoticeStatus, "uk_time": uk_time},
    )
