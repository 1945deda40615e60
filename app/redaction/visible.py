"""Text as a reader sees it, for matching: what the finders search and what duplicates compare.

Stored text is Markdown, but readers see it rendered: ``4111 1111 **1111** 1111`` reads as a card
number, ``jane\\.doe@example\\.com`` and ``jane&#64;example.com`` as an email address, a number cut
by an invisible U+200B as one number. ``reveal`` turns the source into that reading (escapes and
emphasis markers dropped, character references decoded, NFKC-normalised, invisible format
characters removed) and says which source character each visible one came from, so a match in
the reading masks the right stretch of the source.

``fold`` goes further for comparisons: look-alike letters from other scripts become the Latin
letter they imitate (Unicode's confusables, UTS #39, for Cyrillic and Greek), and case folds.
"""

import html
import unicodedata

import regex

# Markdown's backslash escapes: any ASCII punctuation (CommonMark 0.31, section 2.4).
_ESCAPABLE = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# Emphasis, strikethrough and code markers: not seen by readers.
_MARKERS = frozenset("*_~`")
# A character reference: named, decimal or hexadecimal (CommonMark section 2.5).
_ENTITY = regex.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# UTS #39 confusables that imitate Latin letters (Cyrillic and Greek, the scripts used to dodge
# filters); each maps to the Latin letter it is listed as confusable with.
_CONFUSABLES = str.maketrans(
    "\u0430\u0412\u0432\u0441\u0435\u0415\u04bb\u0456\u0406\u0458\u0408\u043a\u041a\u043c\u041c\u041d\u043e\u041e\u0440\u0420\u0405\u0455\u0422\u0443\u0425\u0445\u0501\u051b\u051d\u04cf\u0410\u0421"
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7\u03bf\u03b1\u03b9\u03bd\u03c1\u03c4\u03c5\u03f2\u2113",
    "aBBceEhiIjJkKMMHoOpPSsTyXxdqwlACABEZHIKMNOPTYXoaivptucl",
)


def invisible(ch: str) -> bool:
    """Format characters (zero-width space and joiners, bidi marks, soft hyphen, BOM)."""
    return unicodedata.category(ch) == "Cf"


# Where reading differs from the source; plain runs between these are copied as they are.
_SPECIAL = regex.compile(r"[\\&*_~`\n]|[^\x00-\x7f]")


def reveal(source: str) -> tuple[str, list[int]]:
    """(the visible text, for each of its characters the index of its source character)."""
    out: list[str] = []
    where: list[int] = []
    i, n = 0, len(source)
    while i < n:
        special = _SPECIAL.search(source, i)
        plain_end = special.start() if special else n
        if plain_end > i:
            out.append(source[i:plain_end])
            where.extend(range(i, plain_end))
            i = plain_end
            continue
        ch = source[i]
        if ch == "\\" and i + 1 < n and source[i + 1] in _ESCAPABLE:
            _emit(out, where, source[i + 1], i + 1)
            i += 2
            continue
        if ch == "&" and (entity := _ENTITY.match(source, i)):
            decoded = html.unescape(entity.group())
            if decoded != entity.group():
                for piece in decoded:
                    _emit(out, where, piece, i)
                i = entity.end()
                continue
        if ch in _MARKERS:
            i += 1
            continue
        if ch == "\n" and source[i + 1 : i + 2] != "\n" and source[i - 1 : i] != "\n":
            ch = " "  # a single line break inside a paragraph reads as a space
        _emit(out, where, ch, i)
        i += 1
    return "".join(out), where


def _emit(out: list[str], where: list[int], ch: str, at: int) -> None:
    if invisible(ch):
        return
    for piece in unicodedata.normalize("NFKC", ch) if not ch.isascii() else ch:
        if not invisible(piece):
            out.append(piece)
            where.append(at)


def to_source(where: list[int], source: str, start: int, end: int) -> tuple[int, int]:
    """A visible stretch ``[start, end)`` back in the source: from its first character's source
    position to its last's, widened over Markdown markers at its edges when it holds some (so
    ``SW1A **1AA**`` is masked whole, leaving no dangling ``**``)."""
    first = where[start]
    last = where[end - 1]
    # The last visible character may be a decoded reference: the whole reference goes.
    if source[last] == "&" and (entity := _ENTITY.match(source, last)):
        last = entity.end() - 1
    s, e = first, last + 1
    if any(source[k] in _MARKERS for k in range(s, e)):
        while s > 0 and source[s - 1] in _MARKERS:
            s -= 1
        while e < len(source) and source[e] in _MARKERS:
            e += 1
    return s, e


def fold(text: str) -> str:
    """For comparing texts: the visible text, look-alike letters as Latin, case folded."""
    visible, _ = reveal(text)
    return visible.translate(_CONFUSABLES).casefold()
