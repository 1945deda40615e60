"""Is a response inert? Parsers, not substrings: what a browser or feed reader would act on.

Every corpus payload carries the marker 1337; ``9359-evaluated`` (from ``{{ 1337 * 7 }}-evaluated``)
would mean a template engine evaluated user text. Neither may be found as part of another number
or a path segment: complaint ids and CSRF tokens (64 hex digits) are numbers too.
"""

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

MARKER = "1337"
# In a URL: the payload's 1337, not a complaint id (our own oEmbed iframe: /complaints/1337/card).
MARKER_IN_URL = re.compile(r"(?<!\d)1337(?![\d/])")
EVALUATED = "9359-evaluated"
URL_ATTRS = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "background"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "base", "frame", "frameset"}


def _scheme(value: str) -> str:
    # Browsers ignore whitespace and control characters inside a scheme ("jav\tascript:").
    return re.sub(r"[\x00-\x20]", "", value).lower()


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._raw: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler attribute")
            if name in URL_ATTRS and _scheme(value).startswith(BAD_SCHEMES):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style" and re.search(r"expression\s*\(|javascript:", value, re.I):
                self.problems.append(f"<{tag} style={value!r}>")
            if tag == "meta" and name == "content" and "javascript:" in _scheme(value):
                self.problems.append(f"<meta content={value!r}>")
        # Our own iframe (oEmbed) may carry the title in an attribute; an injected one would
        # point its URL at the payload.
        urls = " ".join(v or "" for n, v in attrs if n in URL_ATTRS)
        if tag in DANGEROUS_TAGS and MARKER_IN_URL.search(urls):
            self.problems.append(f"injected <{tag}>")
        if tag in ("script", "style"):
            self._raw = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data: str) -> None:
        if self._raw and MARKER in data:
            self.problems.append(f"marker inside <{self._raw}>: {data[:80]!r}")


def html_problems(text: str) -> list[str]:
    checker = _Checker()
    checker.feed(text)
    checker.close()
    if EVALUATED in text:
        checker.problems.append(f"template expression evaluated ({EVALUATED})")
    return checker.problems


def xml_problems(text: str) -> list[str]:
    """SVG and Atom: well-formed, no script or handlers, and embedded HTML content inert."""
    # Our own responses, not untrusted input (hence noqa); malformed XML raises: a failure too.
    root = ET.fromstring(text.encode())  # noqa: S314
    problems: list[str] = []
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        if local in DANGEROUS_TAGS or local == "foreignObject":
            problems.append(f"<{local}> in XML")
        for name, value in element.attrib.items():
            local_name = name.rsplit("}", 1)[-1]
            if local_name.startswith("on"):
                problems.append(f"{local} {local_name}= handler")
            if local_name == "href" and _scheme(value).startswith(BAD_SCHEMES):
                problems.append(f"{local} href={value!r}")
        if local in ("content", "summary", "title") and element.get("type") in ("html", "xhtml"):
            problems += html_problems(element.text or "")
    return problems


def json_problems(text: str, html_keys: tuple[str, ...] = ("html",)) -> list[str]:
    problems: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in html_keys and isinstance(item, str):
                    problems.extend(html_problems(item))
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads(text))
    return problems
