"""The worker loop: claim a job, run its handler outside any transaction, record the outcome.

A worker killed mid-job leaves a lease that expires; another worker then runs the job again, so
every handler must be idempotent towards the outside world (record keys, idempotency keys,
Message-IDs).
"""

import asyncio
import contextlib
import logging
import threading
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from app.clock import utcnow
from app.config import get_settings
from app.db import must_get, retry_busy
from app.jobs import periodic
from app.jobs.queue import Context, Handler, Outcome, claim, finish
from app.models.job import Job
from app.models.keys import pk

log = logging.getLogger(__name__)


# Every job kind's handler, from app/tasks.py (installed at start-up: app/startup.py).
HANDLERS: dict[str, Handler] = {}


def install(handlers: Mapping[str, Handler]) -> None:
    HANDLERS.clear()
    HANDLERS.update(handlers)


def _claim(engine: Engine, kinds: list[str], lease_seconds: int) -> Job | None:
    with Session(engine, expire_on_commit=False) as session:
        job = claim(session=session, kinds=kinds, lease_seconds=lease_seconds)
        session.commit()
        return job


def _finish(engine: Engine, job_id: int, outcome: Outcome, started: datetime) -> Job:
    with Session(engine, expire_on_commit=False) as session:
        fresh = must_get(session, Job, job_id)
        finish(session=session, job=fresh, outcome=outcome, started_at=started)
        session.commit()
        return fresh


async def run_once(*, engine: Engine, kinds: list[str] | None = None) -> Job | None:
    """Do one due job, if there is one. Returns it in its new state.

    Claiming and recording are short transactions of their own, in a thread (a wait for
    SQLite's write lock never stalls the event loop and the requests on it), and retried while
    the database is only busy. The outcome above all: the job's effect (a webhook delivered, a
    mail sent) has happened, and a lost record would run it again once the lease ran out. So it
    is retried for most of the lease."""
    if not HANDLERS:
        raise RuntimeError("no job handlers: call app.startup.wire() first")
    lease = get_settings().job_lease_seconds
    job = await asyncio.to_thread(
        retry_busy,
        lambda: _claim(engine, kinds or list(HANDLERS), lease),
        within=10,
        what="claiming a job",
    )
    if job is None:
        return None
    started = utcnow()
    try:
        outcome = await HANDLERS[job.kind](job, Context(engine=engine))
    except Exception as exc:  # a handler bug must not kill the worker; it is recorded
        log.exception("job %s (%s) failed", job.id, job.kind)
        outcome = Outcome(ok=False, detail=f"{type(exc).__name__}: {exc}")
    job_id = pk(job)
    return await asyncio.to_thread(
        retry_busy,
        lambda: _finish(engine, job_id, outcome, started),
        within=lease * 0.75,
        what=f"recording job {job_id} ({job.kind})",
    )


async def drain(*, engine: Engine, kinds: list[str] | None = None, limit: int = 1000) -> int:
    """Run due jobs until none is left (tests and the CLI's --once use this)."""
    done = 0
    while done < limit and await run_once(engine=engine, kinds=kinds):
        done += 1
    return done


async def run_forever(
    *, engine: Engine, stop: asyncio.Event, idle_seconds: float = 1.0, lanes: int | None = None
) -> None:
    """Run due jobs until ``stop``: ``lanes`` at once (``OUTCRY_WORKER_CONCURRENCY``), each
    claiming its own, so a slow webhook receiver or mail server holds up one lane, not the
    queue; and the periodic jobs scheduled once a minute."""
    lanes = lanes or get_settings().worker_concurrency
    log.info("worker started (%d jobs at once)", lanes)
    await asyncio.gather(
        _schedule(engine, stop), *(_lane(engine, stop, idle_seconds) for _ in range(lanes))
    )
    log.info("worker stopped")


async def _schedule(engine: Engine, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await asyncio.to_thread(periodic.schedule, engine)
        except Exception:  # the database may be restarting: try again next time
            log.exception("worker schedule error")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=60)


async def _lane(engine: Engine, stop: asyncio.Event, idle_seconds: float) -> None:
    while not stop.is_set():
        try:
            job = await run_once(engine=engine)
        except Exception:  # the database may be restarting: wait and carry on
            log.exception("worker loop error")
            job = None
        if job is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=idle_seconds)


class InProcessWorker:
    """``run_forever`` next to the web server, on a thread and event loop of its own. Handlers
    make blocking database calls (a wait for SQLite's write lock among them); on the serving
    loop each such wait stalled every request of the process, the lock's holder included."""

    def __init__(self, engine: Engine) -> None:
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()  # bound to a loop at first use: the worker's
        self._thread = threading.Thread(
            target=self._run, args=(engine,), name="outcry-worker", daemon=True
        )
        self._thread.start()

    def _run(self, engine: Engine) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(run_forever(engine=engine, stop=self._stop))
        finally:
            self._loop.close()

    def stop(self, timeout: float = 30) -> None:
        """Let the current job finish, then end the thread (blocking: call it from a thread)."""
        with contextlib.suppress(RuntimeError):  # the loop already ended
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
