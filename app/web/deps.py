"""Annotated dependency aliases used by every route."""

from typing import Annotated

import anyio.to_thread
from fastapi import Depends, Header, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from app.accounts import service as accounts
from app.companies import members
from app.db import get_session, take_slot
from app.errors import Forbidden
from app.integrations import tokens
from app.models.user import User
from app.web.sessions import session_token

# scope="function": commit before the response is sent. With FastAPI's default ("request") the
# commit ran after it, so a browser following the 303 could read the database before it landed.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


class LoginRequired(Exception):
    """Raised for anonymous visitors on pages that need an account."""


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def look_up_viewer(request: Request, session: Session) -> User | None:
    """The signed-in visitor, read from the database (in a thread: it queries). For a read, the
    memo of users who represent no company is refreshed with the login's (not_reps.py)."""
    token = session_token(request)
    user = accounts.user_for_token(session=session, token=token) if token else None
    if user is not None and request.method in SAFE_METHODS:
        members.recheck_not_rep(session=session, user=user)
    request.state.user = user
    return user


async def optional_user(request: Request, session: SessionDep) -> User | None:
    """The signed-in visitor. On the event loop: an anonymous visit, or a read whose login this
    process knows (app/accounts/session_cache.py), costs no thread hop and no query."""
    token = session_token(request)
    user = None
    if token and request.method in SAFE_METHODS:
        user = accounts.cached_user(session=session, token=token)
    if token and user is None:
        await take_slot(session)
        return await anyio.to_thread.run_sync(look_up_viewer, request, session)
    request.state.user = user
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]


async def current_user(request: Request, user: OptionalUser) -> User:
    return require_viewer(request, user)


def require_viewer(request: Request, user: User | None) -> User:
    if user is None:
        raise LoginRequired
    if user.suspended_at is not None and request.method not in ("GET", "HEAD", "OPTIONS"):
        # Suspended (app/moderation/): they may log in and read, but change nothing.
        raise Forbidden(
            "Your account is suspended, so you cannot do this. Reason: "
            f"{user.suspension_reason or 'not given'}. The statement of reasons is on "
            "your complaints page and was sent to you by email."
        )
    return user


CurrentUser = Annotated[User, Depends(current_user)]


# Declares the scheme in the OpenAPI docs ("Authorize"); company_actor answers the errors itself.
_bearer = HTTPBearer(auto_error=False, description="An API token from your integrations page.")


def company_actor(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    agent: Annotated[
        str | None,
        Header(
            alias="X-Outcry-Agent",
            max_length=254,
            description="Act for this active rep of the company (user id or email address): "
            "replies are signed with their name. Without it, the token's creator acts.",
        ),
    ] = None,
) -> tokens.CompanyActor:
    """The company an ``Authorization: Bearer`` API token acts for. Cookies are never read here,
    so a browser cannot be tricked into using it cross-site: these routes need no CSRF token."""
    challenge = 'Bearer realm="outcry"'
    if credentials is None or not credentials.credentials.strip():
        raise HTTPException(
            401,
            "Send an API token: Authorization: Bearer <token>.",
            headers={"WWW-Authenticate": challenge},
        )
    actor = tokens.authenticate(session=session, raw=credentials.credentials.strip())
    if actor is None:
        raise HTTPException(
            401,
            "This API token is not valid: it may have been revoked, or its creator no longer "
            "represents the company.",
            headers={"WWW-Authenticate": challenge + ', error="invalid_token"'},
        )
    if actor.user.suspended_at is not None:
        raise HTTPException(403, "The account behind this API token is suspended.")
    if agent is not None and agent.strip():
        actor = tokens.acting_for(session=session, actor=actor, agent=agent)
        if actor.user.suspended_at is not None:
            raise HTTPException(403, "The agent's account is suspended.")
    request.state.user = actor.user
    return actor


CompanyActor = Annotated[tokens.CompanyActor, Depends(company_actor)]
