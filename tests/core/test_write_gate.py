"""One process's SQLite writers take turns at the write gate (app/writegate.py): they never fail
because another writer of the process holds the lock, they go in the order they came, and a
session opened inside a writing one neither waits for itself nor for ever."""

import asyncio
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.db import is_busy, make_engine
from app.systemic.grouping import Doc, group
from app.writegate import gate_for, give_way, readers_give_way
from tests.support.environment import TEST_DATABASE_URL
from tests.support.systemic import NOW

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("sqlite"),
    reason="the database-wide write lock is SQLite's; PostgreSQL locks rows",
)


@pytest.fixture
def path() -> Path:
    path = Path(tempfile.mkdtemp(prefix="outcry-gate-")) / "gate.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE note (id INTEGER PRIMARY KEY, who TEXT)")
    engine.dispose()
    return path


def _engine(path: Path, **options: float):
    # SQLite's own busy wait is 10 ms: any writer of this process meeting another's lock
    # (instead of queueing at the gate) would fail at once.
    return make_engine(f"sqlite:///{path}", busy_timeout=0.01, **options)


def _write(engine, who: str) -> None:
    with Session(engine) as session:
        session.execute(text("INSERT INTO note (who) VALUES (:who)"), {"who": who})
        session.commit()


def test_writers_in_threads_queue_instead_of_failing(path) -> None:
    # Two engines, as the server and its in-process worker have: one gate per database file.
    engines = [_engine(path, write_wait=30), _engine(path, write_wait=30)]
    errors: list[str] = []

    def writer(n: int) -> None:
        try:
            for i in range(150):
                _write(engines[n % 2], f"{n}-{i}")
        except OperationalError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(engines[0]) as session:
        assert session.execute(text("SELECT count(*) FROM note")).scalar_one() == 600
    for engine in engines:
        engine.dispose()


def _wait_until(condition) -> None:
    done = threading.Event()
    while not condition():
        done.wait(0.005)


def test_writers_get_their_turn_in_the_order_they_came(path) -> None:
    engine = _engine(path, write_wait=30)
    gate = gate_for(str(path))
    holder = Session(engine)
    holder.execute(text("INSERT INTO note (who) VALUES ('holder')"))  # holds the gate
    threads = []
    for n in range(5):
        thread = threading.Thread(target=_write, args=(engine, f"writer {n}"))
        thread.start()
        _wait_until(lambda n=n: gate.waiting() == n + 1)  # in line behind the ones before
        threads.append(thread)
    holder.commit()  # committed on this thread; the writers were let in one by one
    holder.close()
    for t in threads:
        t.join()
    with Session(engine) as session:
        order = session.execute(text("SELECT who FROM note ORDER BY id")).scalars().all()
    assert order == ["holder", *[f"writer {n}" for n in range(5)]]
    engine.dispose()


def test_the_turn_is_given_back_whoever_ends_the_transaction(path) -> None:
    engine = _engine(path, write_wait=0.5)
    # Begun on one thread, committed on another (a request's commit runs in another thread).
    session = Session(engine)
    begun = threading.Thread(
        target=session.execute, args=(text("INSERT INTO note VALUES (1, 'a')"),)
    )
    begun.start()
    begun.join()
    ended = threading.Thread(target=session.commit)
    ended.start()
    ended.join()
    session.close()
    _write(engine, "after a commit")
    # Rolled back, or only closed: the turn comes back all the same.
    with Session(engine) as session:
        session.execute(text("INSERT INTO note (who) VALUES ('dropped')"))
    _write(engine, "after a close")
    with Session(engine) as session:
        assert session.execute(text("SELECT who FROM note ORDER BY id")).scalars().all() == [
            "a",
            "after a commit",
            "after a close",
        ]
    engine.dispose()


