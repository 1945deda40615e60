"""One process's SQLite writers take turns, first come first served (the rule: app/db.py).

SQLite lets one connection write at a time. The others wait in its busy handler, which sleeps
and tries again with growing pauses (up to 100 ms a try) in no order: under a steady stream of
writes a writer can lose every race until its busy timeout runs out ("database is locked")
while later ones get through, and a lock freed during a sleep stays idle. Within one process
(the server and its in-process worker share it) writers queue here instead, before their
``BEGIN IMMEDIATE``, and the first in line is let in the moment the holder's commit or rollback
returns. SQLite's busy timeout still covers writers in other processes (a CLI command). CPU-bound
background work steps aside while writers queue (``give_way``).
"""

import asyncio
import logging
import sqlite3
import threading
import time
from collections import deque
from contextvars import ContextVar
from typing import Any

log = logging.getLogger(__name__)
SLOW = 1.0  # a wait longer than this is logged (bench/soak.py counts them)


class GateTimeout(sqlite3.OperationalError):
    """Waited the busy timeout for this process's other writers: as SQLite's own error."""


class _Turn:
    __slots__ = ("granted",)

    def __init__(self) -> None:
        self.granted = threading.Event()


# The turn this call chain holds (contextvars follow a request or job into its threads): a
# session opened inside another, in the same thread, must not wait for its own caller.
_mine: ContextVar[_Turn | None] = ContextVar("outcry_write_turn", default=None)


class WriteGate:
    """A FIFO lock whose holder is a transaction, not a thread: a request's commit may run
    on another thread than its first write."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._holder: _Turn | None = None
        self._queue: deque[_Turn] = deque()

    def enter(self, timeout: float) -> _Turn | None:
        """Wait for this process's turn to write; None if this call chain already holds it."""
        turn = _Turn()
        with self._mutex:
            if self._holder is not None and self._holder is _mine.get():
                return None
            if self._holder is None:
                self._holder = turn
                _mine.set(turn)
                return turn
            self._queue.append(turn)
            ahead = len(self._queue)
        started = time.monotonic()
        if not turn.granted.wait(timeout):
            with self._mutex:
                if not turn.granted.is_set():  # not handed over meanwhile
                    self._queue.remove(turn)
                    raise GateTimeout(
                        f"database is locked: waited {timeout:.1f} s for this process's "
                        f"other writers ({ahead} ahead)"
                    )
        if (waited := time.monotonic() - started) > SLOW:
            log.warning("waited %.2f s for the write lock (%d were ahead)", waited, ahead)
        _mine.set(turn)
        return turn

    def leave(self, turn: _Turn) -> None:
        with self._mutex:
            if self._holder is not turn:
                return
            self._holder = self._queue.popleft() if self._queue else None
            if self._holder is not None:
                self._holder.granted.set()
        if _mine.get() is turn:
            _mine.set(None)

    def waiting(self) -> int:
        return len(self._queue)


_gates: dict[str, WriteGate] = {}
_gates_mutex = threading.Lock()


def gate_for(path: str) -> WriteGate:
    """The one gate of the database file at ``path`` (every engine on it shares it)."""
    with _gates_mutex:
        return _gates.setdefault(path, WriteGate())


class GatedConnection(sqlite3.Connection):
    """A SQLite connection that gives its turn back once its transaction has really ended:
    after the COMMIT or ROLLBACK returned, however it was ended (the session, the pool's reset
    on return, a close)."""

    gate: WriteGate | None = None
    gate_timeout: float = 5.0
    turn: _Turn | None = None

    def begin_writing(self) -> bool:
        """Wait for the turn; False when this call chain holds it already (a session opened
        inside another): the caller then begins a plain snapshot, as a nested IMMEDIATE would
        only wait for the busy timeout on its own caller's lock."""
        if self.gate is None:
            return True
        self.turn = self.gate.enter(self.gate_timeout)
        return self.turn is not None

    def end_turn(self) -> None:
        turn, self.turn = self.turn, None
        if turn is not None and self.gate is not None:
            self.gate.leave(turn)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            if not self.in_transaction:
                self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_turn()

    def __del__(self) -> None:  # dropped without a close: SQLite rolls back, so must the gate
        self.end_turn()


def install(dbapi_connection: Any, path: str | None, timeout: float) -> None:
    """Give a new connection its database's gate (none for an in-memory database)."""
    if isinstance(dbapi_connection, GatedConnection) and path:
        dbapi_connection.gate = gate_for(path)
        dbapi_connection.gate_timeout = timeout


def writers_waiting() -> bool:
    """Is any writer of this process waiting for its turn (any database file)? Asked by every
    read: on PostgreSQL there is no gate at all."""
    return bool(_gates) and any(gate.waiting() for gate in tuple(_gates.values()))


def give_way(limit: float = 0.05) -> None:
    """Background work (the systemic regrouping, the statistics refresh, the public dataset's
    build) calls this between its steps: while this process's writers queue for their turn, it
    sleeps, up to ``limit`` seconds. The interpreter is one at a time, so a write transaction
    that shares it with CPU-bound work holds SQLite's lock several times as long, and every
    writer queued behind it waits that much more (bench/README.md: the five-minute regrouping
    bursts were the waits over 1 s)."""
    deadline = time.monotonic() + limit
    while writers_waiting() and time.monotonic() < deadline:
        time.sleep(0.002)


async def readers_give_way(limit: float = 0.02) -> None:
    """``give_way`` for a read answered on the event loop (a kept page): while writers queue, it
    waits up to ``limit`` before taking the interpreter. Kept pages cost the loop little each,
    so eight readers without pause kept it busy enough that write transactions, in threads,
    waited for the interpreter at every statement (bench/README.md, the soak)."""
    if not writers_waiting():
        return
    deadline = time.monotonic() + limit
    # Polled: the writers are threads, and a thread-safe wake-up on every turn would cost them.
    while writers_waiting() and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.001)
