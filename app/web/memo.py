"""The per-process memo of anonymous answers, and the middleware that answers from it.

Each process remembers, for ``cache_memo_seconds``, the ETag it last sent for an anonymous URL
(``remember``, called by ``caching.Conditional``), and keeps rendered anonymous pages by ETag
(``keep_page``). The edge middleware answers from it before routing (``visit``, ``answer``) — a
matching If-None-Match with 304, a plain visit to a kept page with that page — no dependency, no
thread hop, no database.
When a URL's memo lapses, one visit revalidates it while the others still get the memo's answer.
The memo is per process and short, so a change reaches anonymous visitors within that many
seconds and one revalidation (the CDN-facing ``max-age`` is longer anyway).
"""

import time
from collections import OrderedDict

from fastapi import Request
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import get_settings

# Every public answer varies on the cookie: a signed-in visitor's page is personal. The memo's
# answers carry it too, like the routes' (caching.py).
VARY = "Cookie"


def etag_matches(header: str, current: str) -> bool:
    """Does an If-None-Match header name this ETag (weakly compared, or ``*``)?"""
    if header.strip() == "*":
        return True
    bare = current.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in header.split(","))


_MEMO_SIZE = 10_000
_memo: "OrderedDict[str, tuple[float, str, str]]" = OrderedDict()


def _memo_key(path: str, query: str) -> str:
    return f"{path}?{query}"


def remember(request: Request, tag: str, control: str) -> None:
    """Let the edge answer this URL's revalidations for a moment (``answer``)."""
    ttl = get_settings().cache_memo_seconds
    if ttl <= 0:
        return
    key = _memo_key(request.url.path, request.url.query)
    _memo[key] = (time.monotonic() + ttl, tag, control)
    _memo.move_to_end(key)
    while len(_memo) > _MEMO_SIZE:
        _memo.popitem(last=False)


def recent_tag(path: str, query: str) -> str | None:
    """The ETag remembered for this URL while its moment lasts, and past it while one visit
    revalidates it (``claim_revalidation``; up to ``_STALE_GRACE``), as for anonymous visits."""
    key = _memo_key(path, query)
    hit = _memo.get(key)
    if hit is None:
        return None
    now = time.monotonic()
    if hit[0] > now or (key in _revalidating and hit[0] + _STALE_GRACE > now):
        return hit[1]
    return None


def claim_revalidation(path: str, query: str) -> str | None:
    """For a signed-in visit to a URL whose memo has lapsed and that no visit is revalidating:
    this visit revalidates it (the key returned; ``end_revalidation`` after), and meanwhile the
    others keep the lapsed ETag. Otherwise every visit in flight at the end of each moment
    would compute the page (in a thread, slowly while the event loop serves the others)."""
    key = _memo_key(path, query)
    hit = _memo.get(key)
    if hit is None or key in _revalidating or hit[0] > time.monotonic():
        return None
    _revalidating.add(key)
    return key


def end_revalidation(key: str) -> None:
    _revalidating.discard(key)


def forget_all() -> None:
    """Tests, and anything that must see its own change at once, clear the memos."""
    _memo.clear()
    _pages.clear()
    _shared.clear()


# Rendered anonymous pages by ETag (``Conditional.cached``): bounded, per process.
_PAGES_SIZE = 500
_pages: "OrderedDict[str, tuple[bytes, str | None]]" = OrderedDict()


def page(tag: str) -> tuple[bytes, str | None] | None:
    """The body and media type kept for this ETag, if any."""
    return _pages.get(tag)


def keep_page(tag: str, body: bytes, media_type: str | None) -> None:
    _pages[tag] = (body, media_type)
    _pages.move_to_end(tag)
    while len(_pages) > _PAGES_SIZE:
        _pages.popitem(last=False)


# What every viewer of a page sees alike (its lists and numbers), by the page's ETag and a name
# (``Conditional.shared``): a signed-in visitor's page is rendered for them, but its queries
# are run once per change, like the anonymous page's. Rows without relationships, fully
# loaded, so they are safe to read after their session closed and from any thread.
_SHARED_SIZE = 500
_shared: "OrderedDict[tuple[str, str], object]" = OrderedDict()
MISSING = object()


def shared(tag: str, name: str) -> object:
    """The value kept for this ETag and name, or ``MISSING``."""
    return _shared.get((tag, name), MISSING)


def keep_shared(tag: str, name: str, value: object) -> None:
    _shared[(tag, name)] = value
    while len(_shared) > _SHARED_SIZE:
        try:
            _shared.popitem(last=False)
        except KeyError:  # another thread emptied it meanwhile
            break


def visit(scope: Scope, session_cookie: str) -> str | None:
    """The memo's key for an anonymous GET of a URL it holds, else None. A plain check, not a
    layer: most requests (signed in, not kept, not a GET) stop here at the cost of a lookup."""
    if not _memo or scope["method"] != "GET":
        return None
    key = _memo_key(scope["path"], scope.get("query_string", b"").decode("latin-1"))
    if key not in _memo or session_cookie in _cookie_header(scope):
        return None
    return key


async def answer(key: str, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer a visit ``visit`` found: from the memo while its moment lasts (or while another
    visit revalidates it), else by ``app``, this visit revalidating it for everyone."""
    if hit := _memo.get(key):
        now = time.monotonic()
        if hit[0] > now or (key in _revalidating and hit[0] + _STALE_GRACE > now):
            if await _from_memo(scope, Headers(scope=scope), hit, send):
                return
        elif key not in _revalidating:
            _revalidating.add(key)
            try:
                await app(scope, receive, send)
            finally:
                _revalidating.discard(key)
            return
    await app(scope, receive, send)


def _cookie_header(scope: Scope) -> str:
    # Read from the raw list: building ``Headers`` to read one header cost more than the lookup.
    for name, value in scope["headers"]:
        if name == b"cookie":
            text: str = value.decode("latin-1")
            return text
    return ""


# URLs whose memo has lapsed and that one visit is revalidating now (this process's event loop
# only). Until it re-arms the memo, other anonymous visits get the lapsed answer: otherwise, at
# the end of every memo period, all of a viral page's visitors in flight reach the route at once
# and queue behind each other for the validator (company page, 64 connections: p99 144 ms).
_revalidating: set[str] = set()
# A revalidation slower than this (the database is down) stops answering for the others.
_STALE_GRACE = 5.0


async def _from_memo(
    scope: Scope, headers: Headers, hit: tuple[float, str, str], send: Send
) -> bool:
    _, tag, control = hit
    inm = headers.get("if-none-match")
    if inm and etag_matches(inm, tag):
        await _answer(send, 304, tag, control)
        return True
    if not inm and (page := _pages.get(tag)) is not None:
        body, media_type = page
        await _answer(send, 200, tag, control, body, media_type, head=scope["method"] == "HEAD")
        return True
    return False


async def _answer(
    send: Send,
    status: int,
    tag: str,
    control: str,
    body: bytes = b"",
    media_type: str | None = None,
    *,
    head: bool = False,
) -> None:
    headers = [
        (b"etag", tag.encode()),
        (b"cache-control", control.encode()),
        (b"vary", VARY.encode()),
    ]
    if status == 200:
        content_type = media_type or "application/octet-stream"
        if content_type.startswith("text/") and "charset" not in content_type:
            content_type += "; charset=utf-8"
        headers += [
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})
