"""The 7-day reminder: a consumer whose complaint is still unanswered hears from us once.

Queued at filing with run_after = filed + 7 days (one job per complaint, by key); when it runs it
checks the complaint again and does nothing if the company answered or the complaint was closed.
"""

import asyncio
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from app.complaints.states import OPEN_STATES
from app.jobs.queue import Context, Outcome, ensure_queued
from app.models.company import Company
from app.models.complaint import Complaint
from app.models.job import Job
from app.models.user import User
from app.notify import compose, unsubscribe

KIND = "notify.reminder"
REMINDER_DAYS = 7


def schedule(*, session: Session, complaint: Complaint) -> None:
    ensure_queued(
        session=session,
        kind=KIND,
        key=f"reminder:{complaint.id}",
        payload={"complaint_id": complaint.id},
        run_after=complaint.created_at + timedelta(days=REMINDER_DAYS),
    )


def _remind(engine: Engine, complaint_id: int) -> Outcome:
    with Session(engine, expire_on_commit=False) as session:
        complaint = session.get(Complaint, complaint_id)
        if complaint is None:
            return Outcome(ok=True, detail="complaint gone: no reminder")
        if complaint.first_response_at is not None or complaint.state not in OPEN_STATES:
            return Outcome(ok=True, detail=f"{complaint.state}, answered or closed: no reminder")
        author = session.get(User, complaint.author_id)
        if author is None or not author.notify_complaint_updates:
            return Outcome(ok=True, detail="the consumer turned these emails off: no reminder")
        compose.queue(
            session=session,
            key=f"reminder:{complaint.id}",
            to=author.email,
            template="reminder",
            unsubscribe_token=unsubscribe.token_for_user(
                author, unsubscribe.Preference.COMPLAINT_UPDATES
            ),
            complaint=complaint,
            company=session.get(Company, complaint.company_id),
            recipient=author,
            days=REMINDER_DAYS,
        )
        session.commit()
    return Outcome(ok=True, detail="reminder queued")


async def remind(job: Job, ctx: Context) -> Outcome:
    # The database work is synchronous: keep it off the event loop the web server shares.
    return await asyncio.to_thread(_remind, ctx.engine, int(job.payload["complaint_id"]))
