"""Jinja2 environment (autoescaped) and the one ``render`` helper for HTML responses."""

from pathlib import Path
from typing import Any, cast

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlalchemy.orm import object_session
from sqlmodel import Session

from app.companies.members import companies_of
from app.complaints.states import label
from app.config import get_settings
from app.models.complaint import ComplaintState
from app.search.service import COUNT_CAP
from app.text import humanize
from app.text.markdown import render as markdown
from app.web import identity
from app.web.caching import Conditional, LazyCsrfToken
from app.web.csrf import FIELD

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"
templates = Jinja2Templates(directory=TEMPLATE_DIR)
env = templates.env
# Templates change only with a release outside development: asking the disk whether each one
# changed took 3.5% of a signed-in complaint page (bench/README.md, the profile).
env.auto_reload = get_settings().environment == "development"
env.filters.update(
    markdown=markdown,
    since=humanize.since,
    duration=humanize.duration,
    day=humanize.day,
    timestamp=humanize.timestamp,
    category_label=humanize.category,
    plural=humanize.plural,
    days=humanize.days,
    state_label=lambda s: label(ComplaintState(s)),
    upper_first=lambda s: s[:1].upper() + s[1:],
    initials=identity.initials,
    hue=identity.hue,
    # A count that stopped one past its cap.
    capped=lambda n, cap=COUNT_CAP: f"{cap:,}+" if n > cap else str(n),
)
env.globals.update(csrf_field_name=FIELD, settings=get_settings, ComplaintState=ComplaintState)


class RepFlag:
    """True when the signed-in user represents a verified company: the navigation and the mail
    settings show company-only things to reps alone. Asked only when a template tests it."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.value: bool | None = None

    def __bool__(self) -> bool:
        if self.value is None:
            session = object_session(self.user) if self.user is not None else None
            self.value = bool(
                session and companies_of(session=cast(Session, session), user=self.user)
            )
        return self.value


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    user = (context or {}).get("current_user", getattr(request.state, "user", None))
    ctx = {
        "current_user": user,
        "is_rep": RepFlag(user),
        # Lazy: only a page that prints it (a form) gets the anonymous CSRF cookie (caching.py).
        "csrf_token": LazyCsrfToken(request),
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


class _NotShared:
    """Stands for the viewer's own values while a kept block renders: using one there would
    show one viewer's name or CSRF token to every viewer, so it fails loudly instead."""

    def _refuse(self, *_args: object) -> Any:
        raise RuntimeError("a kept block must not use the viewer's own values")

    __str__ = __html__ = __bool__ = __iter__ = __getattr__ = _refuse


_NOT_SHARED = _NotShared()


def kept_block(
    request: Request, name: str, context: dict[str, Any], *, fresh: Conditional, block: str
) -> Markup:
    """Template ``name``'s ``block`` rendered once per validator and process (``fresh.shared``)
    and reused for every viewer; the template prints it as ``kept_<block>`` when given. Only a
    block that shows every viewer alike qualifies: it is rendered without the viewer's name,
    navigation flags and CSRF token (any use of them raises)."""

    def draw() -> Markup:
        template = env.get_template(name)
        personal = {"current_user": _NOT_SHARED, "is_rep": _NOT_SHARED, "csrf_token": _NOT_SHARED}
        ctx = template.new_context({"request": request, **context, **personal})
        # Autoescaped output of our own template, as the page itself would print it.
        return Markup("".join(template.blocks[block](ctx)))  # noqa: S704

    return fresh.shared(f"{name}#{block}", draw)
