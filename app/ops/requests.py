"""Request ids, access logs and request metrics: what the edge middleware (app/web/middleware.py)
records of every request."""

import itertools
import logging
import os
import re

from starlette.types import Scope

from app.ops.metrics import tally

log = logging.getLogger("outcry.access")
# A proxy's id is kept when it looks like one; anything else could inject into log lines.
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Our own ids: a random prefix per process and a counter, unique without a uuid4 per request.
_PREFIX = os.urandom(8).hex()  # with the counter: 32 hex digits, as a uuid4 had
_counter = itertools.count(1)


def request_id(scope: Scope) -> str:
    """The proxy's id for this request if it sent a safe one, else a new one."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            incoming: str = value.decode("latin-1")
            if _SAFE_ID.fullmatch(incoming):
                return incoming
            break
    return f"{_PREFIX}{next(_counter):016x}"


def route_label(scope: Scope) -> str:
    """The route's template (``/complaints/{complaint_id}``), never the raw path: one time series
    per route, whatever ids people request."""
    route = scope.get("route")
    path: str | None = getattr(route, "path", None)
    if path:
        return path
    return "static" if scope.get("path", "").startswith("/static/") else "unmatched"


def finished(method: str, scope: Scope, status: int, seconds: float) -> None:
    """Count the answered request, and write its access line."""
    route = route_label(scope)
    tally(method, route, status, seconds)
    if log.isEnabledFor(logging.INFO):  # production benches log warnings only
        log.info(
            "%s %s %d",
            method,
            scope["path"],
            status,
            extra={"status": status, "route": route, "ms": round(seconds * 1000, 1)},
        )
