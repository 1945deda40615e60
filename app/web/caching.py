"""Conditional GET and Cache-Control for public pages, feeds, badges and the JSON API.

A route computes a cheap validator (a few columns read by primary key or through an index), asks
``conditional`` whether the client's copy is still current, and answers 304 before rendering:

    fresh = caching.conditional(request, viewer=user, parts=(c.updated_at, c.visibility))
    if fresh.not_modified:
        return fresh.response_304()
    return fresh.apply(render(...))

Only anonymous views without a rendered form are publicly cacheable: a signed-in page is personal,
and a form carries a CSRF token bound to one visitor's cookie. Those get ``private, no-store``. The
CSRF token is rendered lazily (``LazyCsrfToken``), so a page without a form sets no cookie either.

A page whose validator covers everything it shows also keeps its rendered anonymous body
(``keep=True``) and starts with ``if early := fresh.answered(): return early``.

Repeat visits under a viral spike are answered before routing from a per-process memo of the
ETags just sent and the pages kept (app/web/memo.py).
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup, escape
from sqlmodel import Session

from app.clock import as_utc, utcnow
from app.complaints.flags import flags
from app.config import get_settings
from app.db import take_slot
from app.loopguard import on_loop_first
from app.web import memo
from app.web.csrf import token_for
from app.web.memo import VARY, etag_matches
from app.web.sessions import wrote_recently

try:
    APP_VERSION = version("outcry")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    APP_VERSION = "dev"

NO_STORE = "private, no-store"
EMBED_MAX_AGE = 300  # badges, charts and feeds: five minutes at a CDN or in a browser


class LazyCsrfToken:
    """The CSRF token, computed only when a template prints it (that is, renders a form).

    Computing it creates the anonymous CSRF cookie; a page that never prints it stays cookie-free
    and may be cached publicly. ``request.state.csrf_rendered`` records that it was printed.
    """

    __slots__ = ("_request", "_value")

    def __init__(self, request: Request) -> None:
        self._request = request
        self._value: str | None = None

    def __str__(self) -> str:
        if self._value is None:
            self._value = token_for(self._request)
            self._request.state.csrf_rendered = True
        return self._value

    def __html__(self) -> Markup:
        return escape(str(self))

    def __eq__(self, other: object) -> bool:
        return str(self) == other

    __hash__ = None  # type: ignore[assignment]


def etag(*parts: Any) -> str:
    """A weak ETag over ``parts`` and the app version (a deploy changes every page)."""
    text = repr(_canonical((APP_VERSION, *parts)))
    digest = hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
    return f'W/"{digest}"'


def _canonical(value: Any) -> Any:
    # Every worker must compute the same tag, or a revalidation that reaches another worker gets
    # the whole page again. A model's model_dump() lists its fields in an order that differs from
    # process to process, and a set's order follows the per-process string hash.
    if isinstance(value, dict):
        return tuple(sorted(((repr(k), _canonical(v)) for k, v in value.items()), key=_first))
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(repr(_canonical(v)) for v in value))
    if isinstance(value, (list, tuple)):
        return tuple(_canonical(v) for v in value)
    return value


def _first(pair: tuple[str, Any]) -> str:
    return pair[0]


def hour_bucket(now: datetime | None = None) -> int:
    """Pages whose text moves with the clock ("open for 3 days 4 hours", overdue counts) put
    this in their validator, so a copy never outlives the hour it was rendered in."""
    return int((now or utcnow()).timestamp()) // 3600


# Longer than any request's transaction can take between reading the clock and committing.
SETTLE = timedelta(seconds=60)


def settled(latest: datetime | None, now: datetime | None = None) -> tuple[Any, ...]:
    """A "latest change" validator part that cannot miss a change committed out of order.

    Two transactions stamp t1 < t2 and t2 commits first: a page rendered in between already
    shows t2 as the latest, and t1's commit moves nothing. So while the latest change is
    younger than SETTLE, the part also moves every second (copies live a second at most);
    after that it is stable until the next change."""
    now = now or utcnow()
    if latest is not None and now - as_utc(latest) < SETTLE:
        return (latest, int(now.timestamp()))
    return (latest,)


def _not_modified_since(header: str, last_modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified.replace(microsecond=0) <= since


T = TypeVar("T")


@dataclass
class Conditional:
    request: Request
    public: bool
    etag: str | None
    last_modified: datetime | None
    max_age: int
    stale_while_revalidate: int
    keep: bool = False  # keep the rendered body for ``cached()`` (pages with cheap validators)
    remembered: bool = False  # the ETag came from the memo (``remembered``), not the database

    @property
    def not_modified(self) -> bool:
        """The client's copy is current (RFC 9110 §13.2.2: If-None-Match wins over
        If-Modified-Since). Only public views answer 304: personal ones are never stored."""
        if not self.public:
            return False
        headers = self.request.headers
        if (inm := headers.get("if-none-match")) is not None:
            return self.etag is not None and etag_matches(inm, self.etag)
        if (ims := headers.get("if-modified-since")) and self.last_modified is not None:
            return _not_modified_since(ims, self.last_modified)
        return False

    def answered(self) -> Response | None:
        """A 304 when the client's copy is current, else the page kept for this validator, if
        this process has it; None: render it (then ``apply``)."""
        if self.not_modified:
            return self.response_304()
        return self.cached()

    def cached(self) -> Response | None:
        """The page rendered earlier for this same validator, if this process still has it.

        The validator covers everything an anonymous copy shows (that is what makes 304s safe),
        so the same bytes are safe to send again: a viral page costs its validator query."""
        if not self.public or self.etag is None:
            return None
        hit = memo.page(self.etag)
        if hit is None:
            return None
        body, media_type = hit
        response = Response(content=body, media_type=media_type)
        self._validators(response)
        # Validated just now, so the next visits within the memo's moment get it before routing
        # (without this, once the memo lapsed every visit came here until a 304 or a render).
        memo.remember(self.request, self.etag, self._control())
        return response

    def shared(self, name: str, compute: Callable[[], T]) -> T:
        """``compute()``, kept by this page's validator: what the page shows every viewer alike
        (lists, counts), computed once per change and process, then reused for the signed-in
        visitors too, whose pages are rendered for them (their name, their forms). Only values
        that the validator covers and that do not depend on the viewer belong here."""
        if self.etag is None:
            return compute()
        hit = memo.shared(self.etag, name)
        if hit is not memo.MISSING:
            return hit  # type: ignore[return-value]
        value = compute()
        memo.keep_shared(self.etag, name, value)
        return value

    def kept(self, name: str) -> Any:
        """The value ``shared(name, ...)`` kept for this validator, or None: a page answering
        from a ``remembered`` validator takes its rows from here, or reads them again."""
        hit = memo.shared(self.etag, name) if self.etag is not None else memo.MISSING
        return None if hit is memo.MISSING else hit

    def response_304(self) -> Response:
        response = Response(status_code=304)
        self._validators(response)
        if self.etag is not None:  # the next revalidations are answered before routing
            memo.remember(self.request, self.etag, self._control())
        return response

    def apply(self, response: Response) -> Response:
        """Set the caching headers on a rendered response. A page that printed a CSRF token (a
        form) is personal after all, and so is anything that sets a cookie.

        Without a cheap validator the ETag is a hash of the rendered body: it saves no
        rendering the first time, but feeds the memo that answers the repeat visits."""
        personal = getattr(self.request.state, "csrf_rendered", False) or (
            "set-cookie" in response.headers
        )
        tag = self.etag
        if (
            not self.public
            and tag is not None
            and not self.remembered
            and response.status_code == 200
        ):
            memo.remember(self.request, tag, self._control())  # the URL's tag, whoever asked
        if not self.public or personal or response.status_code != 200:
            return no_store(response)
        if self.etag is None and self.last_modified is None:
            self.etag = etag(bytes(response.body))
            if self.not_modified:
                memo.remember(self.request, self.etag, self._control())
                return self.response_304()
        self._validators(response)
        if self.etag is not None:
            memo.remember(self.request, self.etag, self._control())
            if self.keep:
                memo.keep_page(self.etag, bytes(response.body), response.media_type)
        return response

    def _control(self) -> str:
        return public_cache_control(self.max_age, self.stale_while_revalidate)

    def _validators(self, response: Response) -> None:
        if self.etag is not None:
            response.headers["etag"] = self.etag
        if self.last_modified is not None:
            response.headers["last-modified"] = format_datetime(
                self.last_modified.astimezone(UTC), usegmt=True
            )
        response.headers["cache-control"] = self._control()
        response.headers["vary"] = VARY


def complaint_parts(complaint: Any, *, now: datetime | None = None) -> tuple[Any, ...]:
    """What a complaint page's validator covers: its row's clock (moved by every change, see
    app/complaints/touch.py), its visibility and the time-driven flags and hour."""
    return (
        complaint.id,
        complaint.updated_at,
        complaint.visibility,
        complaint.state,
        complaint.cosign_count,
        flags(complaint, now=now),
        hour_bucket(now),
    )


def complaint_last_modified(complaint: Any, *, now: datetime | None = None) -> datetime:
    """Last-Modified for clients that only send If-Modified-Since: the row's last change, or the
    start of this hour when the page's clock text has moved since."""
    hour = datetime.fromtimestamp(hour_bucket(now) * 3600, tz=UTC)
    return max(complaint.updated_at, hour)


