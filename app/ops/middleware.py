"""Request ids, access logs and request metrics, as pure ASGI middleware (no task per request)."""

import itertools
import logging
import os
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.ops import logging as ops_logging
from app.ops.metrics import tally

log = logging.getLogger("outcry.access")
# A proxy's id is kept when it looks like one; anything else could inject into log lines.
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Our own ids: a random prefix per process and a counter, unique without a uuid4 per request.
_PREFIX = os.urandom(8).hex()  # with the counter: 32 hex digits, as a uuid4 had
_counter = itertools.count(1)


def _incoming_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            raw: bytes = value
            return raw.decode("latin-1")
    return ""


def _route_label(scope: Scope) -> str:
    """The route's template (``/complaints/{complaint_id}``), never the raw path: one time series
    per route, whatever ids people request."""
    route = scope.get("route")
    path: str | None = getattr(route, "path", None)
    if path:
        return path
    return "static" if scope.get("path", "").startswith("/static/") else "unmatched"


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _incoming_id(scope)
        rid = (
            incoming
            if incoming and _SAFE_ID.fullmatch(incoming)
            else f"{_PREFIX}{next(_counter):016x}"
        )
        token = ops_logging.request_id.set(rid)
        started = time.perf_counter()
        status = 500  # if the app dies before it starts a response

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.setdefault("headers", [])
                if not isinstance(headers, list):  # ASGI allows any iterable
                    headers = message["headers"] = list(headers)
                headers.append((b"x-request-id", rid.encode("latin-1")))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_label(scope)
            method = scope["method"]
            tally(method, route, status, elapsed)
            if log.isEnabledFor(logging.INFO):  # production benches log warnings only
                log.info(
                    "%s %s %d",
                    method,
                    scope["path"],
                    status,
                    extra={"status": status, "route": route, "ms": round(elapsed * 1000, 1)},
                )
            ops_logging.request_id.reset(token)
