"""Email settings, unsubscribe links, the emailed confirm / dispute links, and /dev/mail."""

import re
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from sqlmodel import col, select
from starlette.exceptions import HTTPException

from app.companies import members
from app.config import get_settings
from app.errors import DomainError, Forbidden, NotFound
from app.models.job import Job
from app.notify import links, unsubscribe
from app.notify.mail import KIND as MAIL
from app.notify.mail import build_message
from app.web import ratelimit
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, OptionalUser, SessionDep
from app.web.forms import FormDep, text, undo
from app.web.ids import RecordId
from app.web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])
# RFC 8058 one-click unsubscribe: the mail client POSTs with no cookies, so no CSRF token can
# come with it. The signed token in the address is the secret a forger would need instead.
one_click = APIRouter()

NO_STORE = {"cache-control": "no-store"}  # pages reached through secret links


# Settings ------------------------------------------------------------------------------------


@router.get("/me/settings")
def settings_form(request: Request, user: CurrentUser) -> Response:
    return render(request, "notify/settings.html", {"saved": "saved" in request.query_params})


@router.post("/me/settings")
def save_settings(form: FormDep, session: SessionDep, user: CurrentUser) -> Response:
    user.notify_complaint_updates = text(form, "notify_complaint_updates") == "on"
    if members.companies_of(session=session, user=user):  # only reps are shown this one
        user.notify_assignments = text(form, "notify_assignments") == "on"
    session.add(user)
    return RedirectResponse("/me/settings?saved", status_code=303)


# Unsubscribe ---------------------------------------------------------------------------------


def _target(token: str) -> unsubscribe.Target:
    if (target := unsubscribe.parse(token)) is None:
        raise NotFound("This unsubscribe link is not valid. Check that you copied all of it.")
    return target


def _unsubscribe_page(
    request: Request, token: str, target: unsubscribe.Target, subscribed: bool | None
) -> Response:
    if subscribed is None:
        raise NotFound("There is no longer anyone to unsubscribe at this link.")
    return render(
        request,
        "notify/unsubscribe.html",
        {
            "token": token,
            "what": unsubscribe.DESCRIPTIONS[target.preference],
            "subscribed": subscribed,
            "is_user": target.kind == "u",
        },
    )


@router.get("/unsubscribe/{token}")
def unsubscribe_form(request: Request, session: SessionDep, token: str) -> Response:
    target = _target(token)
    subscribed = unsubscribe.is_subscribed(session=session, target=target)
    response = _unsubscribe_page(request, token, target, subscribed)
    response.headers.update(NO_STORE)
    return response


@router.post("/unsubscribe/{token}")
def unsubscribe_confirmed(request: Request, session: SessionDep, token: str) -> Response:
    target = _target(token)
    unsubscribe.unsubscribe(session=session, target=target)
    return _unsubscribe_page(request, token, target, False)


@one_click.post("/unsubscribe/{token}/one-click")
def unsubscribe_one_click(form: FormDep, session: SessionDep, token: str) -> Response:
    target = _target(token)
    if text(form, "List-Unsubscribe") != "One-Click":
        raise DomainError("A one-click unsubscribe sends List-Unsubscribe=One-Click.")
    if not unsubscribe.unsubscribe(session=session, target=target):
        raise NotFound("There is no longer anyone to unsubscribe at this link.")
    return Response("Unsubscribed.\n", media_type="text/plain")


# Confirm or dispute a resolution from the email -----------------------------------------------


def _link_problem(request: Request, exc: DomainError) -> Response:
    complaint = getattr(exc, "complaint", None)
    response = render(
        request,
        "notify/link_problem.html",
        {"detail": exc.detail, "complaint": complaint},
        status_code=exc.status_code,
    )
    response.headers.update(NO_STORE)
    return response


