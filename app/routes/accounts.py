"""Sign up, log in, log out, and the consumer's own complaints."""

import contextlib

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import service as accounts
from app.accounts import verification
from app.complaints import service as complaints
from app.errors import Conflict
from app.models.forms import SignupForm
from app.moderation import statements as moderation_statements
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, OptionalUser, SessionDep
from app.web.forms import FormDep, parse, text
from app.web.pagination import Page
from app.web.ratelimit import RateLimited, client_ip, with_retry_after
from app.web.ratelimit import check as check_limit
from app.web.ratelimit import hit as hit_limit
from app.web.sessions import session_token, set_session_cookie
from app.web.templating import render

HONEYPOT = "website"  # a field people never see (templates/partials/honeypot.html)

router = APIRouter(dependencies=[Depends(require_csrf)])


def safe_next(target: str | None) -> str:
    """Only same-site paths, so the login form cannot be used as an open redirect."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def _log_in(request: Request, session: SessionDep, user, target: str) -> Response:
    if old := session_token(request):  # rotate: the pre-login token dies
        accounts.end_session(session=session, token=old)
    response = RedirectResponse(safe_next(target), status_code=303)
    set_session_cookie(request, response, accounts.start_session(session=session, user=user))
    return response


@router.get("/signup")
def signup_form(request: Request, user: OptionalUser) -> Response:
    return render(
        request,
        "accounts/signup.html",
        {"values": {}, "errors": {}, "next": request.query_params.get("next")},
    )


@router.post("/signup")
def signup(request: Request, form: FormDep, session: SessionDep, _user: OptionalUser) -> Response:
    if text(form, HONEYPOT):  # a bot: look like success, keep nothing
        return RedirectResponse("/", status_code=303)
    values = {k: text(form, k) for k in ("email", "display_name", "password")}
    context = {"next": text(form, "next"), "limited": None}
    try:
        hit_limit("signup_ip", client_ip(request))
    except RateLimited as exc:
        values.pop("password")
        context.update(values=values, errors={}, limited=exc.detail)
        return with_retry_after(
            render(request, "accounts/signup.html", context, status_code=429), exc
        )
    data, errors = parse(SignupForm, values)
    if data:
        try:
            user = accounts.create_user(
                session=session,
                email=data.email,
                password=data.password,
                display_name=data.display_name,
                verified=False,
            )
            verification.send_verification(session=session, user=user)
            return _log_in(request, session, user, text(form, "next"))
        except Conflict as exc:
            errors = {"email": exc.detail}
    values.pop("password")
    context.update(values=values, errors=errors)
    return render(request, "accounts/signup.html", context, status_code=422)


@router.get("/login")
def login_form(request: Request, _user: OptionalUser) -> Response:
    return render(
        request,
        "accounts/login.html",
        {"values": {}, "error": None, "next": request.query_params.get("next", "/")},
    )


@router.post("/login")
def login(request: Request, form: FormDep, session: SessionDep, _user: OptionalUser) -> Response:
    email, target = text(form, "email"), text(form, "next")
    account_key = accounts.normalize_email(email)
    try:
        hit_limit("login_ip", client_ip(request))
        check_limit("login_account", account_key)  # only failures count against the account
    except RateLimited as exc:
        context = {"values": {"email": email}, "next": target, "error": exc.detail}
        return with_retry_after(
            render(request, "accounts/login.html", context, status_code=429), exc
        )
    user = accounts.authenticate(session=session, email=email, password=text(form, "password"))
    if user is None:
        # This failure may use up the allowance: then the next try is refused.
        with contextlib.suppress(RateLimited):
            hit_limit("login_account", account_key)
        return render(
            request,
            "accounts/login.html",
            {
                "values": {"email": email},
                "next": target,
                "error": "That email and password do not match an account.",
            },
            status_code=401,
        )
    return _log_in(request, session, user, target)


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    if token := session_token(request):
        accounts.end_session(session=session, token=token)
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(request, response, None)
    return response


@router.get("/me/complaints")
def my_complaints(
    request: Request, session: SessionDep, user: CurrentUser, page: int = 1
) -> Response:
    pager = Page.of(page)
    rows, total = complaints.search(
        session=session,
        filters=complaints.Filters(author_id=user.id),
        offset=pager.offset,
        limit=pager.size,
    )
    # Statements of reasons for moderation decisions about their content (app/moderation/).
    decisions = moderation_statements.for_user(session=session, user_id=user.id)
    return render(
        request,
        "accounts/my_complaints.html",
        {
            "rows": rows,
            "pager": pager.with_total(total, cap=complaints.COUNT_CAP),
            "decisions": decisions,
        },
    )
