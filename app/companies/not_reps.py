"""A per-process memo of users known to represent no company, so that a consumer's page view
asks the database nothing about memberships (the navigation's "Dashboard" link and the page's
rep-only parts ask on every signed-in page).

Only the negative answer is kept: a stale one can hide a link or refuse a rep for a moment,
never let anyone in. Memberships that exist are read live on every request, so a revoked rep
loses access at once. An entry lives ``OUTCRY_SESSION_CACHE_SECONDS``, like the login memo (and
as many again while the login's next lookup refreshes it), and
any change to a membership or a claim in this process forgets every entry, at the flush and
again at the commit (a lookup that read the old rows in between is not kept). Another process's
change reaches this one within those seconds.
"""

import threading
import time
from collections.abc import Iterable

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from app.models.membership import Claim, CompanyMember

_MAX_ENTRIES = 50_000
_lock = threading.Lock()
_entries: dict[int, tuple[float, float]] = {}  # user id -> (looked up at, fresh until)
_changed_at = 0.0  # monotonic: the last change to a membership or claim seen in this process


def known(user_id: int) -> bool:
    """Is this user known, since the last change, to represent no company?"""
    entry = _entries.get(user_id)
    if entry is None:
        return False
    looked_up_at, fresh_until = entry
    # Past its seconds, for as many again: the login's own lookup (app/web/deps.py) reads it
    # again then, so a busy reader's pages never all ask at once when it lapses.
    if looked_up_at <= _changed_at or 2 * fresh_until - looked_up_at <= time.monotonic():
        _entries.pop(user_id, None)
        return False
    return True


def keep(user_id: int, *, started: float, seconds: float) -> None:
    """Remember a lookup that began at ``started`` (monotonic) and found no membership."""
    if seconds <= 0 or started <= _changed_at:
        return
    with _lock:
        if len(_entries) >= _MAX_ENTRIES:
            _entries.clear()
        _entries[user_id] = (started, started + seconds)


def forget_all() -> None:
    global _changed_at
    _changed_at = time.monotonic()
    _entries.clear()


_PENDING = "outcry_not_reps_forget"  # session.info: forget again when this transaction commits


def _touches(objects: Iterable[object]) -> bool:
    return any(isinstance(obj, (CompanyMember, Claim)) for obj in objects)


def _on_flush(session: Session, _context: object, _instances: object) -> None:
    if _touches(session.new) or _touches(session.dirty) or _touches(session.deleted):
        forget_all()
        session.info[_PENDING] = True


def _on_bulk(state: ORMExecuteState) -> None:
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper and mapper.class_ in (CompanyMember, Claim):
        forget_all()
        state.session.info[_PENDING] = True


def _on_commit(session: Session) -> None:
    if session.info.pop(_PENDING, False):
        forget_all()


def _on_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def install() -> None:
    """Forget on change (``app/startup.py``, once)."""
    for name, hook in (
        ("before_flush", _on_flush),
        ("do_orm_execute", _on_bulk),
        ("after_commit", _on_commit),
        ("after_rollback", _on_rollback),
    ):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
