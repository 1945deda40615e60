"""Engine, per-request session and the column types shared by every model."""

from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from fastapi import Request
from sqlalchemy import Connection, DateTime, Engine, Enum, event
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine

from app.clock import as_utc
from app.config import get_settings


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use app.clock.utcnow()")
        return as_utc(value) if dialect.name != "sqlite" else as_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


def str_enum(enum_cls: type[StrEnum], length: int = 32) -> Enum:
    """A VARCHAR column that reads back as the enum member (not a bare str), no DB enum type."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        create_constraint=False,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite starts transactions lazily (at the first write) and so breaks SAVEPOINT: a
    # savepoint's release could commit part of a request. We issue BEGIN ourselves instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


READ_ONLY = "outcry_read_only"


def _sqlite_begin(connection: Connection) -> None:
    # Writers take the write lock up front (IMMEDIATE), so they queue on busy_timeout instead of
    # failing when another writer commits first; reads (GET requests) start a plain snapshot.
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


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


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 5})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # LIFO: requests reuse the connections used last, whose server processes have the
    # statements prepared (psycopg prepares on the fifth use per connection); FIFO handed each
    # request the coldest of the ten (filing after a page run: 294 -> 315 a second).
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, pool_use_lifo=True)


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@lru_cache
def get_read_engine() -> Engine:
    """The same engine and pool, marked for requests that must not change state (GET)."""
    return get_engine().execution_options(**{READ_ONLY: True})


def get_session(request: Request) -> Iterator[Session]:
    """One session and one commit per request; any exception rolls everything back."""
    safe = request.method in ("GET", "HEAD", "OPTIONS")
    engine = get_read_engine() if safe else get_engine()
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
