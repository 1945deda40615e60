"""The complaint state machine: the one place that says which change is allowed, and for whom.

States follow the CFPB/BBB shape (docs/lifecycle.md): the company answers and resolves, but a
resolution only counts once the consumer confirms it; a dispute reopens the complaint on record.
"""

from dataclasses import dataclass
from enum import StrEnum

from app.errors import Conflict
from app.models.complaint import ComplaintState as S
from app.models.complaint import Side


class Action(StrEnum):
    ANSWER = "answer"
    RESOLVE = "resolve"
    CONFIRM = "confirm"
    DISPUTE = "dispute"
    WITHDRAW = "withdraw"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[S]
    target: S | None  # None: the state stays as it is (a reply to an already answered complaint)
    side: Side


OPEN_STATES = frozenset({S.OPEN, S.ANSWERED, S.DISPUTED})
CLOSED_STATES = frozenset({S.CONFIRMED, S.WITHDRAWN})

TRANSITIONS: dict[Action, Transition] = {
    Action.ANSWER: Transition(OPEN_STATES | {S.RESOLVED}, None, Side.COMPANY),
    Action.RESOLVE: Transition(OPEN_STATES, S.RESOLVED, Side.COMPANY),
    Action.CONFIRM: Transition(frozenset({S.RESOLVED}), S.CONFIRMED, Side.CONSUMER),
    Action.DISPUTE: Transition(frozenset({S.RESOLVED}), S.DISPUTED, Side.CONSUMER),
    Action.WITHDRAW: Transition(OPEN_STATES, S.WITHDRAWN, Side.CONSUMER),
}

_WHO = {Side.COMPANY: "the company", Side.CONSUMER: "the consumer who filed it"}


class TransitionError(Conflict):
    """A refused change (409); the message is safe to show to the user."""


def next_state(state: S, action: Action, side: Side) -> S:
    """The state after ``action`` by ``side``, or TransitionError saying why not."""
    transition = TRANSITIONS[action]
    if side is not transition.side:
        raise TransitionError(f"Only {_WHO[transition.side]} can {action.value} a complaint.")
    if state not in transition.sources:
        raise TransitionError(f"A complaint that is {label(state)} cannot be {past(action)}.")
    if action is Action.ANSWER and state == S.OPEN:
        return S.ANSWERED
    return transition.target or state


def allowed_actions(state: S, side: Side) -> list[Action]:
    return [a for a, t in TRANSITIONS.items() if t.side is side and state in t.sources]


def past(action: Action) -> str:
    return {
        Action.ANSWER: "answered",
        Action.RESOLVE: "marked resolved",
        Action.CONFIRM: "confirmed",
        Action.DISPUTE: "disputed",
        Action.WITHDRAW: "withdrawn",
    }[action]


def label(state: S) -> str:
    return {
        S.OPEN: "open",
        S.ANSWERED: "answered",
        S.RESOLVED: "resolved by the company",
        S.CONFIRMED: "confirmed resolved",
        S.DISPUTED: "disputed",
        S.WITHDRAWN: "withdrawn",
    }[state]
