"""Connection slots: one per pooled connection of the request pool, taken on the event loop
before a request's session may use a thread, so that a thread never waits for the pool
(the rule is in app/db.py's docstring). The thread pool is sized with them."""

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import Engine

# Threads beyond the slots, for the work that holds no slot (templates without the database,
# password hashing, files) and for slot holders while others wait on a database lock.
SPARE_THREADS = 8
_slots: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Semaphore]]" = (
    weakref.WeakKeyDictionary()
)


def _slot_semaphore(engine: Engine) -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    per_loop = _slots.setdefault(loop, {})
    pool = engine.pool
    semaphore = per_loop.get(id(pool))
    if semaphore is None:
        size = pool.size() if hasattr(pool, "size") else 1
        semaphore = per_loop[id(pool)] = asyncio.Semaphore(size)
        _ensure_threads(size + SPARE_THREADS)
    return semaphore


def _ensure_threads(needed: int) -> None:
    limiter = anyio.to_thread.current_default_thread_limiter()
    if limiter.total_tokens < needed:
        limiter.total_tokens = needed


@contextlib.asynccontextmanager
async def connection_slot(engine: Engine) -> AsyncIterator[None]:
    """Hold one of ``engine``'s connection slots (see the module's docstring)."""
    async with _slot_semaphore(engine):
        yield


class Slot:
    """A request's connection slot, taken on the event loop before its session first needs a
    thread (``take``), and given back once the session is closed."""

    def __init__(self, engine: Engine) -> None:
        self._semaphore = _slot_semaphore(engine)
        self.held = False

    async def take(self) -> None:
        if not self.held:
            await self._semaphore.acquire()
            self.held = True

    def give_back(self) -> None:
        if self.held:
            self.held = False
            self._semaphore.release()


_LATE_SLOT = "outcry_slot_when_needed"
E = TypeVar("E", bound=Callable[..., Any])


def slot_when_needed(endpoint: E) -> E:
    """Mark a read-only route whose page may be answered without the database (a signed-in
    reader's kept page, app/loopguard.py): its request takes a slot only before its session
    first goes to a thread (``take_slot``), so such pages never queue behind writers waiting
    for slots. Its dependencies and itself must be ``async def`` and call ``take_slot`` before
    any thread hop (tests/core/test_db.py)."""
    setattr(endpoint, _LATE_SLOT, True)
    return endpoint


def takes_slot_late(endpoint: object) -> bool:
    return bool(getattr(endpoint, _LATE_SLOT, False))
