"""The application factory."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.config import get_settings
from app.routes import (
    accounts,
    admin,
    admin_jobs,
    api,
    api_company,
    broadcasts,
    claims,
    companies,
    complaints,
    dashboard,
    docs,
    integrations,
    notify,
    pages,
    profile,
    team,
)
from app.web import errors
from app.web.middleware import SecurityMiddleware

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


@contextlib.asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Run one in-process worker next to the web server unless told not to (tests, or when
    `outcry worker` processes run separately)."""
    settings = get_settings()
    if not settings.run_worker or settings.environment == "test":
        yield
        return
    from app.db import get_engine
    from app.jobs.worker import run_forever

    stop = asyncio.Event()
    task = asyncio.create_task(run_forever(engine=get_engine(), stop=stop))
    try:
        yield
    finally:
        stop.set()
        await task


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        lifespan=lifespan,
        title="Outcry API",
        version="1",
        description="Public complaints against companies, their timelines and answers.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.add_middleware(SecurityMiddleware, settings=settings)
    errors.install(app)
    # The more specific mount first: "/static" would otherwise swallow "/static/swagger".
    app.mount(
        "/static/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger"
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (
        pages,
        accounts,
        complaints,
        companies,
        api,
        docs,
        team,
        profile,
        api_company,
        integrations,
        dashboard,
        claims,
        admin,
        admin_jobs,
        notify,
        broadcasts,
    ):
        app.include_router(module.router)
    app.include_router(notify.one_click)  # RFC 8058: no CSRF token can come with it
    return app