def public_cache_control(max_age: int, stale_while_revalidate: int) -> str:
    return f"public, max-age={max_age}, stale-while-revalidate={stale_while_revalidate}"


def conditional(
    request: Request,
    *,
    viewer: object | None,
    parts: tuple[Any, ...] | None = None,
    last_modified: datetime | None = None,
    max_age: int | None = None,
    stale_while_revalidate: int | None = None,
    keep: bool = False,
) -> Conditional:
    """Validators for one response: an ETag over ``parts`` (plus the URL's query, since filters
    and page numbers change the content) and/or a Last-Modified time."""
    settings = get_settings()
    tag = etag(request.url.path, request.url.query, *parts) if parts is not None else None
    return Conditional(
        request=request,
        public=viewer is None,  # an expired session cookie still reads as anonymous
        etag=tag,
        last_modified=last_modified,
        keep=keep and parts is not None,
        max_age=settings.cache_max_age if max_age is None else max_age,
        stale_while_revalidate=(
            settings.cache_stale_while_revalidate
            if stale_while_revalidate is None
            else stale_while_revalidate
        ),
    )


def remembered(request: Request, *, viewer: object | None) -> Conditional | None:
    """For a signed-in visit: the validator this process computed for this URL within the
    memo's moment (``cache_memo_seconds``), so the page's rows and body kept by it serve
    without asking the database again, as anonymous visits are answered from the memo. None
    (compute it) when there is none, or when the visitor changed something just now and must
    see it (``sessions.wrote_recently``)."""
    if viewer is None or wrote_recently(request) or getattr(request.state, _REVALIDATES, False):
        return None
    tag = memo.recent_tag(request.url.path, request.url.query)
    if tag is None:
        return None
    settings = get_settings()
    return Conditional(
        request=request,
        public=False,
        etag=tag,
        last_modified=None,
        max_age=settings.cache_max_age,
        stale_while_revalidate=settings.cache_stale_while_revalidate,
        remembered=True,
    )


