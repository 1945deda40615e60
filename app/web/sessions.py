"""The login cookie: names and flags follow OWASP ASVS (``__Host-`` and Secure over https)."""

from fastapi import Request, Response

from app.config import get_settings


def cookie_name() -> str:
    return "__Host-outcry_session" if get_settings().is_https else "outcry_session"


def session_token(request: Request) -> str | None:
    if hasattr(request.state, "session_token"):  # rotated during this request
        return request.state.session_token
    return request.cookies.get(cookie_name())


def set_session_cookie(request: Request, response: Response, token: str | None) -> None:
    settings = get_settings()
    request.state.session_token = token
    if token is None:
        response.delete_cookie(cookie_name(), path="/", secure=settings.is_https, httponly=True)
        return
    response.set_cookie(
        cookie_name(),
        token,
        max_age=settings.session_days * 86_400,
        path="/",
        secure=settings.is_https,
        httponly=True,
        samesite="lax",
    )


def wrote_cookie_name() -> str:
    """Set for a moment on the answer to a signed-in visitor's change (``EdgeMiddleware``):
    their next pages are built from the database, not from a validator this process remembers
    (``caching.remembered``), so they see their own change at once, whichever process answers.
    Rails's database selector keeps a writer on the primary database the same way."""
    return "__Host-outcry_wrote" if get_settings().is_https else "outcry_wrote"


def wrote_recently(request: Request) -> bool:
    return wrote_cookie_name() in request.cookies
