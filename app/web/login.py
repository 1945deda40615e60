"""Logging a person in: a fresh session token in the cookie, then where they were going (only
ever a path on this site), or the form their expired login interrupted."""

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.accounts import service as accounts
from app.models.user import User
from app.web.sessions import session_token, set_session_cookie
from app.web.templating import render


def safe_next(target: str | None) -> str:
    """Only same-site paths, so the login form cannot be used as an open redirect."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def log_in(
    request: Request, session: Session, user: User, target: str, carry: dict | None = None
) -> Response:
    if old := session_token(request):  # rotate: the pre-login token dies
        accounts.end_session(session=session, token=old)
    token = accounts.start_session(session=session, user=user)
    request.state.session_token = token  # the page below signs its form for the new login
    response: Response
    if carry:
        # What they typed when their login ended: one press sends it back to the form, signed
        # for this login (no script, nothing filed until they publish).
        response = render(request, "accounts/continue.html", {"carry": carry})
        response.headers["Cache-Control"] = "no-store"
    else:
        response = RedirectResponse(safe_next(target), status_code=303)
    set_session_cookie(request, response, token)
    return response
