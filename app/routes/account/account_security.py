"""Email verification, forgot / reset password, and changing email or password (re-entering the
current password first). Emailed links open a page with a button: only the POST changes things."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from app.accounts import links, recovery, verification
from app.errors import DomainError
from app.models.token import Purpose
from app.models.user import User
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, OptionalUser, SessionDep
from app.web.forms import FormDep, text, undo
from app.web.link_pages import BAD_EMAIL, EMAIL, ask_for_link, page
from app.web.login import log_in, safe_next
from app.web.ratelimit import RateLimited, with_retry_after
from app.web.ratelimit import check as check_limit
from app.web.ratelimit import hit as hit_limit
from app.web.sessions import session_token

router = APIRouter(dependencies=[Depends(require_csrf)])

FORGOT_SENT = (
    "If an account uses that address, we have sent it a link to choose a new password. "
    "It works for a short while; check your spam folder too."
)


def _limited(response: Response, exc: RateLimited) -> Response:
    return with_retry_after(response, exc)


# Verification ------------------------------------------------------------------------------


@router.get("/account/verify/{token}")
def verify_page(request: Request, session: SessionDep, _user: OptionalUser, token: str):
    try:
        links.find(session=session, raw=token, purpose=Purpose.VERIFY_EMAIL)
    except DomainError as exc:
        return page(request, "link", exc.status_code, error=exc.detail)
    next_path = safe_next(request.query_params.get("next"))
    return page(request, "verify", token=token, next=next_path)


@router.post("/account/verify/{token}")
def verify(
    request: Request, form: FormDep, session: SessionDep, _user: OptionalUser, token: str
) -> Response:
    """The link proves the address, so it also signs in (sign-up finishes here)."""
    try:
        user, published = verification.verify(session=session, raw=token)
    except DomainError as exc:
        undo(session)
        return page(request, "link", exc.status_code, error=exc.detail)
    # Straight to what just went public: that is what the author was waiting for.
    if len(published) == 1:
        target = f"/complaints/{published[0].id}?published=1"
    elif published:
        target = "/me/complaints?published=1"
    else:
        next_path = safe_next(text(form, "next"))
        target = "/me/account?verified=1" if next_path == "/" else next_path
    return log_in(request, session, user, target)


@router.post("/me/account/verify")
def resend(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    if user.email_verified_at is not None:
        return RedirectResponse("/me/account", status_code=303)
    try:
        hit_limit("verify_resend_user", str(user.id))
    except RateLimited as exc:
        return _limited(_account(request, user, 429, notice_error=exc.detail), exc)
    verification.send_verification(session=session, user=user)
    return RedirectResponse("/me/account?sent=1", status_code=303)


# Forgot / reset ----------------------------------------------------------------------------


@router.get("/account/forgot")
def forgot_form(request: Request, _user: OptionalUser) -> Response:
    return page(request, "forgot", values={}, sent=None, error=None)


@router.post("/account/forgot")
def forgot(request: Request, form: FormDep, session: SessionDep, _user: OptionalUser) -> Response:
    return ask_for_link(
        request,
        form,
        session,
        template="forgot",
        limit="reset_account",
        send=recovery.request_reset,
        sent=FORGOT_SENT,
    )


@router.get("/account/reset/{token}")
def reset_form(request: Request, session: SessionDep, _user: OptionalUser, token: str):
    try:
        links.find(session=session, raw=token, purpose=Purpose.RESET_PASSWORD)
    except DomainError as exc:
        return page(request, "link", exc.status_code, error=exc.detail)
    return page(request, "reset", token=token, error=None)


@router.post("/account/reset/{token}")
def reset(request: Request, form: FormDep, session: SessionDep, _user: OptionalUser, token: str):
    password = text(form, "password")
    try:
        recovery.reset(session=session, raw=token, password=password)
    except recovery.WeakPassword as exc:
        undo(session)
        return page(request, "reset", 422, token=token, error=exc.detail)
    except DomainError as exc:
        undo(session)
        return page(request, "link", exc.status_code, error=exc.detail)
    return RedirectResponse("/login?reset=1", status_code=303)


# Account settings: change email, change password --------------------------------------------


def _account(request: Request, user: User, status_code: int = 200, **context: Any) -> Response:
    context.setdefault("values", {})
    context.setdefault("errors", {})
    query = request.query_params
    context.setdefault(
        "notice",
        "Thank you: your email address is confirmed."
        if query.get("verified")
        else "We sent a new link. It replaces any earlier one."
        if query.get("sent")
        else "Your password is changed. You were logged out everywhere else."
        if query.get("password")
        else "Check your new address: we sent it a link. Until you use it, your old address "
        "stays in use."
        if query.get("email")
        else None,
    )
    return page(request, "account", status_code, user=user, **context)


@router.get("/me/account")
def account(request: Request, user: CurrentUser) -> Response:
    return _account(request, user)


def _reauth(user: User) -> RateLimited | None:
    try:
        check_limit("reauth_user", str(user.id))
    except RateLimited as exc:
        return exc
    return None


@router.post("/me/account/email")
def change_email(
    request: Request, form: FormDep, session: SessionDep, user: CurrentUser
) -> Response:
    limited = _reauth(user)
    values = {"new_email": text(form, "new_email").strip()}
    if limited:
        page = _account(request, user, 429, values=values, errors={"email_form": limited.detail})
        return _limited(page, limited)
    try:
        EMAIL.validate_python(values["new_email"])
    except ValidationError:
        errors = {"new_email": BAD_EMAIL}
        return _account(request, user, 422, values=values, errors=errors)
    try:
        verification.request_email_change(
            session=session,
            user=user,
            password=text(form, "password"),
            new_email=values["new_email"],
            keep_token=session_token(request),
        )
    except verification.WrongPassword as exc:
        undo(session)
        hit_limit_quietly(user.id)
        errors = {"email_password": exc.detail}
        return _account(request, user, 403, values=values, errors=errors)
    except DomainError as exc:
        undo(session)
        return _account(request, user, 409, values=values, errors={"new_email": exc.detail})
    return RedirectResponse("/me/account?email=1", status_code=303)


@router.post("/me/account/password")
def change_password(
    request: Request, form: FormDep, session: SessionDep, user: CurrentUser
) -> Response:
    limited = _reauth(user)
    if limited:
        page = _account(request, user, 429, errors={"password_form": limited.detail})
        return _limited(page, limited)
    try:
        recovery.change_password(
            session=session,
            user=user,
            current=text(form, "current_password"),
            new=text(form, "new_password"),
            keep_token=session_token(request),
        )
    except verification.WrongPassword as exc:
        undo(session)
        hit_limit_quietly(user.id)
        return _account(request, user, 403, errors={"password_current": exc.detail})
    except recovery.WeakPassword as exc:
        undo(session)
        return _account(request, user, 422, errors={"new_password": exc.detail})
    return RedirectResponse("/me/account?password=1", status_code=303)


def hit_limit_quietly(user_id: int | None) -> None:
    """A wrong current password counts against the re-authentication allowance."""
    try:
        hit_limit("reauth_user", str(user_id))
    except RateLimited:
        return


@router.get("/account/email/confirm/{token}")
def email_confirm_page(request: Request, session: SessionDep, _user: OptionalUser, token: str):
    try:
        _token, owner = links.find(session=session, raw=token, purpose=Purpose.CHANGE_EMAIL)
    except DomainError as exc:
        return page(request, "link", exc.status_code, error=exc.detail)
    return page(request, "email_confirm", token=token, new_email=owner.pending_email)


@router.post("/account/email/confirm/{token}")
def email_confirm(request: Request, session: SessionDep, _user: OptionalUser, token: str):
    try:
        verification.confirm_email_change(
            session=session, raw=token, keep_token=session_token(request)
        )
    except DomainError as exc:
        undo(session)
        return page(request, "link", exc.status_code, error=exc.detail)
    return RedirectResponse("/me/account?verified=1", status_code=303)
