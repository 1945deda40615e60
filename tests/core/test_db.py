"""The database layer keeps its promise: a request's changes land together or not at all."""

import inspect
from collections.abc import Callable, Iterator

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import delete, text
from sqlmodel import Session, select

from app.clock import utcnow
from app.columns import UTCDateTime
from app.db import get_engine, get_read_engine, make_engine
from app.main import create_app
from app.models.company import Company
from app.slots import takes_slot_late
from tests.support.environment import TEST_DATABASE_URL


def test_a_released_savepoint_is_not_a_commit(engine) -> None:
    """On SQLite the driver used to commit at the first savepoint's release; a later failure
    then left half a request behind."""
    with Session(get_engine()) as session:
        with session.begin_nested():
            session.add(Company(name="Half Written Ltd", slug="half-written-ltd"))
        session.rollback()  # the request fails after its savepoint
    with Session(get_engine()) as check:
        assert check.exec(select(Company).where(Company.slug == "half-written-ltd")).first() is None
        check.execute(delete(Company).where(Company.slug == "half-written-ltd"))
        check.commit()


def test_reads_and_writes_share_one_pool(engine) -> None:
    assert get_read_engine().pool is get_engine().pool


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(utcnow().replace(tzinfo=None), get_engine().dialect)


def _calls(dependant: Dependant) -> Iterator[Callable]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def test_routes_that_take_their_slot_late_never_go_to_a_thread_without_it() -> None:
    """A ``slot_when_needed`` route holds no slot until ``take_slot``: FastAPI would run a plain
    ``def`` endpoint or dependency in a thread without one, so there must be none."""
    late = [
        route
        for route in create_app().router.routes
        if isinstance(route, APIRoute) and takes_slot_late(route.endpoint)
    ]
    assert {route.path for route in late} >= {"/", "/complaints/{complaint_id}"}
    for route in late:
        assert route.methods <= {"GET", "HEAD"}, route.path
        for call in (route.endpoint, *_calls(route.dependant)):
            target = call if inspect.isfunction(call) else type(call).__call__
            assert inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target), (
                route.path,
                call,
            )


@pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("postgresql"), reason="checks PostgreSQL's pooled connections"
)
def test_a_pooled_connection_the_server_dropped_is_replaced_before_use() -> None:
    """A PostgreSQL restart (or an idle timeout) ends the server's side of pooled connections:
    the next request gets a live one, checked in the round trip that begins its transaction."""
    engine = make_engine(TEST_DATABASE_URL, pool_size=1)
    with Session(engine) as session:
        dropped = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        session.commit()
    with get_engine().connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
        admin.commit()
    with Session(engine) as session:  # no error: the pool replaced the dead connection
        assert session.execute(text("SELECT pg_backend_pid()")).scalar_one() != dropped
        session.commit()
    engine.dispose()


def test_a_read_ends_its_transaction_in_its_routes_thread(engine, monkeypatch) -> None:
    """A plain read takes one thread, not two: its COMMIT (a round trip on PostgreSQL; SQLite's
    is sent on the loop) goes from the route's own thread. A streamed answer still reads from
    its session as it is sent."""
    import anyio.to_thread
    from fastapi import APIRouter
    from fastapi.responses import PlainTextResponse, StreamingResponse
    from fastapi.testclient import TestClient

    from app.web.deps import SessionDep
    from app.web.downloads import StreamSessionDep
    from app.web.routing import include_flat

    router = APIRouter()

    @router.get("/session-check/read")
    def read(session: SessionDep) -> PlainTextResponse:
        return PlainTextResponse(str(session.execute(text("SELECT 41 + 1")).scalar_one()))

    @router.get("/session-check/stream")
    def stream(session: StreamSessionDep) -> StreamingResponse:
        def lines() -> Iterator[str]:
            for n in (1, 2, 3):
                yield f"{session.execute(text(f'SELECT {n}')).scalar_one()}\n"

        return StreamingResponse(lines(), media_type="text/plain")

    hops: list[str] = []
    real = anyio.to_thread.run_sync

    async def counted(func: Callable, *args: object, **kwargs: object) -> object:
        hops.append(getattr(func, "__name__", repr(func)))
        return await real(func, *args, **kwargs)

    app = create_app()
    include_flat(app, router)
    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    with TestClient(app) as client:
        assert client.get("/session-check/read").text == "42"
        assert "_commit" not in hops
        assert client.get("/session-check/stream").text == "1\n2\n3\n"


def test_reads_that_record_a_use_all_answer_and_every_write_lands(engine) -> None:
    """A read that wants a small write (an API token's "last used") gets it done after its read
    ends, in a writing transaction: done inside the read, SQLite refused every such write but the
    first of a burst ("database is locked", 48 of 194 token requests in a benchmark round)."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    from fastapi import APIRouter
    from fastapi.responses import PlainTextResponse
    from fastapi.testclient import TestClient

    from app.db import write_after_read
    from app.web.deps import SessionDep
    from app.web.routing import include_flat

    with get_engine().begin() as setup:
        setup.execute(text("CREATE TABLE use_check (id INTEGER PRIMARY KEY, uses INTEGER)"))
        setup.execute(text("INSERT INTO use_check (id, uses) VALUES (1, 0)"))
    router = APIRouter()

    @router.get("/use-check")
    def read(session: SessionDep) -> PlainTextResponse:
        seen = session.execute(text("SELECT uses FROM use_check WHERE id = 1")).scalar_one()
        time.sleep(0.05)  # every read of the burst has begun before any write
        write_after_read(
            session, lambda writing: writing.execute(text("UPDATE use_check SET uses = uses + 1"))
        )
        return PlainTextResponse(str(seen))

    app = create_app()
    include_flat(app, router)
    try:
        with TestClient(app) as client, ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: client.get("/use-check").status_code, range(16)))
        assert statuses == [200] * 16
        with get_engine().connect() as check:
            assert check.execute(text("SELECT uses FROM use_check")).scalar_one() == 16
    finally:
        with get_engine().begin() as cleanup:
            cleanup.execute(text("DROP TABLE use_check"))
