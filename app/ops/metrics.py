"""Prometheus metrics. Request counts and latencies are kept per process; with several uvicorn
workers set ``PROMETHEUS_MULTIPROC_DIR`` and /metrics adds them up across processes. Queue depth
and broadcast outcomes are read from the database at scrape time, so every process reports the
same, whole-system figures."""

import asyncio
import os
from collections import deque
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Connection, Engine, func
from sqlmodel import Session, select

from app.models.broadcast import Broadcast
from app.models.job import Job

REQUESTS = Counter(
    "outcry_http_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
LATENCY = Histogram(
    "outcry_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

# Answered requests are tallied and handed to the two metrics above in batches: their update
# per request (a lock per value, a walk of the buckets) was half of what the observability
# middleware cost every request (bench/README.md). A scrape, and a timer each second, hand
# over what is waiting. A deque: its appends and pops are atomic, and scrapes run in threads.
_tally: deque[tuple[str, str, int, float]] = deque()
BATCH = 256
# Each series' metric children, looked up once: ``labels()`` builds a key and takes a lock.
_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def tally(method: str, route: str, status: int, seconds: float) -> None:
    _tally.append((method, route, status, seconds))
    if len(_tally) >= BATCH:
        hand_over()


def hand_over() -> None:
    """Add every tallied request to the request metrics: a count per series at once, each
    latency on its own (a histogram takes one observation at a time)."""
    pop = _tally.popleft
    counts: dict[tuple[str, str, int], int] = {}
    while True:
        try:
            method, route, status, seconds = pop()
        except IndexError:
            break
        key = (method, route, status)
        counts[key] = counts.get(key, 0) + 1
        _series(key)[1].observe(seconds)
    for key, count in counts.items():
        _series(key)[0].inc(count)


def _series(key: tuple[str, str, int]) -> tuple[Any, Any]:
    found = _children.get(key)
    if found is None:
        method, route, status = key
        found = _children[key] = (
            REQUESTS.labels(method, route, str(status)),
            LATENCY.labels(method, route),
        )
    return found


async def hand_over_every(seconds: float = 1.0) -> None:
    """So that with several processes (each scraped through the others' files) a count is
    never more than a second late."""
    while True:
        await asyncio.sleep(seconds)
        hand_over()


class DatabaseCollector(Collector):
    """Queue depth by kind and state, and broadcasts by network and outcome."""

    def __init__(self, bind: Engine | Connection) -> None:
        self.bind = bind

    def collect(self) -> Iterator[GaugeMetricFamily]:
        jobs = GaugeMetricFamily(
            "outcry_jobs", "Background jobs by kind and state.", labels=["kind", "state"]
        )
        posts = GaugeMetricFamily(
            "outcry_broadcasts",
            "Social posts by network and outcome.",
            labels=["network", "status"],
        )
        with Session(self.bind) as session:
            for kind, state, n in session.exec(
                select(Job.kind, Job.state, func.count()).group_by(Job.kind, Job.state)
            ):
                jobs.add_metric([kind, str(state)], n)
            for network, status, n in session.exec(
                select(Broadcast.network, Broadcast.status, func.count()).group_by(
                    Broadcast.network, Broadcast.status
                )
            ):
                posts.add_metric([network, str(status)], n)
        yield jobs
        yield posts


def render(bind: Engine | Connection) -> bytes:
    """The text exposition format of every metric."""
    hand_over()
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessMetrics())
    registry.register(DatabaseCollector(bind))
    return generate_latest(registry)


class _ProcessMetrics(Collector):
    """This process's request metrics (the default registry's, without its duplicates)."""

    def collect(self) -> Iterator[Metric]:
        yield from REQUESTS.collect()
        yield from LATENCY.collect()