def test_a_session_inside_a_writing_one_reads_and_never_hangs(path) -> None:
    engine = _engine(path, write_wait=30)
    _write(engine, "committed")
    with Session(engine) as outer:
        outer.execute(text("INSERT INTO note (who) VALUES ('outer')"))
        with Session(engine) as inner:  # same thread: it must not wait for its own caller
            seen = inner.execute(text("SELECT who FROM note ORDER BY id")).scalars().all()
            assert seen == ["committed"]  # a snapshot: the outer's write is not committed
        with Session(engine) as inner, pytest.raises(OperationalError) as raised:
            inner.execute(text("INSERT INTO note (who) VALUES ('inner')"))
        assert is_busy(raised.value)  # SQLite's busy timeout, not a wait for ever
        outer.commit()
    _write(engine, "later")
    engine.dispose()


def test_a_writer_waits_its_turn_for_write_wait_then_the_database_is_busy(path) -> None:
    engine = _engine(path, write_wait=0.05)
    with Session(engine) as holder:
        holder.execute(text("INSERT INTO note (who) VALUES ('holder')"))
        failed: list[BaseException] = []

        def late() -> None:
            try:
                _write(engine, "late")
            except OperationalError as exc:
                failed.append(exc)

        thread = threading.Thread(target=late)
        thread.start()
        thread.join()
        assert len(failed) == 1 and is_busy(failed[0])  # answered as a busy database: a 503
        holder.commit()
    _write(engine, "next")  # the one that gave up left the line
    engine.dispose()


def _hold(engine, begun: threading.Event, release: threading.Event) -> None:
    with Session(engine) as session:
        session.execute(text("INSERT INTO note (who) VALUES ('holder')"))
        begun.set()
        release.wait(30)
        session.commit()


def _holding(engine) -> tuple[threading.Thread, threading.Event]:
    """A writer in another thread that holds the write lock until released."""
    begun, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold, args=(engine, begun, release))
    holder.start()
    begun.wait(30)
    return holder, release


def test_background_work_pauses_while_writers_wait_and_not_for_ever(path) -> None:
    docs = [
        Doc(id=i, author_id=i, created_at=NOW, text=" ".join(f"w{i % 7}x{k}" for k in range(8)))
        for i in range(300)
    ]
    group(docs, similarity=0.5, window=timedelta(days=30), min_customers=3)  # imports done
    engine = _engine(path, write_wait=30)
    gate = gate_for(str(path))
    holder, release = _holding(engine)
    started = time.monotonic()
    give_way(limit=5)  # nobody waits: background work goes on at once
    assert time.monotonic() - started < 1
    writer = threading.Thread(target=_write, args=(engine, "writer"))
    writer.start()
    _wait_until(lambda: gate.waiting() == 1)
    give_way(limit=0.05)  # it waits a while, not as long as the writers do
    assert gate.waiting() == 1
    # A regrouping is background work: it is still comparing while a writer waits its turn,
    # and is done once the writers are through.
    grouped: list[list[list[int]]] = []
    regrouping = threading.Thread(
        target=lambda: grouped.append(
            group(docs, similarity=0.5, window=timedelta(days=30), min_customers=3)
        )
    )
    regrouping.start()
    regrouping.join(0.3)
    assert regrouping.is_alive() and gate.waiting() == 1
    release.set()
    for thread in (holder, writer, regrouping):
        thread.join(30)
    assert len(grouped[0]) == 7
    assert sorted(i for ids in grouped[0] for i in ids) == list(range(300))
    engine.dispose()


def test_a_read_on_the_event_loop_waits_while_writers_queue_and_not_for_ever(path) -> None:
    engine = _engine(path, write_wait=30)
    gate = gate_for(str(path))
    holder, release = _holding(engine)

    def waited(limit: float) -> float:
        started = time.monotonic()
        asyncio.run(readers_give_way(limit=limit))
        return time.monotonic() - started

    assert waited(5) < 1  # a writer holds the lock, nobody queues: the read goes on
    writer = threading.Thread(target=_write, args=(engine, "writer"))
    writer.start()
    _wait_until(lambda: gate.waiting() == 1)
    assert waited(0.05) < 1 and gate.waiting() == 1  # never longer than its limit
    threading.Timer(0.2, release.set).start()
    assert 0.1 < waited(5) < 4  # until the queued writer has had its turn
    for thread in (holder, writer):
        thread.join(30)
    assert gate.waiting() == 0
    engine.dispose()
