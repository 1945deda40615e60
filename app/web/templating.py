"""Jinja2 environment (autoescaped) and the one ``render`` helper for HTML responses."""

import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
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


class _Reader:
    """Stands for any signed-in reader with no part in the page (``kept_block(reader=...)``):
    truthy, with an id no row has, and whether their address is confirmed; anything else of
    theirs (their name, their address) fails loudly, like ``_NotShared``."""

    id = 0

    def __init__(self, *, email_verified: bool) -> None:
        self.email_verified_at = True if email_verified else None

    def __bool__(self) -> bool:
        return True

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"a kept block must not use the reader's own {name}")


# Printed where a kept block for readers has a form's CSRF token, and replaced by the visitor's
# own token per visit. Random per process, so no text that a user wrote can contain it.
_CSRF_HOLE = f"csrf-{secrets.token_hex(16)}"
# Likewise the reader's name, in the page around a body kept for readers (``kept_page``).
_NAME_HOLE = f"name-{secrets.token_hex(16)}"


class _PlainReader(_Reader):
    """A reader in the page around the body too (``kept_page``): no admin, moderator or rep
    menu, and a name that is a hole, filled with the visitor's own on every visit."""

    is_admin = False
    is_moderator = False
    display_name = Markup(_NAME_HOLE)  # noqa: S704


def kept_page(
    request: Request,
    name: str,
    context: Callable[[], dict[str, Any]],
    *,
    fresh: Conditional,
    viewer: Any,
    reader: dict[str, Any] | None = None,
) -> HTMLResponse | None:
    """The whole page ``name`` for a signed-in reader with no part in it and no menu of their
    own (not an admin, a moderator or a rep): drawn once per validator, process and distinct
    ``reader`` (as ``kept_block``'s), then only their name and CSRF token put in per visit.
    None for anyone else: their page is rendered for them."""
    if viewer.is_admin or viewer.is_moderator or RepFlag(viewer):
        return None
    values = reader or {}

    def draw() -> str:
        standin = _PlainReader(email_verified=bool(values.get("email_verified")))
        if reader is None:  # a body alike for every viewer: nothing of theirs but the menu
            del standin.email_verified_at
        personal = {"current_user": standin, "is_rep": False, "csrf_token": Markup(_CSRF_HOLE)}  # noqa: S704
        return env.get_template(name).render(
            {"request": request, **context(), **values, **personal}
        )

    kept = fresh.shared(f"{name}#page{sorted(values.items())!r}", draw)
    page = kept.replace(_NAME_HOLE, str(escape(viewer.display_name)))
    if _CSRF_HOLE in kept:
        page = page.replace(_CSRF_HOLE, str(escape(str(LazyCsrfToken(request)))))
    return HTMLResponse(page)


# Printed by ``visit_hole(kind, arg)`` where a kept block shows something of the visitor's own
# (their CSRF token, a form's key, "(you)" beside their name), and filled per visit by
# ``kept_block(fill=...)``. Random per process, like ``_CSRF_HOLE``.
_HOLE = f"hole-{secrets.token_hex(16)}"
_HOLES = re.compile(rf"{_HOLE}:([a-z_]+):([0-9]*);")


def visit_hole(kind: str, arg: object = "") -> Markup:
    """A place in a kept block for the visitor's own value of ``kind`` (``arg``: a number it
    depends on, such as the user id a row names), filled per visit."""
    return Markup(f"{_HOLE}:{kind}:{arg};")  # noqa: S704 - our own constant and a number


env.globals.update(visit_hole=visit_hole)


def kept_block(
    request: Request,
    name: str,
    context: Callable[[], dict[str, Any]],
    *,
    fresh: Conditional,
    block: str,
    reader: dict[str, Any] | None = None,
    key: str = "",
    fill: Callable[[str, str], str] | None = None,
) -> Markup:
    """Template ``name``'s ``block`` rendered once per validator and process (``fresh.shared``)
    and reused for every viewer; the template prints it as ``kept_<block>`` when given. Only a
    block that shows every viewer alike qualifies: it is rendered without the viewer's name,
    navigation flags and CSRF token (any use of them raises). ``context()`` (its queries
    included) runs only when the block is drawn.

    ``reader``: the block is for signed-in readers with no part in the page (not its author,
    a moderator or the company's rep), drawn once per distinct ``reader`` (its values join the
    context: ``email_verified`` and whatever of theirs the page shows, say a co-sign); its forms
    get this visitor's CSRF token.

    ``key``: what else the block differs by (a company, a role), joined to its name. ``fill``:
    the block prints ``visit_hole(kind, arg)`` for the visitor's own values, and each visit
    replaces every hole with ``fill(kind, arg)`` (escaped); ``csrf_token`` is then such a hole
    (kind ``csrf``), filled with the visitor's token."""

    def draw() -> Markup:
        template = env.get_template(name)
        personal: dict[str, Any] = {
            "current_user": _NOT_SHARED,
            "is_rep": _NOT_SHARED,
            "csrf_token": _NOT_SHARED,
        }
        if fill is not None:
            personal["csrf_token"] = visit_hole("csrf")
        if reader is not None:
            standin = _Reader(email_verified=bool(reader.get("email_verified")))
            personal.update(reader, current_user=standin, csrf_token=Markup(_CSRF_HOLE))  # noqa: S704
        ctx = template.new_context({"request": request, **context(), **personal})
        # Autoescaped output of our own template, as the page itself would print it.
        return Markup("".join(template.blocks[block](ctx)))  # noqa: S704

    kept_as = f"{name}#{block}#{key}" + ("" if reader is None else repr(sorted(reader.items())))
    kept = fresh.shared(kept_as, draw)
    if fill is not None:
        return Markup(_HOLES.sub(lambda m: _filled(request, fill, m[1], m[2]), kept))  # noqa: S704
    if reader is None or _CSRF_HOLE not in kept:
        return kept
    token = str(LazyCsrfToken(request))  # printed: the page is personal (caching.py)
    return Markup(kept.replace(_CSRF_HOLE, str(escape(token))))  # noqa: S704


def alike_page(
    request: Request,
    name: str,
    content: Callable[[], dict[str, Any]],
    *,
    fresh: Conditional,
    viewer: Any,
    around: dict[str, Any] | None = None,
) -> HTMLResponse:
    """A page whose body shows every viewer alike (``content()`` is its context): kept whole
    for plain readers (``kept_page``), else its body kept (``kept_block``) and the page around
    it, with ``around`` (what its title and head need), rendered for the visitor."""
    if viewer is not None and (
        page := kept_page(request, name, content, fresh=fresh, viewer=viewer)
    ):
        return page
    kept = kept_block(request, name, content, fresh=fresh, block="content")
    return render(request, name, {**(around or {}), "kept_content": kept})


def _filled(request: Request, fill: Callable[[str, str], str], kind: str, arg: str) -> str:
    if kind == "csrf":
        return str(escape(str(LazyCsrfToken(request))))  # printed: the page is personal
    return str(escape(fill(kind, arg)))
