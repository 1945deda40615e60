"""One-time sign-in links (app/accounts/sign_in.py): ask for one, open it, press the button."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import EmailStr, TypeAdapter, ValidationError

from app.accounts import links, sign_in
from app.errors import DomainError
from app.models.token import Purpose
from app.routes.accounts import log_in
from app.web.csrf import require_csrf
from app.web.deps import OptionalUser, SessionDep
from app.web.forms import FormDep, text
from app.web.ratelimit import RateLimited, client_ip, with_retry_after
from app.web.ratelimit import hit as hit_limit
from app.web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])

LINK_SENT = (
    "If an account uses that address, we have sent it a sign-in link. It works once, for "
    f"{sign_in.LINK_MINUTES} minutes; check your spam folder too."
)
_email = TypeAdapter(EmailStr)


def _page(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    response = render(request, f"accounts/{name}.html", context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # pages carrying one-time links
    return response


@router.get("/login/link")
def link_form(request: Request, _user: OptionalUser) -> Response:
    email = request.query_params.get("email", "")
    return _page(request, "sign_in_link", values={"email": email}, sent=None, error=None)


@router.post("/login/link")
def ask(request: Request, form: FormDep, session: SessionDep, _user: OptionalUser) -> Response:
    email = text(form, "email").strip()
    try:
        _email.validate_python(email)
    except ValidationError:
        error = "Please enter an email address like name@example.org."
        return _page(request, "sign_in_link", 422, values={"email": email}, sent=None, error=error)
    try:  # per address typed, whether or not it has an account: the answer tells nothing
        hit_limit("reset_ip", client_ip(request))
        hit_limit("login_link_account", email.lower())
    except RateLimited as exc:
        page = _page(
            request, "sign_in_link", 429, values={"email": email}, sent=None, error=exc.detail
        )
        return with_retry_after(page, exc)
    sign_in.request_link(session=session, email=email)
    return _page(request, "sign_in_link", values={}, sent=LINK_SENT, error=None)


@router.get("/login/link/{token}")
def open_link(request: Request, session: SessionDep, _user: OptionalUser, token: str):
    """Only a page with a button: mail scanners that fetch links sign nobody in."""
    try:
        links.find(session=session, raw=token, purpose=Purpose.SIGN_IN)
    except DomainError as exc:
        return _page(request, "link", exc.status_code, error=exc.detail)
    return _page(request, "sign_in_confirm", token=token)


@router.post("/login/link/{token}")
def use(request: Request, session: SessionDep, _user: OptionalUser, token: str) -> Response:
    try:
        user = sign_in.use_link(session=session, raw=token)
    except DomainError as exc:
        session.rollback()
        return _page(request, "link", exc.status_code, error=exc.detail)
    return log_in(request, session, user, "/")
