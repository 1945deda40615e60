"""Fitting a Post into one network's limits: grapheme counting, shortening, link/mention spans.

Only the complaint title shrinks (with "…"). Links and mentions are never cut: if even an empty
title does not make room, mentions fall back to plain company names, which may then shrink too.
"""

from collections.abc import Callable
from dataclasses import dataclass

import regex

from app.broadcast.base import (
    LINK,
    MENTION,
    PLACEHOLDER_RE,
    TITLE,
    PermanentError,
    Post,
    Rendered,
    Span,
)

ELLIPSIS = "…"
_GRAPHEME = regex.compile(r"\X")
# Mastodon counts any http(s) URL as 23 whatever its length; we cannot know exactly where its
# parser ends a URL inside free text, so such text is charged 23 on top of its own length.
_URL_IN_TEXT = regex.compile(r"https?://\S+", regex.IGNORECASE)


def graphemes(text: str) -> list[str]:
    """User-perceived characters (UAX #29 extended grapheme clusters), as Bluesky counts them."""
    return _GRAPHEME.findall(text)


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` graphemes, ending in "…" when something was cut."""
    clusters = graphemes(text)
    if len(clusters) <= limit:
        return text
    return "".join(clusters[: max(limit - 1, 0)]).rstrip() + ELLIPSIS


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Rules:
    """How one network measures a post, and how text from users must be defused for it."""

    max_graphemes: int | None  # None: no limit (webhooks)
    max_bytes: int | None = None  # Bluesky also caps a post's text at 3000 UTF-8 bytes
    link_length: int | None = None  # Mastodon: every URL counts 23; None: counted as written
    escape: Callable[[str], str] = _same  # applied to titles and names, never to links/mentions


@dataclass(frozen=True)
class _Piece:
    kind: str  # "text" (the caller's), "user" (title, names), "link", "mention"
    text: str
    target: str = ""


def _countable(piece: _Piece, rules: Rules) -> str:
    if rules.link_length is None:
        return piece.text
    if piece.kind == "link":
        return "x" * rules.link_length
    if piece.kind == "mention":
        return piece.text
    link = "x" * rules.link_length
    return _URL_IN_TEXT.sub(lambda m: link + m.group(), piece.text)


def _fits(pieces: list[_Piece], rules: Rules) -> bool:
    text = "".join(p.text for p in pieces)
    if rules.max_bytes is not None and len(text.encode()) > rules.max_bytes:
        return False
    if rules.max_graphemes is None:
        return True
    countable = "".join(_countable(p, rules) for p in pieces)
    return len(graphemes(countable)) <= rules.max_graphemes


def _pieces(
    post: Post, network: str, rules: Rules, title: str, *, accounts: bool, name_cap: int | None
) -> list[_Piece]:
    pieces: list[_Piece] = []
    mentions = iter(post.mentions)
    at = 0
    for match in PLACEHOLDER_RE.finditer(post.text):
        if match.start() > at:
            pieces.append(_Piece("text", post.text[at : match.start()]))
        at = match.end()
        token = match.group()
        if token == TITLE:
            pieces.append(_Piece("user", title))
        elif token == LINK and post.link:
            pieces.append(_Piece("link", post.link.url, post.link.url))
        elif token == MENTION:
            mention = next(mentions)
            account = mention.accounts.get(network, "").lstrip("@")
            if accounts and account:
                pieces.append(_Piece("mention", f"@{account}", account))
            else:
                name = rules.escape(mention.name)
                pieces.append(_Piece("user", name if name_cap is None else shorten(name, name_cap)))
    if at < len(post.text):
        pieces.append(_Piece("text", post.text[at:]))
    return pieces


def _rendered(pieces: list[_Piece]) -> Rendered:
    spans: list[Span] = []
    offset = 0
    for piece in pieces:
        size = len(piece.text.encode())
        if piece.kind in ("link", "mention"):
            spans.append(Span(piece.kind, offset, offset + size, piece.target))  # type: ignore[arg-type]
        offset += size
    return Rendered(text="".join(p.text for p in pieces), spans=tuple(spans))


def render(post: Post, *, network: str, rules: Rules) -> Rendered:
    """The post as ``network`` will receive it, within ``rules``; PermanentError if it cannot fit."""
    title = rules.escape(post.title)
    clusters = graphemes(title)
    # Each stage gives up a little more, and is tried only when the one before cannot fit.
    for accounts, name_cap in ((True, None), (False, None), (False, 40), (False, 1)):

        def build(keep: int, accounts: bool = accounts, name_cap: int | None = name_cap):
            shown = title if keep >= len(clusters) else "".join(clusters[:keep]).rstrip() + ELLIPSIS
            return _pieces(post, network, rules, shown, accounts=accounts, name_cap=name_cap)

        if _fits(whole := build(len(clusters)), rules):
            return _rendered(whole)
        # The longest title that fits: fewer graphemes never make a post longer.
        best, low, high = None, 0, len(clusters) - 1
        if rules.max_graphemes is not None:
            high = min(high, rules.max_graphemes)  # a longer title could never fit
        while low <= high:
            middle = (low + high) // 2
            if _fits(candidate := build(middle), rules):
                best, low = candidate, middle + 1
            else:
                high = middle - 1
        if best is not None:
            return _rendered(best)
    raise PermanentError(
        f"the post cannot fit {network}'s limit of {rules.max_graphemes} characters "
        "even without its title; shorten the fixed text or the link"
    )
