"""CSRF tokens bound to the visitor: the login session, or an anonymous cookie before login.

The token is an HMAC of that value, so nothing extra is stored and a token from another visitor
(or another site) never matches.
"""

import hashlib
import hmac
import secrets

from fastapi import Request

from app.config import get_settings
from app.errors import Forbidden
from app.web.sessions import session_token

ANON_COOKIE = "outcry_anon"


def anon_cookie_name() -> str:
    """Over https the anonymous cookie is ``__Host-`` prefixed, like the session's: the browser
    then takes it only from this exact host, over https, for the whole site (RFC 6265bis), so a
    sibling subdomain cannot plant one and fix a visitor's CSRF token."""
    return f"__Host-{ANON_COOKIE}" if get_settings().is_https else ANON_COOKIE


FIELD = "csrf_token"
HEADER = "x-csrf-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _binding(request: Request) -> str:
    token = session_token(request)
    if token:
        return "s:" + token
    anon = request.cookies.get(anon_cookie_name()) or getattr(request.state, "new_anon", None)
    if not anon:
        anon = secrets.token_urlsafe(24)
        request.state.new_anon = anon  # set on the response by the middleware
    return "a:" + anon


def token_for(request: Request) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, _binding(request).encode(), hashlib.sha256).hexdigest()


async def require_csrf(request: Request) -> None:
    """Dependency for every state-changing route: refuse a missing or foreign token."""
    if request.method not in UNSAFE:
        return
    sent = request.headers.get(HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get(FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(sent, token_for(request)):
        raise FormExpired(
            "This form has expired or did not come from Outcry. Go back, reload the page "
            "and submit it again."
        )


class FormExpired(Forbidden):
    """A form whose token no longer matches the visitor (their login ended since, or it is
    forged). The filing form answers it with "log in and continue" (app/web/errors.py)."""
