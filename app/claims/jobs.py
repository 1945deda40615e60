"""The periodic re-verification of company claims, as a worker job (scheduled in app/claims/tasks.py)."""

import asyncio

from sqlalchemy import Engine
from sqlmodel import Session

from app.claims import reverify as rechecks
from app.claims.verifier import Verifier, get_verifier
from app.jobs.queue import Context, Outcome
from app.models.job import Job

REVERIFY = "claims.reverify"
BATCH = 20  # claims per transaction: network checks must not hold a database lock for long


def reverify_all(engine: Engine, verifier: Verifier) -> rechecks.Recheck:
    """Re-check every due claim, committing after each batch."""
    checked = suspended = inconclusive = after = 0
    while True:
        with Session(engine, expire_on_commit=False) as session:
            batch = rechecks.reverify_due(
                session=session, verifier=verifier, after_id=after, limit=BATCH
            )
            session.commit()
        checked += batch.checked
        suspended += batch.suspended
        inconclusive += batch.inconclusive
        after = batch.last_id
        if batch.checked < BATCH:
            return rechecks.Recheck(checked, suspended, inconclusive, after)


async def reverify(_job: Job, ctx: Context) -> Outcome:
    report = await asyncio.to_thread(reverify_all, ctx.engine, get_verifier())
    return Outcome(
        ok=True,
        detail=(
            f"Claims: {report.checked} re-checked, {report.suspended} suspended, "
            f"{report.inconclusive} could not be checked"
        ),
        result={"checked": report.checked, "suspended": report.suspended},
    )
