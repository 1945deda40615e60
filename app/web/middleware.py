"""Outcry's one middleware, pure ASGI (no BaseHTTPMiddleware: it costs a task per request)."""

import math
import time
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.ops import logging as ops_logging
from app.ops import requests
from app.web import memo
from app.web.csrf import anon_cookie_name
from app.web.errors import error_response
from app.web.headers import EMBEDDABLE_PATHS, security_headers
from app.web.sessions import cookie_name, wrote_cookie_name
from app.writegate import readers_give_way, writers_waiting

SAFE = ("GET", "HEAD", "OPTIONS")
# Every path EMBEDDABLE_PATHS can match starts with one of these: the others skip its regex.
_EMBEDDABLE_STARTS = ("/oembed", "/complaints/", "/companies/")


class BodyTooLarge(HTTPException):
    """Raised from receive() once a chunked body passes the limit; answered by the 413 handler."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"What you sent is larger than the {limit // 1000} kB we accept.")


class NotText(HTTPException):
    """A form body that is not UTF-8: Starlette would quietly store U+FFFD in its place."""

    def __init__(self) -> None:
        super().__init__(
            400,
            "What was sent is not valid text (it is not UTF-8). Nothing was saved; please "
            "type it again.",
        )


def _require_utf8(body: bytes) -> None:
    try:
        parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise NotText() from None


def _require_utf8_parts(body: bytes, content_type: str) -> None:
    """The multipart twin of ``_require_utf8``: Starlette decodes a part that is not UTF-8 as
    Latin-1 (mojibake, stored as typed). Outcry takes no file uploads, so every part is text."""
    import python_multipart
    from python_multipart.exceptions import FormParserError
    from python_multipart.multipart import parse_options_header

    boundary = parse_options_header(content_type)[1].get(b"boundary")
    if not boundary:
        return  # Starlette refuses it itself
    part, header = bytearray(), bytearray()

    def text(buffer: bytearray) -> None:
        try:
            bytes(buffer).decode("utf-8")
        except UnicodeDecodeError:
            raise NotText() from None
        buffer.clear()

    parser = python_multipart.MultipartParser(
        boundary,
        {
            "on_part_data": lambda data, start, end: part.extend(data[start:end]),
            "on_part_end": lambda: text(part),
            # The field's name is in a header (Content-Disposition).
            "on_header_value": lambda data, start, end: header.extend(data[start:end]),
            "on_header_end": lambda: text(header),
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except FormParserError:
        return  # malformed: Starlette answers it with its own 400


def _has_nul(scope: Scope) -> bool:
    """NUL means nothing in any address or query Outcry serves, and PostgreSQL refuses it in
    text: such a request is malformed, whatever route it is for."""
    query = scope.get("query_string", b"")
    return "\x00" in scope["path"] or b"%00" in query or b"\x00" in query


NOT_AN_ADDRESS = "This address contains a NUL character, so it cannot name anything here."


class EdgeMiddleware:
    """The one layer Outcry puts around every request, in this order:

    - its request id (a proxy's, or a new one) for the logs and the ``X-Request-Id`` header, and
      on the way out its access line and metrics (app/ops/requests.py);
    - 400 for an address with a NUL character; for a body, 413 over the size limit and 400 for
      a form that is not UTF-8 text;
    - HEAD answered as GET without the body (RFC 9110 §9.3.2): routes declare GET only, and
      Starlette's router would answer a HEAD for them with 405;
    - for a read, a pause while writers wait at the write gate (app/writegate.py), then an
      anonymous visit of a URL the memo holds answered from it (app/web/memo.py);
    - on the answer, the security headers (app/web/headers.py), the anonymous CSRF cookie, and
      the cookie that marks a signed-in visitor's change.

    One layer rather than four: each layer's frames and its wrapper of ``send`` cost every
    request (bench/README.md, "One edge middleware")."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.https = settings.is_https
        self.session_cookie = cookie_name()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = requests.request_id(scope)
        token = ops_logging.request_id.set(rid)
        started = time.perf_counter()
        method = scope["method"]
        head = method == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}  # the memo and the routes see a GET
        status = 500  # if the app dies before it starts an answer

        async def edge_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                raw = message.setdefault("headers", [])
                if not isinstance(raw, list):  # ASGI allows any iterable
                    raw = message["headers"] = list(raw)
                self._decorate(scope, raw)
                if method not in SAFE and status < 400:
                    self._wrote(scope, raw)
                raw.append((b"x-request-id", rid.encode("latin-1")))
            elif head and message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the GET's length stays in Content-Length; its bytes are not sent
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        try:
            if _has_nul(scope):
                await self._refuse(scope, receive, edge_send, 400, NOT_AN_ADDRESS)
            elif method in SAFE:  # no body to check
                if writers_waiting():
                    await readers_give_way()  # writes, which carry what people typed, go first
                if (key := memo.visit(scope, self.session_cookie)) is None:
                    await self.app(scope, receive, edge_send)
                else:
                    await memo.answer(key, self.app, scope, receive, edge_send)
            else:
                await self._with_body(scope, receive, edge_send)
        finally:
            requests.finished(method, scope, status, time.perf_counter() - started)
            ops_logging.request_id.reset(token)

    async def _with_body(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        # Raw mail may be far larger than any form (attachments): its own ceiling.
        limit = (
            self.settings.mail_max_bytes
            if scope["path"] == "/inbound/email"
            else self.settings.max_body_bytes
        )
        if declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send)
            return

        received = 0
        content_type = headers.get("content-type", "")
        form = content_type.startswith("application/x-www-form-urlencoded")
        multipart = content_type.startswith("multipart/form-data")
        body = bytearray()

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                raise BodyTooLarge(limit)
            if form or multipart:  # bounded by the size limit above
                body.extend(chunk)
                if not message.get("more_body", False):
                    if form:
                        _require_utf8(bytes(body))
                    else:
                        _require_utf8_parts(bytes(body), content_type)
            return message

        await self.app(scope, limited_receive, send)

    def _decorate(self, scope: Scope, raw: list[tuple[bytes, bytes]]) -> None:
        """Works on the raw header list: ``MutableHeaders`` copies it and scans it per header,
        a cost every response paid (bench/README.md, the middleware's share)."""
        path = scope["path"]
        embeddable = (
            path.startswith(_EMBEDDABLE_STARTS) and EMBEDDABLE_PATHS.fullmatch(path) is not None
        )
        present = security_headers(raw, https=self.https, embeddable=embeddable)
        state = scope.get("state")
        anon = state.get("new_anon") if state else None
        if anon and not embeddable:
            secure = "; Secure" if self.https else ""
            raw.append(
                (
                    b"set-cookie",
                    f"{anon_cookie_name()}={anon}; Path=/; HttpOnly; SameSite=Lax; Max-Age=86400"
                    f"{secure}".encode("latin-1"),
                )
            )
        # A page with a form carries a token bound to one visitor, and a cookie is one visitor's:
        # neither may be kept by a shared cache, nor by the browser's (back button, shared PCs).
        personal = (anon and not embeddable) or (state and state.get("csrf_rendered"))
        if not (personal or b"set-cookie" in present):
            return  # most responses: nothing more to read
        control = present.get(b"cache-control", b"")
        if (personal or b"public" in control) and b"no-store" not in control:
            raw[:] = [pair for pair in raw if pair[0] != b"cache-control"]
            raw.append((b"cache-control", b"private, no-store"))

    def _wrote(self, scope: Scope, raw: list[tuple[bytes, bytes]]) -> None:
        """A signed-in visitor changed something: their next pages, for a moment, are built
        from the database rather than a remembered validator (``sessions.wrote_cookie_name``)."""
        seconds = math.ceil(self.settings.cache_memo_seconds)
        if seconds and self.session_cookie in Headers(scope=scope).get("cookie", ""):
            secure = "; Secure" if self.https else ""
            raw.append(
                (
                    b"set-cookie",
                    f"{wrote_cookie_name()}=1; Path=/; HttpOnly; SameSite=Lax; "
                    f"Max-Age={seconds + 1}{secure}".encode("latin-1"),
                )
            )

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        too_large = BodyTooLarge(self.settings.max_body_bytes)
        await self._refuse(scope, receive, send, 413, too_large.detail, close=True)

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        detail: str,
        *,
        close: bool = False,
    ) -> None:
        response = error_response(Request(scope, receive), status, detail)
        if close:
            response.headers["connection"] = "close"
        await response(scope, receive, send)  # the edge's send adds the headers
