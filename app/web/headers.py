"""The security headers every response carries, and the paths other sites may embed. Applied
by EdgeMiddleware (app/web/middleware.py) and by the 500 handler (app/web/errors.py).

A browser runs a document (HTML, SVG, XML): it gets the whole set. Data (JSON, plain text,
CSV, downloads), which a browser never runs as a document once ``nosniff`` is sent, gets the
set OWASP's REST Security Cheat Sheet names for API responses, with a CSP that allows nothing;
the document-only headers would be bytes every answer pays to write and every client to read
(docs/security-facts.md)."""

import re

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Data loads nothing and runs nothing: if a browser ever showed it as a page, that page could
# do nothing either.
DATA_CSP = "default-src 'none'; frame-ancestors 'none'"


# Embeds (app/routes/public/embeds.py, charts.py) that any site may frame or load: badges, chart SVGs,
# oEmbed and its cards. Matched by path, not set by the route, so that a 304 answered before
# routing (by the memo, app/web/memo.py) carries the same headers. They are public and
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

# Media types answered as data. Anything else (no type at all included: redirects, 304s) is
# treated as a document.
DATA_TYPES = frozenset(
    {
        b"application/json",
        b"text/plain",
        b"text/csv",
        b"text/markdown",
        b"application/zip",
        b"application/octet-stream",
        b"application/vnd.sqlite3",
        b"application/vnd.apache.parquet",
    }
)

Pairs = tuple[tuple[bytes, bytes], ...]


def _encoded(pairs: list[tuple[str, str]], *, https: bool) -> Pairs:
    if https:
        pairs = [*pairs, ("strict-transport-security", "max-age=63072000; includeSubDomains")]
    return tuple((name.encode(), value.encode()) for name, value in pairs)


def _document(csp: str) -> list[tuple[str, str]]:
    return [
        ("content-security-policy", csp),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "strict-origin-when-cross-origin"),
        ("x-frame-options", "DENY"),
        ("permissions-policy", PERMISSIONS_POLICY),
        # A page we open in a new window cannot reach back into ours (window.opener), nor ours
        # into it.
        ("cross-origin-opener-policy", "same-origin"),
    ]


_DATA = [
    ("content-security-policy", DATA_CSP),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
]
# Any site may frame or load an embed: no X-Frame-Options (it has no "allow all" value; the CSP
# says it), and a resource policy that lets other origins load it.
_EMBED = [
    *(pair for pair in _document(EMBEDDABLE_CSP) if pair[0] != "x-frame-options"),
    ("cross-origin-resource-policy", "cross-origin"),
]

# Encoded once, by (https, kind): every response carries one of them.
_SETS: dict[tuple[bool, str], Pairs] = {
    (https, kind): _encoded(pairs, https=https)
    for https in (False, True)
    for kind, pairs in (("document", _document(CSP)), ("data", _DATA), ("embed", _EMBED))
}
_NAMES = {key: frozenset(name for name, _ in pairs) for key, pairs in _SETS.items()}


def is_data(content_type: bytes) -> bool:
    media = content_type.partition(b";")[0].strip().lower()
    return media in DATA_TYPES or media.endswith(b"+json")


# The answer for each Content-Type value seen: a site sends a handful of them.
_data_by_type: dict[bytes, bool] = {}


def security_headers(
    raw: list[tuple[bytes, bytes]], *, https: bool, embeddable: bool = False
) -> dict[bytes, bytes]:
    """Add the set for this response to its raw header list. Also applied by the 500 handler,
    whose response bypasses the middleware. A header the route set already is left alone: a
    route may loosen one for itself (the API docs' inline styles). Returns the headers the
    response had before, by name (the middleware reads them too)."""
    present = dict(raw)
    if embeddable:
        kind = "embed"
    else:
        content_type = present.get(b"content-type", b"")
        data = _data_by_type.get(content_type)
        if data is None:
            data = is_data(content_type)
            if len(_data_by_type) < 256:
                _data_by_type[content_type] = data
        kind = "data" if data else "document"
    key = (https, kind)
    pairs = _SETS[key]
    if present.keys().isdisjoint(_NAMES[key]):  # most responses: all of them, at once
        raw.extend(pairs)
    else:
        raw.extend(pair for pair in pairs if pair[0] not in present)
    return present
