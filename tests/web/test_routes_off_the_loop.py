"""No route does blocking work on the event loop.

An ``async def`` endpoint (or dependency) runs on the event loop, so its database calls do too: a
request waiting there on another transaction's row lock stalls every request of the process,
including the one holding the lock, which then never commits (commit 410367e: on PostgreSQL the
whole process hung, and its deadlock detector cannot see it). Endpoints are plain ``def``, which
FastAPI runs in its threadpool; forms come in through app.web.forms.FormDep.
"""

import inspect
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from sqlmodel import Session
from starlette.routing import BaseRoute, Mount

from app.main import create_app
from app.models.user import User
from app.routes.system import bench
from tests.support.forms import post_form
from tests.support.pg_locks import waiting_on_a_lock

# Async callables allowed on the event loop, each for a reason; none may touch the database.
ALLOWED = {
    # A constant answer and nothing else: bench/load.py's measure of the framework's own limit.
    "app.routes.system.bench:plain",
    # Liveness: a constant answer, no database.
    "app.routes.system.ops:healthz",
    # Reads the form on the loop, then runs all its database work in a thread of its own
    # (anyio.to_thread.run_sync with its own limiter: see the comment there on SQLite).
    "app.routes.public.complaints:file_complaint",
    # Reading the request body is the only async work a form needs (cached by Starlette).
    "app.web.forms:submitted_form",
    "app.web.csrf:require_csrf",
    # The request's session: takes a connection slot on the loop (app/db.py); its commit and
    # rollback run in a thread. The ops routes' slot without a session, likewise.
    "app.db:get_session",
    "app.routes.system.ops:database_slot",
    # The viewer: a remembered login is answered on the loop from memory (no database); a lookup
    # runs in a thread (app/accounts/session_cache.py).
    "app.web.deps:optional_user",
    "app.web.deps:current_user",
    # Pages whose parts this process keeps: a signed-in reader's visit is tried on the loop with
    # the database closed (app/loopguard.py); its first statement sends it to a thread.
    "app.routes.public.complaints:show",
    "app.routes.public.companies:show",
    "app.routes.public.pages:home",
    "app.routes.public.pages:search",
    "app.routes.public.leaderboards:index",
    # Parses the query string, nothing more.
    "app.routes.public.leaderboards:_query",
    # A mail provider's inbound webhook reads the raw message on the loop and stores it in a
    # thread (run_in_threadpool).
    "app.routes.moderation.mail:inbound_email",
    # FastAPI's own: the OpenAPI schema, and the Authorization header parser for API tokens.
    "fastapi.applications:FastAPI.setup.<locals>.openapi",
    "fastapi.security.http:HTTPBearer.__call__",
}


def _name(call: Callable) -> str:
    return f"{call.__module__}:{call.__qualname__}"


def _async_parts(call: Callable) -> Iterator[Callable]:
    if inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call):
        yield call
    elif not inspect.isfunction(call) and inspect.iscoroutinefunction(
        dunder := getattr(call, "__call__", None)  # noqa: B004 - instances like HTTPBearer
    ):
        yield dunder


def _dependencies(dependant: Dependant) -> Iterator[Callable]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _dependencies(sub)


def on_the_loop(routes: list[BaseRoute]) -> dict[str, set[str]]:
    """{'POST /path': {'module:async_callable', ...}} for every endpoint and dependency (the
    router's own included) that FastAPI would await on the event loop."""
    found: dict[str, set[str]] = {}
    # FastAPI keeps included routers whole in app.routes; this flattens them, prefixes applied.
    for route in iter_route_contexts(routes):
        if isinstance(route.original_route, Mount):  # static files: no endpoint of ours
            continue
        if (endpoint := route.endpoint) is None:
            continue
        calls = [endpoint]
        if (dependant := getattr(route, "dependant", None)) is not None:
            calls += _dependencies(dependant)
        names = {_name(part) for call in calls for part in _async_parts(call)}
        if names:
            label = f"{','.join(sorted(route.methods or []))} {route.path}"
            found[label] = found.get(label, set()) | names
    return found


def _app_with_every_route() -> FastAPI:
    app = create_app()
    app.include_router(bench.router)  # mounted only with OUTCRY_BENCH_ENDPOINTS=1
    return app


def test_no_route_awaits_anything_but_the_allow_list():
    found = on_the_loop(_app_with_every_route().routes)
    offending = {route: names - ALLOWED for route, names in found.items() if names - ALLOWED}
    assert offending == {}, (
        "These run on the event loop, where blocking database work stalls the whole process: "
        "make them plain `def` (forms: `form: FormDep` from app.web.forms), or, if one truly "
        "must be async, run its database work with anyio.to_thread.run_sync and add it to "
        "ALLOWED with the reason."
    )


def test_the_allow_list_names_only_what_exists():
    """A stale entry would let a new async route of the same name in unnoticed."""
    found = set().union(*on_the_loop(_app_with_every_route().routes).values())
    assert found == ALLOWED


def test_the_walk_finds_an_async_route_and_an_async_dependency():
    router = APIRouter()

    async def lookup() -> None:
        return None

    @router.post("/x")
    async def route() -> None:
        return None

    @router.post("/y", dependencies=[Depends(lookup)])
    def plain() -> None:
        return None

    found = on_the_loop(router.routes)
    assert {k: {n.rsplit(".", 1)[-1] for n in v} for k, v in found.items()} == {
        "POST /x": {"route"},
        "POST /y": {"lookup"},
    }


# End to end (PostgreSQL): a request waiting on a row lock leaves the process serving others.


def test_a_request_waiting_on_a_lock_leaves_the_process_serving_others(engine, client):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes its write lock up front, on a thread: PostgreSQL only")
    email = "blocked-signup@example.org"
    # Another transaction inserts the same address and keeps it uncommitted: the sign-up's
    # INSERT waits on the unique index until that transaction ends.
    locker = engine.connect()
    holder = Session(bind=locker)
    holder.add(User(email=email, password_hash="x", display_name="Holder"))
    holder.flush()
    with ThreadPoolExecutor(2) as pool:
        try:
            signup = pool.submit(
                post_form,
                client,
                "/signup",
                {"email": email, "display_name": "Waiting", "password": "a long password 1"},
            )
            deadline = time.monotonic() + 60
            while not waiting_on_a_lock(engine):
                assert not signup.done(), signup.result()
                assert time.monotonic() < deadline, "the sign-up never reached the lock"
                time.sleep(0.05)
            # The same client, so the same event loop: it answers while the sign-up waits.
            health = pool.submit(client.get, "/healthz").result(timeout=30)
            assert health.status_code == 200
            assert not signup.done()  # still waiting: the answer did not need the lock
        finally:
            holder.rollback()  # the address is free again: the sign-up goes through
            holder.close()
            locker.close()
        assert signup.result(timeout=60).status_code == 303
