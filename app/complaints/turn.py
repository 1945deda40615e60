"""Whose turn it is: who the conversation is waiting for, read from the timeline.

``derive`` is a pure function of the complaint's state and its timeline; ``refresh`` stores its
answer on the complaint (``turn``, ``turn_why``, ``turn_since``) so queues can filter and sort on
it with an index. Every change goes through ``complaints.service._announce``, which refreshes it
and says in the event when the turn changed hands (the mail listener acts on that).

- Filed: the company's turn ("new") from publication.
- A company reply: still the company's (it has to resolve) unless it asked for information;
  then the consumer's until they write again (another reply does not end that wait).
- Resolved: the consumer's (confirm or dispute).
- A consumer follow-up, private message or dispute after the company spoke: the company's again
  ("customer replied"), counted from the first such message the company has not answered.
- Confirmed or withdrawn: nobody's.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.complaints.states import CLOSED_STATES
from app.models.complaint import (
    Complaint,
    ComplaintState,
    Message,
    Side,
    TimelineEvent,
    Turn,
    TurnWhy,
)


@dataclass(frozen=True)
class Step:
    """One timeline entry, as far as the turn cares."""

    kind: str
    side: Side
    at: datetime
    info_request: bool = False


@dataclass(frozen=True)
class TurnState:
    turn: Turn
    why: TurnWhy
    since: datetime


CONSUMER_SPEAKS = frozenset({"follow_up", "dispute"})


def derive(state: ComplaintState, steps: Iterable[Step], *, published_at: datetime) -> TurnState:
    """Whose turn it is after ``steps`` (oldest first) on a complaint now in ``state``."""
    now = TurnState(Turn.COMPANY, TurnWhy.NEW, published_at)
    for step in steps:
        now = _after(now, step)
    if state in CLOSED_STATES and now.turn is not Turn.NOBODY:
        return TurnState(Turn.NOBODY, TurnWhy.CLOSED, now.since)
    return now


def _after(now: TurnState, step: Step) -> TurnState:
    if step.kind in ("confirm", "withdraw"):
        return TurnState(Turn.NOBODY, TurnWhy.CLOSED, step.at)
    if step.side is Side.COMPANY:
        if step.kind == "resolve":
            return TurnState(Turn.CONSUMER, TurnWhy.RESOLVED, step.at)
        if step.kind != "answer":
            return now  # assignment and the like: nobody spoke
        if step.info_request:
            return TurnState(Turn.CONSUMER, TurnWhy.INFO_REQUESTED, step.at)
        if now.why in (TurnWhy.RESOLVED, TurnWhy.INFO_REQUESTED):
            # A word after resolving or asking ("also checking our logs"): the consumer still
            # owes the confirmation or the answer.
            return now
        if now.turn is Turn.COMPANY:
            return TurnState(Turn.COMPANY, TurnWhy.ANSWERED, now.since)
        return TurnState(Turn.COMPANY, TurnWhy.ANSWERED, step.at)
    if step.side is Side.CONSUMER and step.kind in CONSUMER_SPEAKS:
        if now.why is TurnWhy.NEW and step.kind == "follow_up":
            return now  # more detail before any answer: still the first wait
        if now.why is TurnWhy.CUSTOMER_REPLIED:
            return now  # waiting since their first unanswered message
        return TurnState(Turn.COMPANY, TurnWhy.CUSTOMER_REPLIED, step.at)
    return now


Wait = tuple[datetime, datetime | None]  # (asked at, answered at; None while still waiting)


def info_waits(steps: Iterable[Step], *, published_at: datetime) -> list[Wait]:
    """When the company waited for information it asked for: each stretch in which it was the
    consumer's turn because of a request for information. Its response clock pauses then
    (app/stats/metrics.py, /methodology)."""
    waits: list[Wait] = []
    now = TurnState(Turn.COMPANY, TurnWhy.NEW, published_at)
    for step in steps:
        before, now = now, _after(now, step)
        if now.why is TurnWhy.INFO_REQUESTED and before.why is not TurnWhy.INFO_REQUESTED:
            waits.append((step.at, None))
        elif before.why is TurnWhy.INFO_REQUESTED and now.why is not TurnWhy.INFO_REQUESTED:
            waits[-1] = (waits[-1][0], step.at)
    return waits


def paused(waits: Iterable[Wait], *, start: datetime, end: datetime) -> timedelta:
    """How much of (start, end] the clock stood still (a wait still open runs to ``end``)."""
    total = timedelta()
    for asked, answered in waits:
        lo, hi = max(asked, start), min(answered or end, end)
        if hi > lo:
            total += hi - lo
    return total


def paused_so_far(
    timeline: Iterable[tuple[TimelineEvent, Message | None, object]],
    *,
    published_at: datetime,
    now: datetime,
) -> timedelta:
    """How long the company's clock has stood still on a complaint, from its page's timeline."""
    found = [
        Step(event.kind, Side(event.side), event.at, bool(message and message.info_request))
        for event, message, _ in timeline
    ]
    waits = info_waits(found, published_at=published_at)
    return paused(waits, start=published_at, end=now)


def steps(*, session: Session, complaint: Complaint) -> list[Step]:
    rows = session.exec(
        select(TimelineEvent.kind, TimelineEvent.side, TimelineEvent.at, Message.info_request)
        .outerjoin(Message, col(Message.id) == TimelineEvent.message_id)
        .where(TimelineEvent.complaint_id == complaint.id)
        .order_by(col(TimelineEvent.at), col(TimelineEvent.id))
    ).all()
    return [Step(kind, Side(side), at, bool(info)) for kind, side, at, info in rows]


def current(complaint: Complaint) -> TurnState:
    """The stored turn; a new complaint's wait runs from its publication (``created_at``)."""
    why = TurnWhy(complaint.turn_why)
    since = complaint.created_at if why is TurnWhy.NEW else complaint.turn_since
    return TurnState(Turn(complaint.turn), why, since or complaint.created_at)


def refresh(*, session: Session, complaint: Complaint) -> tuple[TurnState, TurnState]:
    """Recompute and store the turn; returns (before, after)."""
    before = current(complaint)
    session.flush()
    after = derive(
        complaint.state,
        steps(session=session, complaint=complaint),
        published_at=complaint.created_at,
    )
    complaint.turn = after.turn
    complaint.turn_why = after.why
    complaint.turn_since = after.since
    session.add(complaint)
    return before, after


def changed_hands(before: TurnState, after: TurnState) -> bool:
    """Did the wait start again for someone (a new turn, not the same one going on)?"""
    return (before.turn, before.why, before.since) != (after.turn, after.why, after.since)


def waiting_label(state: TurnState, *, company: str, viewer_is_author: bool) -> str:
    """ "Waiting for Maple Post" / "Waiting for you" / "Waiting for the consumer"; "" when closed."""
    if state.turn is Turn.COMPANY:
        return f"Waiting for {company}"
    if state.turn is Turn.CONSUMER:
        return "Waiting for you" if viewer_is_author else "Waiting for the consumer"
    return ""
