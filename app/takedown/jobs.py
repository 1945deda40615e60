"""The worker's side: a periodic sweep (``takedown.tick``) and one job per notice step
(``takedown.process``), each in its own short transaction."""

import asyncio

from sqlalchemy import Engine
from sqlmodel import Session

from app.jobs.queue import Context, Outcome
from app.models.job import Job
from app.models.takedown import TakedownNotice
from app.takedown import procedure

TICK = "takedown.tick"


def _tick(engine: Engine) -> int:
    with Session(engine, expire_on_commit=False) as session:
        moved = procedure.tick(session=session)
        session.commit()
    return moved


def _process(engine: Engine, notice_id: int) -> str:
    with Session(engine, expire_on_commit=False) as session:
        notice = session.get(TakedownNotice, notice_id)
        if notice is None:
            return "notice gone"
        procedure.process(session=session, notice=notice)
        session.commit()
        return f"notice {notice_id}: {notice.status}"


async def tick(_job: Job, ctx: Context) -> Outcome:
    moved = await asyncio.to_thread(_tick, ctx.engine)
    return Outcome(ok=True, detail=f"Takedown notices moved on: {moved}", result={"moved": moved})


async def process(job: Job, ctx: Context) -> Outcome:
    detail = await asyncio.to_thread(_process, ctx.engine, int(job.payload["notice_id"]))
    return Outcome(ok=True, detail=detail)
