"""Good manners: a posting budget per network, spent by priority and refilled evenly.

Each network has a bucket of ``broadcast_posts_per_hour`` posts an hour (networks not listed are
not limited), holding at most ten minutes' worth, so a backlog goes out spread over hours instead
of in one burst. Resolutions and digests may empty the bucket; milestones leave a quarter of it
for them. Deletions never spend it: taking a post down is never postponed for manners. A post
that finds the bucket empty waits (no attempt spent) until its turn comes.

Like the breaker, the bucket lives with the adapter in the worker process; with several worker
processes, divide the budget among them.
"""

import threading
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.config import get_settings

RESERVE = 0.25  # the part of the bucket milestones leave for resolutions
BURST_HOURS = 1 / 6  # the bucket holds ten minutes' worth of posts


@dataclass
class _Bucket:
    tokens: float
    at: datetime


_buckets: "weakref.WeakKeyDictionary[Any, _Bucket]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def per_hour(network: str) -> float | None:
    budget = get_settings().broadcast_posts_per_hour.get(network)
    return float(budget) if budget else None


def take(adapter: Any, *, now: datetime, urgent: bool) -> float | None:
    """Spend one post of ``adapter``'s budget: None when granted, else seconds to wait."""
    rate = per_hour(adapter.name)
    if rate is None:
        return None
    capacity = max(1.0, rate * BURST_HOURS)
    reserve = 0.0 if urgent else min(capacity * RESERVE, capacity - 1)
    with _lock:
        bucket = _buckets.get(adapter)
        if bucket is None:
            bucket = _buckets[adapter] = _Bucket(tokens=capacity, at=now)
        elapsed = max(0.0, (now - bucket.at).total_seconds())
        bucket.tokens = min(capacity, bucket.tokens + elapsed * rate / 3600)
        bucket.at = max(bucket.at, now)
        if bucket.tokens - 1 >= reserve - 1e-9:
            bucket.tokens -= 1
            return None
        return (reserve + 1 - bucket.tokens) * 3600 / rate


def refund(adapter: Any) -> None:
    """A post that did not get out (the network failed) gives its place in the budget back:
    an outage's probes must not use up the budget the backlog needs afterwards."""
    rate = per_hour(adapter.name)
    with _lock:
        bucket = _buckets.get(adapter)
        if rate is not None and bucket is not None:
            bucket.tokens = min(max(1.0, rate * BURST_HOURS), bucket.tokens + 1)
