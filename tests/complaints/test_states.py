"""The state machine: every action from every state, for every side."""

import itertools

import pytest

from app.complaints.states import (
    TRANSITIONS,
    Action,
    TransitionError,
    allowed_actions,
    next_state,
)
from app.models.complaint import ComplaintState as S
from app.models.complaint import Side

# What the product promises, written out by hand rather than derived from TRANSITIONS.
ALLOWED = {
    (S.OPEN, Action.ANSWER, Side.COMPANY): S.ANSWERED,
    (S.ANSWERED, Action.ANSWER, Side.COMPANY): S.ANSWERED,
    (S.DISPUTED, Action.ANSWER, Side.COMPANY): S.DISPUTED,
    (S.RESOLVED, Action.ANSWER, Side.COMPANY): S.RESOLVED,
    (S.OPEN, Action.RESOLVE, Side.COMPANY): S.RESOLVED,
    (S.ANSWERED, Action.RESOLVE, Side.COMPANY): S.RESOLVED,
    (S.DISPUTED, Action.RESOLVE, Side.COMPANY): S.RESOLVED,
    (S.RESOLVED, Action.CONFIRM, Side.CONSUMER): S.CONFIRMED,
    (S.RESOLVED, Action.DISPUTE, Side.CONSUMER): S.DISPUTED,
    (S.OPEN, Action.WITHDRAW, Side.CONSUMER): S.WITHDRAWN,
    (S.ANSWERED, Action.WITHDRAW, Side.CONSUMER): S.WITHDRAWN,
    (S.DISPUTED, Action.WITHDRAW, Side.CONSUMER): S.WITHDRAWN,
}
ALL = list(itertools.product(S, Action, (Side.CONSUMER, Side.COMPANY)))


@pytest.mark.parametrize(("state", "action", "side"), [k for k in ALL if k in ALLOWED])
def test_allowed_transition(state: S, action: Action, side: Side) -> None:
    assert next_state(state, action, side) is ALLOWED[(state, action, side)]


@pytest.mark.parametrize(("state", "action", "side"), [k for k in ALL if k not in ALLOWED])
def test_refused_transition_says_why(state: S, action: Action, side: Side) -> None:
    with pytest.raises(TransitionError) as refused:
        next_state(state, action, side)
    message = str(refused.value)
    if side is not TRANSITIONS[action].side:
        assert message.startswith("Only ")
    else:
        assert "cannot be" in message


def test_closed_complaints_accept_nothing() -> None:
    for state in (S.CONFIRMED, S.WITHDRAWN):
        assert allowed_actions(state, Side.CONSUMER) == []
        assert allowed_actions(state, Side.COMPANY) == []


def test_consumer_choices_after_resolution() -> None:
    assert set(allowed_actions(S.RESOLVED, Side.CONSUMER)) == {Action.CONFIRM, Action.DISPUTE}
