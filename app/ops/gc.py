"""Garbage collector settings for a web server process.

Measured under 64 connections (bench/README.md): a worker spent about a fifth of its time in
the cyclic collector, and a full collection (every second or so, over ~300,000 objects) paused
every request in flight for 100-700 ms. Objects alive once the app is loaded (modules, mappers,
routes, templates' code: ~290,000) never become garbage, so they are frozen out of every
collection; and the first threshold is raised, so objects of requests still in flight are not
promoted to the old generation a few hundred allocations into their life (most of the heap is
freed by reference counting anyway; the collector only finds cycles).
"""

import gc

THRESHOLDS = (50_000, 20, 100)  # CPython's defaults: (700, 10, 10)


def tune_for_serving() -> None:
    """Freeze every object alive now and raise the thresholds: call once the app is loaded."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
