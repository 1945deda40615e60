"""Annotated dependency aliases used by every route."""

from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.accounts import service as accounts
from app.db import get_session
from app.models.user import User
from app.web.sessions import session_token

SessionDep = Annotated[Session, Depends(get_session)]


class LoginRequired(Exception):
    """Raised for anonymous visitors on pages that need an account."""


def optional_user(request: Request, session: SessionDep) -> User | None:
    token = session_token(request)
    user = accounts.user_for_token(session=session, token=token) if token else None
    request.state.user = user
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]


def current_user(user: OptionalUser) -> User:
    if user is None:
        raise LoginRequired
    return user


CurrentUser = Annotated[User, Depends(current_user)]
