"""Domain events: services emit them inside the request's transaction; listeners queue the
consequences (mail, webhooks, broadcasts) in that same transaction, so they happen exactly when
the change commits. ``emit_later`` instead queues one job, committed with the change, that runs
the listeners in the worker: a filing's consequences (mail to the company's reps, webhooks, the
reminder, the statistics mark) cost a spike of filings nothing (bench/README.md).

Adding a consequence means adding a listener module to ``LISTENER_MODULES``; services don't change.
"""

import contextlib
import dataclasses
import importlib
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

# Public event names (also the webhook event names).
COMPLAINT_CREATED = "complaint.created"
COMPLAINT_UPDATED = "complaint.updated"
MESSAGE_CREATED = "message.created"


@dataclass(frozen=True)
class Event:
    name: str
    complaint_id: int
    action: str = ""  # what changed: "answer", "resolve", "assign", "info_request", …
    message_id: int | None = None
    actor_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[Session, Event], None]
_listeners: list[Listener] = []
# Modules whose import registers listeners with @listener.
LISTENER_MODULES: list[str] = [
    "app.broadcast.schedule",
    "app.integrations.delivery",
    "app.notify.listeners",
    "app.systemic.jobs",  # systemic issues: regroup the company of a new complaint
    "app.mailchannel.outbound",  # email channel: mail the complaint and follow-ups to the company
    # Last: its mark is a row shared by every change to the company, locked until commit
    # (PostgreSQL), so it is taken as late as possible.
    "app.stats.jobs",  # marks the company's statistics dirty
]
_loaded = False
_muted: ContextVar[bool] = ContextVar("outcry_events_muted", default=False)


@contextlib.contextmanager
def muted() -> Iterator[None]:
    """Emit nothing inside this block: bulk loads (demo data) must not mail or post anyone."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def listener(fn: Listener) -> Listener:
    """Register ``fn(session, event)`` to run for every emitted event."""
    _listeners.append(fn)
    return fn


def emit(*, session: Session, event: Event) -> None:
    """Run every listener now, in the caller's transaction."""
    global _loaded
    if _muted.get():
        return
    if not _loaded:
        for module in LISTENER_MODULES:
            importlib.import_module(module)
        _loaded = True
    for fn in _listeners:
        fn(session, event)


LISTENERS_JOB = "event.listeners"  # app/jobs/listeners.py runs them


def emit_later(*, session: Session, event: Event) -> None:
    """Queue every listener to run in the worker, in one job committed with the caller's change."""
    if _muted.get():
        return
    from app.jobs.queue import ensure_queued  # the job queue's models import nothing of ours

    # A key of its own: no two filings ever insert the same key (PostgreSQL would make the
    # second wait for the first's commit).
    ensure_queued(
        session=session,
        kind=LISTENERS_JOB,
        key=f"event:{event.name}:{event.complaint_id}:{uuid.uuid4().hex}",
        payload=dataclasses.asdict(event),
    )