_REVALIDATES = "outcry_revalidates"  # request.state: this visit recomputes a lapsed validator


def _remembers(request: Request, *, viewer: object | None) -> bool:
    """Would ``remembered`` find this URL's validator (the cheap part of it)?"""
    return (
        viewer is not None
        and not wrote_recently(request)
        and memo.recent_tag(request.url.path, request.url.query) is not None
    )


async def serve(
    request: Request, session: Session, page: Callable[[], T], *, viewer: object | None
) -> T:
    """Run a page that keeps its parts (``remembered``, ``kept_block``): for a signed-in visit
    the memo remembers, on the event loop (it needs no query, and the thread hop would be the
    largest cost left); anything else, or the moment it would query, in a thread
    (app/loopguard.py) once the request holds its connection slot (the route is marked
    ``slot_when_needed``, app/slots.py)."""
    remembers = _remembers(request, viewer=viewer)
    claimed = None
    if viewer is not None and not remembers and not wrote_recently(request):
        claimed = memo.claim_revalidation(request.url.path, request.url.query)
        if claimed is not None:  # this visit computes the validator; the others keep the old
            setattr(request.state, _REVALIDATES, True)
    try:
        return await on_loop_first(
            page, try_loop=remembers, before_thread=lambda: take_slot(session)
        )
    finally:
        if claimed is not None:
            memo.end_revalidation(claimed)


def no_store(response: Response) -> Response:
    """Personal responses: never stored by a browser cache or CDN."""
    response.headers["cache-control"] = NO_STORE
    response.headers["vary"] = VARY
    for name in ("etag", "last-modified"):
        if name in response.headers:
            del response.headers[name]
    return response
