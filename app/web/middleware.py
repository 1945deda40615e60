"""Pure ASGI middleware (no BaseHTTPMiddleware: it costs a task per request)."""

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.web.csrf import ANON_COOKIE

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def security_headers(headers: MutableHeaders, settings: Settings) -> None:
    """Also applied by the 500 handler, whose response bypasses this middleware."""
    # setdefault: a route may loosen one header for itself (the API docs' inline styles).
    headers.setdefault("content-security-policy", CSP)
    headers.setdefault("x-content-type-options", "nosniff")
    headers.setdefault("referrer-policy", "strict-origin-when-cross-origin")
    headers.setdefault("x-frame-options", "DENY")
    headers.setdefault("permissions-policy", "camera=(), microphone=(), geolocation=()")
    if settings.is_https:
        headers.setdefault("strict-transport-security", "max-age=63072000; includeSubDomains")


class BodyTooLarge(HTTPException):
    """Raised from receive() once a chunked body passes the limit; answered by the 413 handler."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"What you sent is larger than the {limit // 1000} kB we accept.")


class SecurityMiddleware:
    """Security headers, the anonymous CSRF cookie, and 413 for bodies over the size limit."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.settings.max_body_bytes:
            await self._too_large(scope, receive, send)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.settings.max_body_bytes:
                raise BodyTooLarge(self.settings.max_body_bytes)
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._decorate(scope, MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, limited_receive, send_with_headers)

    def _decorate(self, scope: Scope, headers: MutableHeaders) -> None:
        security_headers(headers, self.settings)
        anon = scope.get("state", {}).get("new_anon")
        if anon:
            secure = "; Secure" if self.settings.is_https else ""
            headers.append(
                "set-cookie",
                f"{ANON_COOKIE}={anon}; Path=/; HttpOnly; SameSite=Lax; Max-Age=86400{secure}",
            )

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        from app.web.errors import error_response  # errors import templates, which import us

        too_large = BodyTooLarge(self.settings.max_body_bytes)
        response = error_response(Request(scope, receive), 413, too_large.detail)
        response.headers["connection"] = "close"
        self._decorate(scope, response.headers)
        await response(scope, receive, send)
