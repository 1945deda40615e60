"""Domain events: one small class per thing that happened to a complaint.

Services emit them inside the request's transaction; the listeners (listed per event class in
app/listeners.py) queue the consequences (mail, webhooks, broadcasts) in that same transaction,
so they happen exactly when the change commits. ``emit_later`` instead queues one job, committed
with the change, that runs the listeners in the worker: a filing's consequences (mail to the
company's reps, webhooks, the reminder, the statistics mark) cost a spike of filings nothing
(bench/README.md).

An event's ``name`` is stored (webhook subscriptions and deliveries, job keys): never rename one.
"""

import contextlib
import dataclasses
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlmodel import Session

from app.jobs.queue import ensure_queued


@dataclass(frozen=True, kw_only=True)
class Event:
    name: ClassVar[str]  # the public name (webhooks); several classes may share one
    complaint_id: int
    actor_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class ComplaintCreated(Event):
    """Filed and public (or published after waiting: app/complaints/gate.py)."""

    name: ClassVar[str] = "complaint.created"


@dataclass(frozen=True, kw_only=True)
class ComplaintUpdated(Event):
    """Base of every action a party takes on a public complaint; never emitted itself."""

    name: ClassVar[str] = "complaint.updated"
    action: ClassVar[str]  # the timeline kind; part of a webhook delivery's identity
    message_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class FollowedUp(ComplaintUpdated):
    action: ClassVar[str] = "follow_up"


@dataclass(frozen=True, kw_only=True)
class Confirmed(ComplaintUpdated):
    action: ClassVar[str] = "confirm"


@dataclass(frozen=True, kw_only=True)
class Disputed(ComplaintUpdated):
    action: ClassVar[str] = "dispute"


@dataclass(frozen=True, kw_only=True)
class Withdrawn(ComplaintUpdated):
    action: ClassVar[str] = "withdraw"


@dataclass(frozen=True, kw_only=True)
class Answered(ComplaintUpdated):
    action: ClassVar[str] = "answer"


@dataclass(frozen=True, kw_only=True)
class InfoRequested(ComplaintUpdated):
    """A company reply asking the consumer for more information."""

    action: ClassVar[str] = "info_request"


@dataclass(frozen=True, kw_only=True)
class Resolved(ComplaintUpdated):
    action: ClassVar[str] = "resolve"


@dataclass(frozen=True, kw_only=True)
class Assigned(ComplaintUpdated):
    action: ClassVar[str] = "assign"
    assignee_id: int
    previous_assignee_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class MessageCreated(Event):
    """A public message, emitted beside the update that carried it."""

    name: ClassVar[str] = "message.created"
    message_id: int


@dataclass(frozen=True, kw_only=True)
class VisibilityChanged(Event):
    """A moderator (or the takedown procedure) changed what the public sees of the complaint."""

    name: ClassVar[str] = "complaint.visibility_changed"


@dataclass(frozen=True, kw_only=True)
class CoSigned(Event):
    name: ClassVar[str] = "complaint.cosigned"


@dataclass(frozen=True, kw_only=True)
class CoSignWithdrawn(Event):
    name: ClassVar[str] = "complaint.cosign_withdrawn"


# Every event that can be emitted (app/listeners.py must give each an entry).
EVENTS: tuple[type[Event], ...] = (
    ComplaintCreated,
    FollowedUp,
    Confirmed,
    Disputed,
    Withdrawn,
    Answered,
    InfoRequested,
    Resolved,
    Assigned,
    MessageCreated,
    VisibilityChanged,
    CoSigned,
    CoSignWithdrawn,
)

Listener = Callable[[Session, Any], None]  # (session, an instance of the event class it is for)
_listeners: dict[type[Event], tuple[Listener, ...]] | None = None
_muted: ContextVar[bool] = ContextVar("outcry_events_muted", default=False)


def install(listeners: Mapping[type[Event], Sequence[Listener]]) -> None:
    """Connect events to their listeners; every entry point calls this once (app/startup.py)."""
    global _listeners
    _listeners = {kind: tuple(fns) for kind, fns in listeners.items()}


@contextlib.contextmanager
def muted() -> Iterator[None]:
    """Emit nothing inside this block: bulk loads (demo data) must not mail or post anyone."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def emit(*, session: Session, event: Event) -> None:
    """Run the event's listeners now, in the caller's transaction."""
    if _muted.get():
        return
    if _listeners is None:
        raise RuntimeError("events are not wired: call app.startup.wire() first")
    for fn in _listeners[type(event)]:
        fn(session, event)


LISTENERS_JOB = "event.listeners"  # app/jobs/listeners.py runs them


def emit_later(*, session: Session, event: Event) -> None:
    """Queue the event's listeners to run in the worker, in one job committed with the change."""
    if _muted.get():
        return
    # A key of its own: no two filings ever insert the same key (PostgreSQL would make the
    # second wait for the first's commit).
    ensure_queued(
        session=session,
        kind=LISTENERS_JOB,
        key=f"event:{event.name}:{event.complaint_id}:{uuid.uuid4().hex}",
        payload={"type": type(event).__name__, "name": event.name, **dataclasses.asdict(event)},
    )


_BY_TYPE = {kind.__name__: kind for kind in EVENTS}


def from_payload(payload: dict[str, Any]) -> Event:
    """The event a queued job carries. Jobs queued before events had classes carry only the
    public name and a free ``data`` dict; only filings were ever queued that way."""
    if "type" in payload:
        kind = _BY_TYPE[payload["type"]]
    elif payload.get("name") == ComplaintCreated.name:
        kind = ComplaintCreated
    else:
        raise ValueError(f"cannot rebuild event {payload.get('name')!r} from an old job")
    fields = {f.name for f in dataclasses.fields(kind)}
    return kind(**{k: v for k, v in payload.items() if k in fields})
