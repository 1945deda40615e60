"""Runs the listeners of an event queued with ``events.emit_later``, in one transaction."""

import asyncio

from sqlalchemy import Engine
from sqlmodel import Session

from app.events import Event, emit, from_payload
from app.jobs.queue import Context, Outcome
from app.models.job import Job


def run_listeners(engine: Engine, event: Event) -> None:
    # All or nothing: a listener that fails rolls back the others' jobs, and the retry queues
    # them again, so nothing is sent twice.
    with Session(engine, expire_on_commit=False) as session:
        emit(session=session, event=event)
        session.commit()


async def run(job: Job, ctx: Context) -> Outcome:
    event = from_payload(job.payload)
    await asyncio.to_thread(run_listeners, ctx.engine, event)
    return Outcome(ok=True, detail=f"{event.name} {event.complaint_id}: listeners run")
