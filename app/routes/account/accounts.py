"""Sign up, log in, log out, and the consumer's own complaints."""

import contextlib
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import service as accounts
from app.accounts import verification
from app.accounts.forms import SignupForm
from app.models.complaint import Turn
from app.models.keys import pk
from app.moderation import statements as moderation_statements
from app.search import service as searching
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, OptionalUser, SessionDep
from app.web.forms import HONEYPOT, FormDep, parse, text
from app.web.login import log_in, safe_next
from app.web.pagination import Page
from app.web.ratelimit import RateLimited, client_ip, with_retry_after
from app.web.ratelimit import check as check_limit
from app.web.ratelimit import hit as hit_limit
from app.web.sessions import session_token, set_session_cookie
from app.web.templating import render

CARRY = "carry."  # a field people never see (templates/partials/honeypot.html)

router = APIRouter(dependencies=[Depends(require_csrf)])


def carried(form) -> dict[str, str]:
    """The filing form's fields carried through the login page ("carry.title"…)."""
    return {k.removeprefix(CARRY): text(form, k) for k in form if k.startswith(CARRY)}


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
        return RedirectResponse("/signup/sent", status_code=303)
    values = {k: text(form, k) for k in ("email", "display_name", "password")}
    context: dict[str, Any] = {"next": text(form, "next"), "limited": None}
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
        # The same answer whether or not the address has an account: a new account gets a link
        # that finishes signing up, an existing one's owner is told instead.
        verification.sign_up(
            session=session,
            email=data.email,
            password=data.password,
            display_name=data.display_name,
            next_path=safe_next(text(form, "next")),
        )
        return RedirectResponse("/signup/sent", status_code=303)
    values.pop("password")
    context.update(values=values, errors=errors)
    return render(request, "accounts/signup.html", context, status_code=422)


@router.get("/signup/sent")
def signup_sent(request: Request, _user: OptionalUser) -> Response:
    return render(request, "accounts/signup_sent.html", {})


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
    # Failures count per account AND address, so guesses from elsewhere never lock the owner
    # out; the login_ip limit bounds each address, and the owner can always use a mailed link.
    pair_key = f"{accounts.normalize_email(email)} {client_ip(request)}"
    carry = carried(form)
    try:
        hit_limit("login_ip", client_ip(request))
        check_limit("login_pair", pair_key)  # only failures count
    except RateLimited as exc:
        context = {
            "values": {"email": email},
            "next": target,
            "error": exc.detail,
            "offer_link": True,
            "carry": carry,
        }
        return with_retry_after(
            render(request, "accounts/login.html", context, status_code=429), exc
        )
    user = accounts.authenticate(session=session, email=email, password=text(form, "password"))
    if user is None:
        # This failure may use up the allowance: then the next try is refused.
        with contextlib.suppress(RateLimited):
            hit_limit("login_pair", pair_key)
        return render(
            request,
            "accounts/login.html",
            {
                "values": {"email": email},
                "next": target,
                "error": "That email and password do not match an account.",
                "carry": carry,
            },
            status_code=401,
        )
    return log_in(request, session, user, target, carry)


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    if token := session_token(request):
        accounts.end_session(session=session, token=token)
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(request, response, None)
    return response


@router.get("/me/complaints")
def my_complaints(
    request: Request, session: SessionDep, user: CurrentUser, page: int = 1, turn: str = ""
) -> Response:
    pager = Page.of(page)
    mine = turn == "mine"  # only those waiting for me
    rows, total = searching.search(
        session=session,
        filters=searching.Filters(author_id=user.id, waiting_for=Turn.CONSUMER if mine else None),
        offset=pager.offset,
        limit=pager.size,
    )
    # Statements of reasons for moderation decisions about their content (app/moderation/).
    decisions = moderation_statements.for_user(session=session, user_id=pk(user))
    return render(
        request,
        "accounts/my_complaints.html",
        {
            "rows": rows,
            "pager": pager.with_total(total, cap=searching.COUNT_CAP),
            "decisions": decisions,
            "only_mine": mine,
        },
    )
