"""Engine and per-request session (the column types are in app/columns.py).

Connections and threads, sized together so that no request can wedge the process:

- A request holds one pooled connection from its first query to its commit, and in between it
  needs threads from anyio's thread pool (sync dependencies, the route, the commit). If a thread
  could wait for a connection, the threads could all be waiting for connections held by requests
  that are themselves waiting for a thread: nothing moves until the pool times out (200 signed-in
  requests at once did exactly that).
- So a request takes a **connection slot** on the event loop before its session may touch the
  database (``get_session``; app/slots.py), one slot per pooled connection, and gives it
  back once the session is closed. A thread never waits for the pool: its request's slot
  guarantees a free connection. Requests beyond the slots wait on the event loop, holding
  nothing.
- A read-only route marked ``slot_when_needed`` takes its slot later, still on the loop: just
  before its session first goes to a thread (``take_slot``). A signed-in reader's kept page,
  answered on the loop without the database (app/loopguard.py), then takes none at all, and
  never queues behind writers that hold every slot while they wait for the write lock.
- Threads only wait on the database itself (SQLite's write lock, a PostgreSQL row lock), whose
  holder is a slot holder that may need a thread to finish. The thread pool therefore has more
  threads than there are slots (``_ensure_threads``), so a holder always finds one.
- Everything that uses ``get_engine()``'s pool in a request goes through a slot; the in-process
  worker has an engine and pool of its own (``make_worker_engine``), never a request's.

SQLite's one write lock, taken in turns (app/writegate.py):

- A writing transaction waits at this process's write gate (first come, first served) before
  its ``BEGIN IMMEDIATE``, and gives its turn back once its commit or rollback has returned; so
  the server's and the worker's writers never meet SQLITE_BUSY from each other. The busy
  timeout still covers other processes (a CLI command); a turn not had within ``write_wait``
  (the busy timeout) fails as a busy database does (503 with Retry-After; jobs retry).
- The gate fits the slots: a turn is waited for in a thread, never on an event loop, by a
  holder of a slot (or the worker, with its own pool); the turn's holder needs only a thread to
  commit, and there are more threads than slots. A holder never waits for a slot or for a
  connection of a request's pool while it holds the turn.
- A session opened inside a writing one, in the same call chain (contextvars follow it into
  threads), does not wait for its own caller: it begins a plain snapshot, which reads; a write
  in it fails after the busy timeout instead of waiting for ever. Keep writes in one session.
- Read-only transactions (GET requests, ``for_reading``) take no turn; PostgreSQL has no gate.
"""

import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from functools import lru_cache
from typing import Any, TypeVar, cast

import anyio
import anyio.to_thread
from fastapi import Request
from psycopg import pq
from sqlalchemy import Connection, CursorResult, Engine, Result, event
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlmodel import Session, create_engine

from app import writegate
from app.config import get_settings
from app.slots import Slot, takes_slot_late

log = logging.getLogger(__name__)
T = TypeVar("T")


def _sqlite_pragmas(busy_ms: int, path: str | None, wait: float) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        writegate.install(dbapi_connection, path, wait)
        # pysqlite starts transactions lazily (at the first write) and so breaks SAVEPOINT: a
        # savepoint's release could commit part of a request. We issue BEGIN ourselves instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms:d}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


