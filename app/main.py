"""The application factory."""

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.config import get_settings
from app.db import make_worker_engine
from app.jobs.worker import InProcessWorker
from app.ops import gc as ops_gc
from app.ops import logging as ops_logging
from app.ops import malloc as ops_malloc
from app.ops import metrics, telemetry
from app.routes.account import account_security, accounts, notify, sign_in_link
from app.routes.admin import companies as admin_companies
from app.routes.admin import home as admin
from app.routes.admin import jobs as admin_jobs
from app.routes.admin import redaction as admin_redaction
from app.routes.api import company as api_company
from app.routes.api import company_writes as api_company_writes
from app.routes.api import docs
from app.routes.api import stats as api_stats
from app.routes.api import v1 as api
from app.routes.company import (
    claims,
    dashboard,
    dashboard_bulk,
    dashboard_team,
    dashboard_views,
    industries,
    integrations,
    profile,
    saved_replies,
    team,
)
from app.routes.moderation import mail, takedown
from app.routes.moderation import queue as moderation
from app.routes.public import (
    broadcasts,
    charts,
    companies,
    complaints,
    dataset,
    embeds,
    feeds,
    leaderboards,
    methodology,
    pages,
    site_pages,
    systemic,
    trends,
)
from app.routes.system import ops
from app.startup import wire
from app.web import errors, openapi, ratelimit
from app.web.middleware import EdgeMiddleware
from app.web.routing import include_flat, index_routes

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


@contextlib.asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Tune the garbage collector and the allocator for serving, hand request metrics over each
    second, and run one in-process worker next to the web server unless told not to (tests, or
    when `outcry worker` processes run separately)."""
    settings = get_settings()
    # Tests build many apps: freezing would keep them all, and a scrape hands metrics over.
    if settings.environment == "test":
        yield
        return
    ops_gc.tune_for_serving()
    if settings.malloc_arenas:  # before the thread pool's first thread (bench/README.md)
        ops_malloc.limit_arenas(settings.malloc_arenas)
    metrics_timer = asyncio.create_task(metrics.hand_over_every())
    try:
        if not settings.run_worker:
            yield
            return
        engine = make_worker_engine()  # never a request's connection (app/db.py)
        worker = InProcessWorker(engine)  # never on this event loop either
        try:
            yield
        finally:
            await asyncio.to_thread(worker.stop)
            engine.dispose()
    finally:
        metrics_timer.cancel()
        metrics.hand_over()  # the last second's requests, for the other processes' scrapes


def create_app() -> FastAPI:
    wire()
    settings = get_settings()
    if settings.environment != "test":  # tests keep pytest's log capture
        terminal = sys.stderr.isatty()
        json_lines = settings.json_logs(terminal=terminal)
        ops_logging.configure(level=settings.log_level, json_lines=json_lines)
    app = FastAPI(
        lifespan=lifespan,
        title="Outcry API",
        version="1",
        description="Public complaints against companies, their timelines and answers.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        telemetry=telemetry.config(settings),
    )
    # Request ids and metrics, refusals, HEAD, the memo's answers, security headers.
    app.add_middleware(EdgeMiddleware, settings=settings)
    errors.install(app)
    ratelimit.install(app)  # 429 with Retry-After (abuse limits)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (
        ops,
        pages,
        accounts,
        account_security,
        sign_in_link,
        complaints,
        companies,
        api,
        docs,
        team,
        profile,
        api_company,
        api_company_writes,
        integrations,
        dashboard_bulk,
        dashboard_team,
        dashboard_views,
        dashboard,
        saved_replies,
        claims,
        admin,
        admin_jobs,
        admin_companies,
        notify,
        broadcasts,
        charts,  # company statistics page and chart SVGs
        trends,  # site-wide and per-industry trends and their chart SVGs
        industries,  # a company's sector
        feeds,
        embeds,
        takedown,
        moderation,
        systemic,
        site_pages,  # about, privacy, terms, contact; the favicon
        mail,  # email channel: holding pen, complaints-address suggestions
    ):
        include_flat(app, module.router)
    include_flat(app, notify.one_click)  # RFC 8058: no CSRF token can come with it
    include_flat(app, mail.inbound)  # a mail provider's webhook: a shared secret, not CSRF
    # Redaction (app/redaction): admins' rules, and the originals for authors and moderators.
    include_flat(app, admin_redaction.router)
    include_flat(app, admin_redaction.originals)
    # Statistics (app/stats): leaderboards, snapshots, methodology, exports and their API.
    include_flat(app, leaderboards.router)
    include_flat(app, methodology.router)  # and the complaint rows behind the numbers
    include_flat(app, api_stats.router)
    include_flat(app, dataset.router)
    app.webhooks.include_router(docs.webhooks)  # the schema's "webhooks" section
    openapi.install(app)  # errors documented as problem details, 400 for malformed requests
    if settings.bench_endpoints:  # baselines for bench/load.py only
        from app.routes.system import bench  # only then: its routes must not exist otherwise

        include_flat(app, bench.router)
    index_routes(app)  # after the last route: each request tries only its path's group
    return app
