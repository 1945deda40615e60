"""What the emailed-link pages share (forgot password, sign-in link): pages that are never
stored, and the "send me a link" form, which answers the same whether or not an account uses
the address typed."""

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlmodel import Session

from app.web.forms import text
from app.web.ratelimit import RateLimited, client_ip, with_retry_after
from app.web.ratelimit import hit as hit_limit
from app.web.templating import render

EMAIL = TypeAdapter(EmailStr)
BAD_EMAIL = "Please enter an email address like name@example.org."


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    response = render(request, f"accounts/{name}.html", context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # pages carrying one-time links
    return response


def ask_for_link(
    request: Request,
    form: Any,
    session: Session,
    *,
    template: str,
    limit: str,
    send: Callable[..., None],
    sent: str,
) -> Response:
    """Check the address, count the ask per client and per address typed, then ``send`` (which
    mails a link, or does the same work unsent) and say ``sent``, whoever owns the address."""
    email = text(form, "email").strip()
    try:
        EMAIL.validate_python(email)
    except ValidationError:
        return page(request, template, 422, values={"email": email}, sent=None, error=BAD_EMAIL)
    try:  # per address typed, whether or not it has an account: the answer tells nothing
        hit_limit("reset_ip", client_ip(request))
        hit_limit(limit, email.lower())
    except RateLimited as exc:
        refused = page(request, template, 429, values={"email": email}, sent=None, error=exc.detail)
        return with_retry_after(refused, exc)
    send(session=session, email=email)
    return page(request, template, values={}, sent=sent, error=None)
