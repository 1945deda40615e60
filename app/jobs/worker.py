"""The worker loop: claim a job, run its handler outside any transaction, record the outcome.

A worker killed mid-job leaves a lease that expires; another worker then runs the job again, so
every handler must be idempotent towards the outside world (record keys, idempotency keys,
Message-IDs).
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from app.clock import utcnow
from app.config import get_settings
from app.jobs import periodic
from app.jobs.queue import Outcome, claim, finish
from app.models.job import Job

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    engine: Engine


Handler = Callable[[Job, Context], Awaitable[Outcome]]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the coroutine that performs jobs of ``kind``."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def _load_handlers() -> None:
    # Imported for their @handler registrations.
    import app.broadcast.delivery
    import app.broadcast.digest  # broadcast.digest, broadcast.digest.post
    import app.broadcast.refresh  # broadcast.refresh
    import app.broadcast.schedule  # broadcast.scan
    import app.claims.jobs
    import app.integrations.delivery
    import app.jobs.listeners  # event.listeners (events.emit_later)
    import app.notify.listeners  # reminder handler, after-sent steps
    import app.notify.mail
    import app.redaction.jobs  # redaction.reapply
    import app.stats.jobs  # stats.refresh, stats.refresh_all, stats.snapshot
    import app.systemic.jobs  # systemic.company, systemic.scan
    import app.takedown.jobs  # noqa: F401 - takedown.tick, takedown.process


async def run_once(*, engine: Engine, kinds: list[str] | None = None) -> Job | None:
    """Do one due job, if there is one. Returns it in its new state."""
    _load_handlers()
    with Session(engine, expire_on_commit=False) as session:
        job = claim(
            session=session,
            kinds=kinds or list(HANDLERS),
            lease_seconds=get_settings().job_lease_seconds,
        )
        session.commit()
    if job is None:
        return None
    started = utcnow()
    try:
        outcome = await HANDLERS[job.kind](job, Context(engine=engine))
    except Exception as exc:  # a handler bug must not kill the worker; it is recorded
        log.exception("job %s (%s) failed", job.id, job.kind)
        outcome = Outcome(ok=False, detail=f"{type(exc).__name__}: {exc}")
    with Session(engine, expire_on_commit=False) as session:
        fresh = session.get(Job, job.id)
        finish(session=session, job=fresh, outcome=outcome, started_at=started)
        session.commit()
        return fresh


async def drain(*, engine: Engine, kinds: list[str] | None = None, limit: int = 1000) -> int:
    """Run due jobs until none is left (tests and the CLI's --once use this)."""
    done = 0
    while done < limit and await run_once(engine=engine, kinds=kinds):
        done += 1
    return done


async def run_forever(*, engine: Engine, stop: asyncio.Event, idle_seconds: float = 1.0) -> None:
    log.info("worker started")
    next_schedule = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() >= next_schedule:  # periodic jobs: at most once a minute
                next_schedule = time.monotonic() + 60
                await asyncio.to_thread(periodic.schedule, engine)
            job = await run_once(engine=engine)
        except Exception:  # the database may be restarting: wait and carry on
            log.exception("worker loop error")
            job = None
        if job is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=idle_seconds)
    log.info("worker stopped")
