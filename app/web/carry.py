"""Carrying what a visitor typed across a login: the filing form, sent after the login it was
signed for ended, becomes a login form that brings everything typed back to the filing form."""

from fastapi import Request
from fastapi.responses import Response

from app.web.forms import HONEYPOT
from app.web.templating import render

NOT_CARRIED = {"csrf_token", "step", "previewed", HONEYPOT}


def log_in_to_continue(request: Request, values: dict, reason: str | None = None) -> Response:
    """The login ended (or the form's token expired) while they wrote: a login form that carries
    what they typed back to the filing form, instead of a bare refusal that loses it."""
    carry = {k: v for k, v in values.items() if k not in NOT_CARRIED}
    context = {"values": {}, "error": None, "next": "/complaints/new", "carry": carry}
    if reason:
        context["carry_reason"] = reason
    page = render(request, "accounts/login.html", context, status_code=401)
    page.headers["Cache-Control"] = "no-store"
    return page


def expired_filing(request: Request, form: dict) -> Response:
    """The filing form came back with a token that no longer matches because the login it was
    signed for ended: log in and continue."""
    values = {k: v.replace("\x00", "") for k, v in form.items() if isinstance(v, str)}
    return log_in_to_continue(request, values, "Your login ended before it was sent.")
