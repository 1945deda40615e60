"""User Markdown renders safely: no raw HTML, no script URLs, links marked as user content."""

from html.parser import HTMLParser

import pytest

from app.text.markdown import render


class Elements(HTMLParser):
    """Collects the real elements and attributes a browser would build from the HTML."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_basic_markdown_renders() -> None:
    html = render("**Twice** charged\n\n- call 1\n- call 2\n\n[status](https://status.example)")
    assert "<strong>Twice</strong>" in html
    assert "<li>call 1</li>" in html
    assert 'href="https://status.example"' in html
    assert 'rel="nofollow ugc noopener noreferrer"' in html


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "![x](https://tracker.example/pixel.png)",
        '<a href="https://x.example" onclick="alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
    ],
)
def test_attacks_are_inert(attack: str) -> None:
    elements = Elements(render(attack)).tags
    names = {tag for tag, _ in elements}
    assert not names & {"script", "img", "iframe", "object", "embed", "style"}
    for _tag, attrs in elements:
        assert not [a for a in attrs if a.startswith("on")]
        href = attrs.get("href")
        assert href is None or href.startswith(("https://", "http://", "mailto:"))


def test_top_level_headings_are_demoted() -> None:
    assert "<h3>Big</h3>" in render("# Big")
