"""Who listens to each event: the one list. Listeners run in the order given, in the
transaction of the change (or of the worker's job, for ``emit_later``).

Every event class in ``app.events.EVENTS`` has an entry (tests/core/test_registries.py checks).
The statistics mark comes last: it is a row shared by every change to the company, locked until
commit (PostgreSQL), so it is taken as late as possible.
"""

import asyncio
from collections.abc import Sequence

from sqlalchemy import Engine
from sqlmodel import Session

from app import events as e
from app.broadcast import schedule as broadcast
from app.dashboard import routing
from app.integrations import delivery as webhooks
from app.jobs.queue import Context, Outcome
from app.mailchannel import outbound as mailchannel
from app.models.job import Job
from app.notify import listeners as mail
from app.stats import jobs as stats

# Every update: plan the unconfirmed-resolution post while a resolution stands, and tell the
# company's webhooks.
_UPDATE = (broadcast.on_update, webhooks.queue_deliveries)

LISTENERS: dict[type[e.Event], Sequence[e.Listener]] = {
    e.ComplaintCreated: (
        broadcast.on_publish,
        webhooks.queue_deliveries,
        mail.on_filed,
        mailchannel.on_filed,  # email channel: the complaint to the company's complaints address
        routing.on_created,  # after the filing is announced: its assignment follows
        stats.on_complaint_event,
    ),
    e.FollowedUp: (*_UPDATE, mailchannel.on_consumer_message, stats.on_complaint_event),
    e.Confirmed: (broadcast.on_confirm, *_UPDATE, stats.on_complaint_event),
    e.Disputed: (*_UPDATE, mailchannel.on_consumer_message, stats.on_complaint_event),
    e.Withdrawn: (*_UPDATE, stats.on_complaint_event),
    e.Answered: (*_UPDATE, mail.on_company_message, stats.on_complaint_event),
    e.InfoRequested: (*_UPDATE, mail.on_company_message, stats.on_complaint_event),
    e.Resolved: (*_UPDATE, mail.on_resolved, stats.on_complaint_event),
    e.Assigned: (*_UPDATE, mail.on_assigned, stats.on_complaint_event),
    # Whose turn it is changed hands: the batched mail to whoever it now waits for.
    e.TurnChanged: (mail.on_turn_changed,),
    e.MessageCreated: (webhooks.queue_deliveries, stats.on_complaint_event),
    # What the statistics count changed; nobody else is told.
    e.VisibilityChanged: (stats.on_complaint_event,),
    e.CoSigned: (stats.on_complaint_event,),
    e.CoSignWithdrawn: (stats.on_complaint_event,),
}


def run_listeners(engine: Engine, event: e.Event) -> None:
    # All or nothing: a listener that fails rolls back the others' jobs, and the retry queues
    # them again, so nothing is sent twice.
    with Session(engine, expire_on_commit=False) as session:
        e.emit(session=session, event=event)
        session.commit()


async def run_later(job: Job, ctx: Context) -> Outcome:
    """The worker's job for an event queued with ``events.emit_later``: its listeners, now."""
    event = e.from_payload(job.payload)
    await asyncio.to_thread(run_listeners, ctx.engine, event)
    return Outcome(ok=True, detail=f"{event.name} {event.complaint_id}: listeners run")
