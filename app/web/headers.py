"""The security headers every response carries, and the paths other sites may embed. Applied
by SecurityMiddleware (app/web/middleware.py) and by the 500 handler (app/web/errors.py)."""

import re

from starlette.datastructures import MutableHeaders

from app.config import Settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


# Embeds (app/routes/public/embeds.py, charts.py) that any site may frame or load: badges, chart SVGs,
# oEmbed and its cards. Matched by path, not set by the route, so that a 304 answered before
# routing (memo.NotModifiedMiddleware) carries the same headers. They are public and
# cookie-free: the anonymous CSRF cookie is withheld from them.
EMBEDDABLE_PATHS = re.compile(
    r"/oembed|/complaints/\d+/(card|badge\.svg)|/companies/[^/]+/(badge\.svg|charts/[a-z]+\.svg)"
)
EMBEDDABLE_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors *")


# Outcry uses none of these powerful features; saying so stops any injected or framed code.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "display-capture=(), browsing-topics=()"
)


def _pairs(*, https: bool) -> tuple[tuple[bytes, bytes], ...]:
    pairs = [
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "strict-origin-when-cross-origin"),
        ("x-frame-options", "DENY"),
        ("permissions-policy", PERMISSIONS_POLICY),
        # A page we open in a new window cannot reach back into ours (window.opener), nor ours
        # into it.
        ("cross-origin-opener-policy", "same-origin"),
    ]
    if https:
        pairs.append(("strict-transport-security", "max-age=63072000; includeSubDomains"))
    return tuple((name.encode(), value.encode()) for name, value in pairs)


# Encoded once: every response carries them, and setting them one by one through
# MutableHeaders (a scan of the list per header) was a fifth of /healthz's own cost.
_PAIRS = {https: _pairs(https=https) for https in (False, True)}


_NAMES = {https: frozenset(name for name, _ in pairs) for https, pairs in _PAIRS.items()}


def security_headers(headers: MutableHeaders, settings: Settings) -> set[bytes]:
    """Also applied by the 500 handler, whose response bypasses this middleware. A header the
    route set already is left alone: a route may loosen one for itself (the API docs' inline
    styles). Returns the names the response had before (the middleware reads them too)."""
    raw = headers.raw
    present = {name for name, _ in raw}
    pairs = _PAIRS[settings.is_https]
    if present.isdisjoint(_NAMES[settings.is_https]):  # most responses: all of them, at once
        raw.extend(pairs)
    else:
        raw.extend(pair for pair in pairs if pair[0] not in present)
    return present