def is_busy(exc: BaseException) -> bool:
    """Did the database only refuse for now: SQLite's write lock still busy after the busy
    timeout, or a connection lost (PostgreSQL restarting)? Trying again later can succeed."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    text = str(getattr(exc, "orig", exc)).lower()
    return isinstance(exc, OperationalError) and ("locked" in text or "busy" in text)


def retry_busy(work: Callable[[], T], *, within: float, what: str) -> T:
    """Run ``work`` (one whole transaction, in a thread) again while the database is only
    busy, for up to ``within`` seconds, backing off; any other error, or the last, is raised."""
    deadline = time.monotonic() + within
    pause = 0.05
    while True:
        try:
            return work()
        except (OperationalError, DBAPIError) as exc:
            if not is_busy(exc) or time.monotonic() + pause > deadline:
                raise
            log.warning("%s: the database is busy; trying again in %.2f s", what, pause)
        time.sleep(pause)
        pause = min(pause * 2, 2.0)


# How long a job's bookkeeping after an effect outside (a webhook delivered, a mail sent, a post
# published) waits out a busy database: a lost record would repeat the effect on a retry.
AFTER_EFFECT_SECONDS = 60.0

READ_ONLY = "outcry_read_only"


def _sqlite_begin(connection: Connection) -> None:
    # Writers take the write lock up front (IMMEDIATE), after their turn at this process's
    # write gate (app/writegate.py), so they never fail because another writer committed
    # first; reads (GET requests) start a plain snapshot.
    if connection.get_execution_options().get(READ_ONLY, False):
        connection.exec_driver_sql("BEGIN")
        return
    dbapi_connection = connection.connection.dbapi_connection
    gated = dbapi_connection if isinstance(dbapi_connection, writegate.GatedConnection) else None
    try:
        turn = gated.begin_writing() if gated else True
    except writegate.GateTimeout as exc:  # as SQLite's own "database is locked"
        raise OperationalError("BEGIN IMMEDIATE", None, exc) from None
    if not turn:
        connection.exec_driver_sql("BEGIN")  # nested in a writer of this call chain
        return
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if gated:
            gated.end_turn()
        raise


def begin_reading(session: Session) -> bool:
    """On SQLite, start ``session``'s transaction as a read-only snapshot and return True: the
    caller ends it with ``session.commit()`` before writing, and the next statement begins a
    writing one. A write transaction holds SQLite's one write lock from its first statement, so
    a route that reads and works a while (renders, redacts) before writing keeps that part out
    of the lock. Elsewhere (False) the writes follow in the same transaction and connection."""
    bind = session.get_bind()
    if session.in_transaction() or not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
        return False  # begun, bound to one connection (tests), or no database-wide write lock
    session.connection(execution_options={READ_ONLY: True})
    return True


def for_reading(bind: Engine | Connection) -> Engine | Connection:
    """``bind`` for sessions that only read: on SQLite they begin a snapshot, not the write
    lock. A connection (tests) is left as it is: it is already in its transaction."""
    return bind.execution_options(**{READ_ONLY: True}) if isinstance(bind, Engine) else bind


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    pool_timeout: float = 30,
    busy_timeout: float = 5,
    write_wait: float | None = None,
) -> Engine:
    """``busy_timeout``: how long SQLite waits for another process's writer; ``write_wait``
    (the same by default): how long a writer waits for its turn behind this process's."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": busy_timeout,
                "factory": writegate.GatedConnection,
            },
            pool_size=pool_size,
            max_overflow=0,
            pool_timeout=pool_timeout,
        )
        path = _database_file(engine.url.database)
        wait = busy_timeout if write_wait is None else write_wait
        event.listen(engine, "connect", _sqlite_pragmas(int(busy_timeout * 1000), path, wait))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # LIFO: requests reuse the connections used last, whose server processes have the
    # statements prepared (psycopg prepares on the fifth use per connection); FIFO handed each
    # request the coldest of the ten (filing after a page run: 294 -> 315 a second).
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=pool_timeout,
        pool_use_lifo=True,
    )
    event.listen(engine, "checkout", _begin_as_ping)
    return engine


