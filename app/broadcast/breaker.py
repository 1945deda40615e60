"""One circuit breaker per network: an outage pauses that network's deliveries, it fails nothing.

A network that times out, answers 5xx or asks us to wait (429) is "down" until a pause has run:
its jobs are put back without contacting it and without spending an attempt, so an outage of any
length costs no job its life. The first job due after the pause is the probe; a success closes
the breaker, another failure doubles the pause (up to ``broadcast_pause_max_seconds``). Other
networks' jobs are never held: each network has its own breaker.

The state lives with the adapter, in the worker process: each worker learns of an outage by its
own first failure, and a new adapter (a restart) starts with the network presumed up.
"""

import random
import threading
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.clock import utcnow
from app.config import get_settings


@dataclass
class _State:
    failures: int = 0
    down_since: datetime | None = None
    paused_until: datetime | None = None


_states: "weakref.WeakKeyDictionary[Any, _State]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _state(network: Any) -> _State:
    """``network`` is the adapter: one breaker per network, as long as the adapter lives."""
    state = _states.get(network)
    if state is None:
        state = _states[network] = _State()
    return state


def paused_for(network: Any, *, now: datetime | None = None) -> float | None:
    """Seconds until ``network`` may be tried again, or None when it may be tried now."""
    now = now or utcnow()
    with _lock:
        until = _state(network).paused_until
    if until is None or until <= now:
        return None
    return (until - now).total_seconds()


def failed(network: Any, *, wait: float | None = None, now: datetime | None = None) -> float:
    """The network failed (or asked for ``wait`` seconds): pause it; returns the pause."""
    now = now or utcnow()
    settings = get_settings()
    with _lock:
        state = _state(network)
        state.failures += 1
        state.down_since = state.down_since or now
        doubling = settings.broadcast_pause_seconds * 2 ** min(state.failures - 1, 30)
        pause = min(settings.broadcast_pause_max_seconds, doubling)
        if wait is not None:
            pause = max(wait, 0.0)  # the network said how long: no more, no less
        state.paused_until = now + timedelta(seconds=pause)
    return pause


def succeeded(network: Any) -> None:
    with _lock:
        _states[network] = _State()


def down_since(network: Any) -> datetime | None:
    with _lock:
        return _state(network).down_since


def spread(seconds: float) -> float:
    """When a paused job comes back: after the pause, jobs spread over a quarter of it so the
    probe goes first and the backlog does not arrive in one burst."""
    return seconds + random.uniform(0, max(seconds, 1.0) / 4)  # noqa: S311 - not security


def reset() -> None:
    """Forget every outage (tests)."""
    with _lock:
        _states.clear()
