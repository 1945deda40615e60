"""Daily housekeeping of the helpdesk integration: forget Idempotency-Keys older than their
24-hour window."""

import asyncio

from sqlalchemy import Engine
from sqlmodel import Session

from app.integrations import idempotency
from app.jobs.queue import Context, Outcome
from app.models.job import Job

HOUSEKEEPING = "integrations.housekeeping"


def _purge(engine: Engine) -> int:
    with Session(engine) as session:
        forgotten = idempotency.purge(session=session)
        session.commit()
    return forgotten


async def housekeeping(job: Job, ctx: Context) -> Outcome:
    forgotten = await asyncio.to_thread(_purge, ctx.engine)
    return Outcome(ok=True, detail=f"{forgotten} idempotency keys forgotten")
