"""Health, readiness and metrics for load balancers, orchestrators and Prometheus."""

import hmac
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.config import get_settings
from app.db import get_read_engine
from app.ops import metrics, readiness
from app.slots import connection_slot
from app.web import ratelimit

router = APIRouter(include_in_schema=False)
NO_STORE = {"cache-control": "no-store"}


async def database_slot() -> AsyncIterator[None]:
    """These routes use the request pool's connections without a session: they take a slot
    like a session does (app/db.py), so they never make a thread wait for the pool."""
    async with connection_slot(get_read_engine()):
        yield


@router.get("/healthz")
async def healthz() -> Response:
    """Process liveness only: no database access, so it stays cheap under load. On the event
    loop: a thread hop cost it half its speed against plain text."""
    return PlainTextResponse("ok", headers=NO_STORE)


@router.get("/readyz", dependencies=[Depends(database_slot, scope="function")])
def readyz() -> Response:
    """Ready for traffic: the database answers and its schema is at the newest migration."""
    state = readiness.check(get_read_engine())
    return JSONResponse(
        {"ready": state.ready, "database": state.database, "migrations": state.migrations},
        status_code=200 if state.ready else 503,
        headers=NO_STORE,
    )


@router.get("/metrics", dependencies=[Depends(database_slot, scope="function")])
def prometheus(request: Request) -> Response:
    """Prometheus text format; behind a bearer token when ``OUTCRY_METRICS_TOKEN`` is set, and
    in production without one, only for scrapes from this computer."""
    settings = get_settings()
    token = settings.metrics_token
    if not token and settings.environment == "production" and not ratelimit.from_loopback(request):
        return PlainTextResponse(
            "metrics answer only to this computer unless OUTCRY_METRICS_TOKEN is set",
            status_code=403,
            headers=NO_STORE,
        )
    if token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return PlainTextResponse(
                "metrics need the bearer token", status_code=401, headers=NO_STORE
            )
    return Response(
        metrics.render(get_read_engine()), media_type=CONTENT_TYPE_LATEST, headers=NO_STORE
    )