def _begin_as_ping(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """``pool_pre_ping``'s check in the round trip that begins the transaction (its ``;`` costs
    a BEGIN first: docs/connections-threads-and-sqlite-locks.md); a dead connection raises
    ``DisconnectionError`` and the pool replaces it."""
    pgconn = dbapi_connection.pgconn
    if dbapi_connection.autocommit or pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return
    try:
        result = pgconn.exec_(b"BEGIN")  # psycopg reads the status from libpq: no second BEGIN
    except Exception as exc:
        raise DisconnectionError(str(exc)) from exc
    if result.status != pq.ExecStatus.COMMAND_OK:
        raise DisconnectionError(pgconn.get_error_message())


def _database_file(database: str | None) -> str | None:
    """The file a SQLite URL names, as one key for every engine on it; None in memory."""
    if not database or database == ":memory:" or "mode=memory" in database:
        return None
    return os.path.realpath(database.removeprefix("file:").split("?", 1)[0])


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    return make_engine(settings.database_url, pool_size=settings.db_pool_size)


def make_worker_engine() -> Engine:
    """A worker's own engine (in-process: its jobs never take a request's connection). Two
    connections per job it runs at once (a handler may open a session inside another), and
    one for the scheduler."""
    settings = get_settings()
    return make_engine(settings.database_url, pool_size=2 * settings.worker_concurrency + 1)


@lru_cache
def get_read_engine() -> Engine:
    """The same engine and pool, marked for requests that must not change state (GET)."""
    return get_engine().execution_options(**{READ_ONLY: True})


_SLOT = "outcry_slot"
_READ_REQUEST = "outcry_read_request"


async def take_slot(session: Session) -> None:
    """Before a thread uses ``session``: its request's slot, if not held yet."""
    slot = session.info.get(_SLOT)
    if slot is not None:
        await slot.take()


def _commit(session: Session) -> None:
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        session.info[_BEGAN] = False


def end_read(session: Session) -> None:
    """End a read-only request's transaction in the thread that ran its route, once the route
    has drawn its answer: ``get_session`` would otherwise take a thread again only to send
    PostgreSQL's COMMIT (app/web/routing.py). Only a session ``get_session`` opened for the
    request (a test's own session, given in its place, stays open)."""
    if _SLOT in session.info and _has_work(session):
        _commit(session)
    _write_after(session)


_AFTER = "outcry_write_after_read"


def write_after_read(session: Session, write: Callable[[Session], None]) -> None:
    """A small write a read request wants done (an API token's "last used"): at once in a
    writing session, else after the read's transaction has ended, in a writing transaction of
    its own on the request's connection slot. A read transaction must not write: SQLite fails
    the write at once if anyone wrote since it began ("database is locked"), and it would
    bypass the write gate."""
    if session.info.get(_READ_REQUEST):
        session.info.setdefault(_AFTER, []).append(write)
    else:
        write(session)


def _write_after(session: Session) -> None:
    writes = session.info.pop(_AFTER, None)
    if not writes:
        return
    with Session(get_engine(), expire_on_commit=False) as writing:
        for write in writes:
            write(writing)
        writing.commit()


def _discard(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()
        session.info[_BEGAN] = False


_BEGAN = "outcry_began"


@event.listens_for(Session, "after_begin")
def _mark_began(session: Session, _transaction: object, _connection: Connection) -> None:
    session.info[_BEGAN] = True


def _has_work(session: Session) -> bool:
    """Did the session take a connection, or hold changes still to flush? A signed-in read
    answered from memory only autobegins (its viewer is added to the session, no query):
    committing that would cost a thread hop for nothing."""
    return bool(session.info.get(_BEGAN) or session.new or session.dirty or session.deleted)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session and one commit per request; any exception rolls everything back.

    Entered and left on the event loop, holding a connection slot throughout; the commit or
    rollback runs in a thread (a database round trip), which is not abandoned if the client
    goes away."""
    safe = request.method in ("GET", "HEAD", "OPTIONS")
    engine = get_read_engine() if safe else get_engine()
    slot = Slot(engine)
    if not (safe and takes_slot_late(request.scope.get("endpoint"))):
        await slot.take()
    session = Session(engine, expire_on_commit=False)
    session.info[_SLOT] = slot
    session.info[_READ_REQUEST] = safe
    try:
        yield session
    except BaseException:
        if not _has_work(session):  # a session with work was used by a slot holder
            session.close()
            raise
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(_discard, session)
        raise
    else:
        if _has_work(session):
            if safe and engine.dialect.name == "sqlite":
                _commit(session)  # ends a read snapshot: never waits for a lock, no I/O
            else:
                await anyio.to_thread.run_sync(_commit, session)
        else:
            session.close()  # never touched the database: nothing to send
        if _AFTER in session.info:  # with this request's slot, so a connection is free
            await slot.take()
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_write_after, session)
    finally:
        slot.give_back()


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed. ``Session.execute`` is typed as returning a
    plain ``Result``; for those statements it is a ``CursorResult``, which counts them."""
    return cast("CursorResult[Any]", result).rowcount


M = TypeVar("M")


def must_get(session: Session, model: type[M], key: object) -> M:
    """A row that a foreign key guarantees (a complaint's company, say): one missing is a broken
    invariant, raised here rather than as an AttributeError on None further on."""
    row = session.get(model, key)
    if row is None:
        raise LookupError(f"{model.__name__} {key!r} does not exist")
    return row
