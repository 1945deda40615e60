"""The application factory."""

from pathlib import Path

import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.config import get_settings
from app.routes import accounts, api, companies, complaints, docs, pages
from app.web import errors
from app.web.middleware import SecurityMiddleware

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(
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
    for module in (pages, accounts, complaints, companies, api, docs):
        app.include_router(module.router)
    return app
