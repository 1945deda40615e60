"""Markdown for user text: no raw HTML, only http(s) and mailto links, sanitised again by nh3."""

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable(
    "image"
)
_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "hr",
    "h3",
    "h4",
    "h5",
    "h6",
}


def render(text: str) -> Markup:
    return _render(text or "")


# Pages render the same complaint and replies for every visitor: parsing and sanitising them
# again took 7% of a signed-in complaint page (bench/README.md, the profile). Bounded, per
# process; the text is the key, so an edited text is a new entry.
@lru_cache(maxsize=4096)
def _render(text: str) -> Markup:
    html = _md.render(text)
    # Headings inside a complaint must not outrank the page's own headings.
    for level in (1, 2):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener noreferrer",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
