"""A per-process memo of whom a login token belongs to, so that a signed-in page view needs no
query (and no thread) to know its viewer.

Only reads use it (``accounts.service.cached_user``; GET, HEAD, OPTIONS): every request that
changes something looks its login up in the database. An entry lives
``OUTCRY_SESSION_CACHE_SECONDS`` (default 2; 0 turns the memo off) and never past its login's
expiry. A change is seen:

- in this process, from its commit on: a flush that changes or deletes a user, or deletes a
  login, forgets that user's entries, and forgets them again when the transaction commits, so
  a lookup that read the old rows meanwhile is not kept (``_changed`` stamps each user; an
  entry looked up before the stamp is ignored). Bulk updates and deletes of either table
  forget every entry.
- in other processes (other workers, servers), within twice that many seconds (the lapsed
  answer serves while one read looks it up again): a login ended or a password changed
  elsewhere may still read pages here for up to 4 s, never change anything.
"""

import threading
import time
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session

from app.models.user import User, UserSession

_MAX_ENTRIES = 10_000
_lock = threading.Lock()
# token hash -> (fresh until (monotonic), looked up at (monotonic), login expiry, user's columns)
_entries: dict[str, tuple[float, float, datetime, dict[str, Any]]] = {}
_changed: dict[int, float] = {}  # user id -> when a change to them was last seen (monotonic)
_all_changed = 0.0

USER_COLUMNS = tuple(attr.key for attr in inspect(User).column_attrs)


_refreshing: set[str] = set()  # lapsed entries one request is looking up again


def lookup(token_hash: str) -> tuple[datetime, dict[str, Any]] | None:
    """The login's expiry and its user's columns, if known and not since changed.

    Once an entry's seconds are up, the first read to ask gets None and looks the login up
    again (``keep`` ends its turn, ``drop`` if the login is gone); until it has, for at most as
    many seconds again, the others keep the lapsed answer. Otherwise each of a busy visitor's
    reads in flight then would look the login up itself."""
    entry = _entries.get(token_hash)
    if entry is None:
        return None
    fresh_until, looked_up_at, expires_at, values = entry
    if looked_up_at <= _all_changed or looked_up_at <= _changed.get(values["id"], 0.0):
        drop(token_hash)
        return None
    now = time.monotonic()
    if fresh_until > now:
        return expires_at, values
    if now < fresh_until + (fresh_until - looked_up_at):
        with _lock:
            if token_hash in _refreshing:
                return expires_at, values
            _refreshing.add(token_hash)
        return None
    drop(token_hash)
    return None


def drop(token_hash: str) -> None:
    """Forget one login (gone, or its lookup failed)."""
    with _lock:
        _entries.pop(token_hash, None)
        _refreshing.discard(token_hash)


def keep(
    token_hash: str, *, started: float, seconds: float, expires_at: datetime, user: User
) -> None:
    """Remember a lookup that began at ``started`` (monotonic), before its query ran."""
    if seconds <= 0:
        return
    values = {key: getattr(user, key) for key in USER_COLUMNS}
    with _lock:
        if len(_entries) >= _MAX_ENTRIES:
            _entries.clear()  # crude, and rare: a process sees that many logins within seconds
        _entries[token_hash] = (started + seconds, started, expires_at, values)
        _refreshing.discard(token_hash)


def forget_user(user_id: int | None) -> None:
    if user_id is None:
        return
    if len(_changed) >= _MAX_ENTRIES:
        forget_all()  # every entry is then older than the stamp: the per-user ones can go
        _changed.clear()
    _changed[user_id] = time.monotonic()


def forget_all() -> None:
    global _all_changed
    _all_changed = time.monotonic()
    _entries.clear()
    _refreshing.clear()


_PENDING = "outcry_session_cache_forget"  # session.info: users to forget again at commit


def _on_flush(session: Session, _context: object, _instances: object) -> None:
    users: set[int | None] = set()
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, User):
            users.add(obj.id)
        elif isinstance(obj, UserSession) and obj in session.deleted:
            users.add(obj.user_id)
    if users:
        for user_id in users:
            forget_user(user_id)
        session.info.setdefault(_PENDING, set()).update(users)


def _on_bulk(state: ORMExecuteState) -> None:
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper and mapper.class_ in (User, UserSession):
        forget_all()
        state.session.info[_PENDING + "_all"] = True


def _on_commit(session: Session) -> None:
    for user_id in session.info.pop(_PENDING, ()):
        forget_user(user_id)
    if session.info.pop(_PENDING + "_all", False):
        forget_all()


def _on_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_PENDING + "_all", None)


def install() -> None:
    """Forget what changes (``app/startup.py``, once): without these hooks the memo would keep
    a logged-out login for its seconds in this process too."""
    for name, hook in (
        ("before_flush", _on_flush),
        ("do_orm_execute", _on_bulk),
        ("after_commit", _on_commit),
        ("after_rollback", _on_rollback),
    ):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
