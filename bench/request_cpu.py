# ruff: noqa: S101 - a benchmark's own sanity checks
"""CPU time per request, in-process: Outcry's pages signed in beside the independent fortunes app.

    .venv/bin/python bench/request_cpu.py --url sqlite:////abs/10k.db /bench/minimal /complaints/2

Calls both ASGI apps directly (no sockets, no HTTP parsing), 16 requests at a time, and divides
the process's CPU time (every thread) by the number of requests. On a shared machine wrk's
requests per second move 2-3x with the load; CPU per request moves far less, so this is the
figure to compare before and after a change (``--code`` runs an older checkout). ``--profile``
runs every thread hop inline and prints cProfile's top functions (cumulative, or ``tottime``).
"""

import argparse
import asyncio
import importlib.util
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _baseline() -> object:
    spec = importlib.util.spec_from_file_location("fortunes_app", ROOT / "bench/baseline/app.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.app


def _inline_threads() -> None:
    """Run sync routes and dependencies on the loop, so one thread's profile shows everything."""
    import anyio.to_thread
    import fastapi.routing
    import starlette.concurrency

    async def run_sync(func, *args, **_kw):  # type: ignore[no-untyped-def]
        return func(*args)

    async def run_in_threadpool(func, *args, **kw):  # type: ignore[no-untyped-def]
        return func(*args, **kw)

    anyio.to_thread.run_sync = run_sync
    starlette.concurrency.run_in_threadpool = run_in_threadpool
    for module in (fastapi.routing, sys.modules.get("fastapi.telemetry._api")):
        if module is not None and hasattr(module, "run_in_threadpool"):
            module.run_in_threadpool = run_in_threadpool


async def _call(app: object, path: str, headers: list) -> int:
    route, _, query = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": route, "raw_path": route.encode(),
             "query_string": query.encode(), "root_path": "", "client": ("127.0.0.1", 5),
             "headers": [(b"host", b"127.0.0.1:8000"), *headers],
             "server": ("127.0.0.1", 8000), "state": {}}  # fmt: skip
    status = 0

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)  # type: ignore[operator]
    return status


async def main(args: argparse.Namespace) -> None:
    from sqlmodel import Session, select

    from app.accounts import service as accounts
    from app.db import get_engine
    from app.main import create_app
    from app.models.user import User
    from app.web.sessions import cookie_name

    outcry, fortunes = create_app(), _baseline()
    with Session(get_engine()) as session:
        user = session.exec(select(User).where(User.email == args.email)).one()
        token = accounts.start_session(session=session, user=user)
        session.commit()
    cookie = [(b"cookie", f"{cookie_name()}={token}".encode())]
    async with outcry.router.lifespan_context(outcry):
        runs = [(fortunes, "/fortunes", []), (fortunes, "/plain", [])]
        for app, path, headers in [*runs, *((outcry, p, cookie) for p in args.paths)]:
            statuses = {await _call(app, path, headers) for _ in range(20)}  # warm up
            assert statuses == {200}, (path, statuses)
            gate = asyncio.Semaphore(16)

            async def one(app: object = app, path: str = path, headers: list = headers,
                          gate: asyncio.Semaphore = gate) -> int:  # fmt: skip
                async with gate:
                    return await _call(app, path, headers)

            profile = None
            if args.profile and app is outcry:
                import cProfile

                profile = cProfile.Profile()
                profile.enable()
            cpu = time.process_time()
            await asyncio.gather(*(one() for _ in range(args.requests)))
            cpu = time.process_time() - cpu
            if profile is not None:
                import pstats

                profile.disable()
                pstats.Stats(profile).sort_stats(args.profile).print_stats(*args.focus, 40)
            print(f"{path:60s} {1e6 * cpu / args.requests:8.0f} µs CPU per request", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="a database made by bench/generate.py")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--email", default="consumer1@bench.example")
    parser.add_argument("--code", type=Path, default=ROOT, help="run this checkout of Outcry")
    parser.add_argument("--profile", choices=["cumulative", "tottime"])
    parser.add_argument(
        "--focus",
        nargs="*",
        default=[],
        metavar="REGEX",
        help="with --profile: only functions whose file:line(name) matches",
    )
    args = parser.parse_args()
    os.environ.update(OUTCRY_DATABASE_URL=args.url, OUTCRY_ENVIRONMENT="production",
                      OUTCRY_SECRET_KEY="bench-secret-key-0123456789abcdef",  # noqa: S106
                      OUTCRY_BASE_URL="http://127.0.0.1:8000", OUTCRY_BENCH_ENDPOINTS="1",
                      OUTCRY_RUN_WORKER="false", OUTCRY_RATELIMIT_ENABLED="false",
                      OUTCRY_LOG_LEVEL="warning")  # fmt: skip
    sys.path.insert(0, str(args.code.resolve()))
    if args.profile:
        _inline_threads()
    asyncio.run(main(args))
