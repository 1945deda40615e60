"""Jinja2 environment (autoescaped) and the one ``render`` helper for HTML responses."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.complaints.states import label
from app.config import get_settings
from app.models.complaint import ComplaintState
from app.search.service import COUNT_CAP
from app.web import humanize
from app.web.caching import LazyCsrfToken
from app.web.csrf import FIELD
from app.web.markdown import render as markdown

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"
templates = Jinja2Templates(directory=TEMPLATE_DIR)
env = templates.env
env.filters.update(
    markdown=markdown,
    since=humanize.since,
    duration=humanize.duration,
    day=humanize.day,
    timestamp=humanize.timestamp,
    state_label=lambda s: label(ComplaintState(s)),
    upper_first=lambda s: s[:1].upper() + s[1:],
    # A count that stopped one past its cap.
    capped=lambda n, cap=COUNT_CAP: f"{cap:,}+" if n > cap else str(n),
)
env.globals.update(csrf_field_name=FIELD, settings=get_settings, ComplaintState=ComplaintState)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    ctx = {
        "current_user": getattr(request.state, "user", None),
        # Lazy: only a page that prints it (a form) gets the anonymous CSRF cookie (caching.py).
        "csrf_token": LazyCsrfToken(request),
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
