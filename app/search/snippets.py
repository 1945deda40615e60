"""The lines of a complaint that matched a search, with the matched words marked.

Computed from the public (redacted) text the page shows, never the original. Every piece of the
complaint's text is escaped before the ``<mark>`` tags are put around it, so nothing a complainant
typed can become markup.
"""

import re

from markupsafe import Markup, escape

from app.search.query import Query

WIDTH = 180  # characters of context around the first match
MIN_STEM = 4  # "refunds" and "refunded" share "refund": match the word's start, as stemming does


def _pattern(query: Query) -> re.Pattern[str] | None:
    stems = set()
    for clause in query.clauses:
        for term in clause:
            if term.negated:
                continue
            for word in term.words:
                cut = max(MIN_STEM, len(word) - 2) if not term.prefix else len(word)
                stems.add(re.escape(word[:cut]))
    if not stems:
        return None
    return re.compile(r"\b(?:" + "|".join(sorted(stems, key=len, reverse=True)) + r")\w*", re.I)


def snippet(text: str, query: Query, *, width: int = WIDTH) -> Markup:
    """About ``width`` characters of ``text`` around its first match, matches in ``<mark>``;
    the text's start when nothing matches (the match was in the title)."""
    pattern = _pattern(query)
    first = pattern.search(text) if pattern else None
    start = 0 if first is None or len(text) <= width else max(0, first.start() - width // 3)
    if start:  # start at a word boundary
        space = text.find(" ", start)
        start = space + 1 if first is not None and 0 <= space < first.start() else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    piece = " ".join(text[start:end].split())
    out = Markup("…") if start else Markup("")
    at = 0
    for match in pattern.finditer(piece) if pattern else ():
        out += escape(piece[at : match.start()]) + Markup("<mark>%s</mark>") % match.group(0)
        at = match.end()
    out += escape(piece[at:])
    return out + (Markup("…") if end < len(text) else Markup(""))


def highlight(text: str, query: Query) -> Markup:
    """The whole of a short ``text`` (a title) with its matches marked."""
    return snippet(text, query, width=len(text) + 1)
