"""Users and login sessions. Services flush but never commit: the request boundary does."""

import functools
import secrets
import time
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import delete, inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col, select

from app.accounts import session_cache
from app.clock import utcnow
from app.config import get_settings
from app.db import rows_changed
from app.errors import Conflict
from app.hashing import token_hash
from app.models.keys import pk
from app.models.user import User, UserSession


# The test suite's logins would spend minutes of CPU on argon2's deliberate cost, so under
# OUTCRY_ENVIRONMENT=test the same argon2id code runs with its smallest parameters.
def password_hasher(environment: str) -> PasswordHash:
    """argon2id with pwdlib's OWASP-aligned defaults (64 MiB, 3 passes), except in tests."""
    if environment == "test":
        return PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    return PasswordHash((Argon2Hasher(),))


@functools.cache
def _hasher() -> PasswordHash:
    return password_hasher(get_settings().environment)


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this keeps unknown-email logins as slow as wrong-password ones."""
    return _hasher().hash("not-a-real-password")


MIN_PASSWORD_LENGTH = 8  # OWASP ASVS: 8+ characters, no composition rules


def normalize_email(email: str) -> str:
    return email.strip().lower()


def get_by_email(*, session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalize_email(email))).first()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def create_user(
    *,
    session: Session,
    email: str,
    password: str | None = None,
    password_hash: str | None = None,
    display_name: str,
    is_admin: bool = False,
    verified: bool = True,
) -> User:
    """Create an account from a password, or from a ready hash (bulk loads hash once).

    Accounts an operator makes (CLI, demo) are trusted; public sign-up passes ``verified=False``
    and its complaints wait for the emailed link (app/accounts/verification.py)."""
    if get_by_email(session=session, email=email):
        raise Conflict("An account with this email address already exists.")
    if (password is None) == (password_hash is None):
        raise ValueError("give exactly one of password and password_hash")
    user = User(
        email=normalize_email(email),
        password_hash=password_hash or _hasher().hash(password or ""),
        display_name=display_name.strip(),
        is_admin=is_admin,
        email_verified_at=utcnow() if verified else None,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    user = get_by_email(session=session, email=email)
    if user is None:
        _hasher().verify(password, _dummy_hash())
        return None
    valid, new_hash = _hasher().verify_and_update(password, user.password_hash)
    if not valid:
        return None
    if new_hash:
        user.password_hash = new_hash
    return user


def start_session(*, session: Session, user: User, now: datetime | None = None) -> str:
    """Create a login and return its cookie token (256 random bits)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            token_hash=token_hash(token),
            user_id=pk(user),
            created_at=now,
            expires_at=now + timedelta(days=get_settings().session_days),
        )
    )
    session.flush()
    return token


def user_for_token(*, session: Session, token: str, now: datetime | None = None) -> User | None:
    started = time.monotonic()
    hashed = token_hash(token)
    row = session.exec(
        select(UserSession, User)
        .join(User, col(User.id) == col(UserSession.user_id))
        .where(col(UserSession.token_hash) == hashed)
    ).first()
    if row is None or row[0].expires_at <= (now or utcnow()):
        session_cache.drop(hashed)
        return None
    seconds = get_settings().session_cache_seconds
    session_cache.keep(hashed, started=started, seconds=seconds, expires_at=row[0].expires_at,
                       user=row[1])  # fmt: skip
    return row[1]


_user_mapper = inspect(User)
_new_user = _user_mapper.class_manager.new_instance


def cached_user(*, session: Session, token: str) -> User | None:
    """The login's user from this process's memo (app/accounts/session_cache.py), added to
    ``session`` without a query; None when not known. For requests that only read."""
    found = session_cache.lookup(token_hash(token))
    if found is None:
        return None
    expires_at, values = found
    if expires_at <= utcnow():
        return None
    identity = _user_mapper.identity_key_from_primary_key((values["id"],))
    if (known := session.identity_map.get(identity)) is not None:
        return known  # already in this session (a session shared across requests)
    # Built as a query's loader builds it (its columns written straight into the instance's
    # dict, no validation, no history): clean, nothing to write back.
    user = _new_user()
    user.__dict__.update(values)
    make_transient_to_detached(user)
    session.add(user)
    return user


def end_session(*, session: Session, token: str) -> None:
    session.execute(delete(UserSession).where(col(UserSession.token_hash) == token_hash(token)))


def end_other_sessions(*, session: Session, user: User, keep_token: str | None = None) -> int:
    """Log the user out everywhere except the login ``keep_token`` (None: everywhere)."""
    stmt = delete(UserSession).where(col(UserSession.user_id) == user.id)
    if keep_token:
        stmt = stmt.where(col(UserSession.token_hash) != token_hash(keep_token))
    return rows_changed(session.execute(stmt)) or 0


def check_password(*, user: User, password: str) -> bool:
    """Re-authentication: is this the user's current password?"""
    valid, _ = _hasher().verify_and_update(password, user.password_hash)
    return valid


def set_password(*, session: Session, user: User, password: str) -> None:
    user.password_hash = _hasher().hash(password)
    session.add(user)
    session.flush()