def _resolution_page(
    request: Request,
    link: links.Link,
    raw: str,
    *,
    error: str | None = None,
    body: str = "",
    status_code: int = 200,
) -> Response:
    response = render(
        request,
        "notify/resolution.html",
        {"link": link, "token": raw, "error": error, "body": body},
        status_code=status_code,
    )
    response.headers.update(NO_STORE)
    return response


@router.get("/r/{token}")
def resolution_form(
    request: Request, session: SessionDep, _user: OptionalUser, token: str
) -> Response:
    try:
        link = links.check(session=session, raw=token)
    except DomainError as exc:
        return _link_problem(request, exc)
    return _resolution_page(request, link, token)


@router.post("/r/{token}/{action}")
def resolution_answer(
    request: Request,
    form: FormDep,
    session: SessionDep,
    _user: OptionalUser,
    token: str,
    action: Literal["confirm", "dispute"],
) -> Response:
    body = text(form, "body")
    try:
        complaint = links.answer(session=session, raw=token, action=action, body=body)
    except (links.LinkGone, links.NotAwaiting, NotFound) as exc:
        undo(session)
        return _link_problem(request, exc)
    except DomainError as exc:  # e.g. a dispute without a reason: show the form again
        undo(session)
        link = links.check(session=session, raw=token)
        return _resolution_page(request, link, token, error=exc.detail, body=body, status_code=422)
    return render(
        request, "notify/resolution_done.html", {"complaint": complaint, "action": action}
    )


# The development mailbox ---------------------------------------------------------------------


def _development_only(request: Request) -> None:
    if get_settings().environment != "development":
        raise HTTPException(404)
    if not ratelimit.from_loopback(request):
        raise Forbidden(
            "The development mailbox answers only to this computer (a loopback address such as "
            "127.0.0.1), never over a network."
        )


@router.get("/dev/mail", dependencies=[Depends(_development_only)])
def dev_mailbox(request: Request, session: SessionDep, _user: OptionalUser) -> Response:
    jobs = session.exec(
        select(Job).where(Job.kind == MAIL).order_by(col(Job.id).desc()).limit(200)
    ).all()
    return render(request, "notify/dev_mailbox.html", {"jobs": jobs})


@router.get("/dev/mail/{job_id}", dependencies=[Depends(_development_only)])
def dev_mail(
    request: Request, session: SessionDep, _user: OptionalUser, job_id: RecordId
) -> Response:
    job = session.get(Job, job_id)
    if job is None or job.kind != MAIL:
        raise NotFound("There is no message with that number.")
    message = build_message(job)
    return render(
        request,
        "notify/dev_mail.html",
        {
            "job": job,
            "headers": list(message.items()),
            "text": linkify(job.payload.get("text", "")),
            "html": job.payload.get("html") or "",
        },
    )


# The HTML part as a mail client shows it: its inline styles apply (the site's CSP forbids them,
# so it has a policy of its own), scripts and everything else stay off, and links open outside.
MAIL_HTML_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)
_URL = re.compile(r"https?://[^\s<>\"']+")


def linkify(text_part: str) -> Markup:
    """The plain-text part, escaped, with its web addresses made clickable."""
    out, last = [], 0
    for match in _URL.finditer(text_part):
        url = match.group(0).rstrip(".,;:)")
        out.append(escape(text_part[last : match.start()]))
        out.append(Markup('<a href="{0}">{0}</a>').format(url))
        last = match.start() + len(url)
    out.append(escape(text_part[last:]))
    return Markup("").join(out)


@router.get("/dev/mail/{job_id}/html", dependencies=[Depends(_development_only)])
def dev_mail_html(session: SessionDep, job_id: int) -> Response:
    job = session.get(Job, job_id)
    if job is None or job.kind != MAIL or not job.payload.get("html"):
        raise NotFound("There is no HTML message with that number.")
    html = '<base target="_blank">' + job.payload["html"]
    return HTMLResponse(
        html,
        headers={
            "content-security-policy": MAIL_HTML_CSP,
            "x-frame-options": "SAMEORIGIN",
            "cache-control": "no-store",
        },
    )
