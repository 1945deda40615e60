"""The worker job that re-redacts existing text after an admin rule changed."""

import asyncio

from sqlalchemy import Engine
from sqlmodel import Session

from app.jobs.queue import Context, Outcome
from app.models.job import Job
from app.redaction import service

BATCH = 100  # complaints per transaction, so a big table never holds one long lock


def reapply_all(engine: Engine) -> tuple[int, int]:
    seen = changed = after = 0
    while True:
        with Session(engine, expire_on_commit=False) as session:
            count, rows, after = service.reapply(session=session, after_id=after, limit=BATCH)
            session.commit()
        seen, changed = seen + count, changed + rows
        if count < BATCH:
            return seen, changed


async def reapply(_job: Job, ctx: Context) -> Outcome:
    seen, changed = await asyncio.to_thread(reapply_all, ctx.engine)
    return Outcome(
        ok=True,
        detail=f"Redaction: {seen} complaints checked, {changed} texts changed",
        result={"checked": seen, "changed": changed},
    )
