"""Pages tried on the event loop first, moved to a thread the moment they would use the database.

A signed-in reader's page whose parts this process keeps (app/web/caching.py) is answered with
no query at all, and then the thread-pool hop of a plain ``def`` route is the largest cost left
(a fifth of the request). ``on_loop_first`` runs such a page on the event loop with the
database closed to it: its first statement, or flush, raises ``NeedsThread`` before a connection
is taken, and the page runs again from the start in a thread. So no statement ever runs on the
loop, whatever a template or helper reaches for (tests/web/test_routes_off_the_loop.py).
"""

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

T = TypeVar("T")

_closed = contextvars.ContextVar("outcry_database_closed", default=False)


class NeedsThread(BaseException):
    """The page reached for the database while on the event loop. A BaseException, so that no
    ``except Exception`` on the way swallows it and draws a page without what it asked for."""


@event.listens_for(Session, "do_orm_execute")
def _refuse_statement(_state: ORMExecuteState) -> None:
    # Runs before the session takes a connection, so a refused statement costs no I/O.
    if _closed.get():
        raise NeedsThread


@event.listens_for(Session, "before_flush")
def _refuse_flush(_session: Session, _context: Any, _instances: Any) -> None:
    if _closed.get():
        raise NeedsThread


async def on_loop_first(
    page: Callable[[], T],
    *,
    try_loop: bool,
    before_thread: Callable[[], Awaitable[None]] | None = None,
) -> T:
    """``page()`` on the event loop when ``try_loop`` (the caller expects no query: its parts
    are kept), otherwise, or as soon as it would query, in a thread of the pool, after
    ``before_thread()`` (the request's connection slot, app/db.py)."""
    if try_loop:
        # A turn for the loop first: pages run to completion back to back otherwise left some
        # connections waiting (64 connections, one process: p99 0.3-1 s against 0.17-0.21 s).
        await asyncio.sleep(0)
        token = _closed.set(True)
        try:
            return page()
        except NeedsThread:
            pass
        finally:
            _closed.reset(token)
    if before_thread is not None:
        await before_thread()
    return await anyio.to_thread.run_sync(page)
