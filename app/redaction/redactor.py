"""Masking personal data in public text: ``redact(text, ...) -> Redacted(text, spans)``.

The text is searched as readers will see it (visible.py: Markdown rendered, references decoded,
invisible characters gone) and each find masks the source it came from. Built-in finders
(detectors.py, places.py, references.py, people.py), admin rules (app/redaction/rules.py) and the
consumer's own name and email each propose spans; overlapping spans merge into one (so nothing is
half-masked), and each merged span is replaced by its mask ("[email]", "[phone]", …). The result is
idempotent: a mask contains nothing any finder looks for, and admin rules whose replacement they
would match again are refused when they are saved.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import regex

from app.redaction import detectors, people, places, references, visible

log = logging.getLogger(__name__)

MASKS: dict[str, str] = {
    "email": "[email]",
    "phone": "[phone]",
    "card": "[card]",
    "iban": "[bank account]",
    "account": "[account]",
    "id": "[id number]",
    "vehicle or device id": "[id number]",
    "ip": "[ip address]",
    "address": "[address]",
    "postcode": "[postcode]",
    "date": "[date]",
    "name": "[name]",
    "secret": "[secret]",
    "year of birth": "[year of birth]",
    "reference": "[private reference]",
}
# When spans of two kinds overlap, the merged span takes the kind listed first.
PRIORITY = [
    "rule",
    "reference",
    "email",
    "secret",
    "card",
    "iban",
    "id",
    "phone",
    "ip",
    "address",
    "postcode",
    "account",
    "vehicle or device id",
    "date",
    "year of birth",
    "name",
]
FINDERS: list[detectors.Detector] = [
    detectors.emails,
    detectors.phones,
    detectors.cards,
    detectors.ibans,
    detectors.accounts,
    detectors.government_ids,
    detectors.vehicles_and_devices,
    detectors.ip_addresses,
    places.addresses,
    places.dates,
    places.titled_names,
    references.references,
    references.birth_years,
    people.third_party_names,
]


@dataclass(frozen=True)
class Span:
    """A masked stretch of the input: ``text[start:end]`` became ``mask``."""

    kind: str
    start: int
    end: int
    mask: str


@dataclass(frozen=True)
class Rule:
    """An admin rule, compiled (app/redaction/rules.py builds these from RedactionRule rows)."""

    id: int
    pattern: regex.Pattern[str]
    replacement: str


@dataclass(frozen=True)
class Redacted:
    text: str
    spans: list[Span] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.spans)

    def segments(self, original: str) -> list[tuple[str, str | None, str]]:
        """For the preview: (public text, kind or None, what it hides) pieces in order."""
        pieces: list[tuple[str, str | None, str]] = []
        at = 0
        for span in self.spans:
            if at < span.start:
                pieces.append((original[at : span.start], None, ""))
            pieces.append((span.mask, span.kind, original[span.start : span.end]))
            at = span.end
        if at < len(original):
            pieces.append((original[at:], None, ""))
        return pieces


@dataclass(frozen=True)
class Identity:
    """The consumer's own name and email: masked wherever they appear in their complaint.

    ``reference``: the complaint's private reference, masked in any public text whoever writes
    it, inside longer tokens too and however it is spaced or dashed. ``public_names``: names the
    complaint already shows (the consumer's display name, the reps' signing names): never masked
    as names, since masking them hides nothing and garbles the conversation ("Hello [name],")."""

    name: str = ""
    email: str = ""
    reference: str = ""
    public_names: tuple[str, ...] = ()


# Between the characters of a private reference people type spaces, dashes, dots or slashes.
_REFERENCE_GAP = r"[\s\-_./]*"


def _reference(text: str, reference: str) -> Iterable[tuple[str, int, int]]:
    chars = [c for c in reference if c.isalnum()]
    if len(chars) < 4 or "".join(chars).lower() in MASKS["reference"]:
        return  # too short to tell from ordinary text
    pattern = regex.compile(_REFERENCE_GAP.join(regex.escape(c) for c in chars), regex.IGNORECASE)
    for match in pattern.finditer(text, timeout=detectors.TIMEOUT):
        yield "reference", match.start(), match.end()


def _public_names(text: str, names: Sequence[str]) -> list[tuple[int, int]]:
    """Where the complaint's public names, and their words of 3+ letters, stand in ``text``."""
    needles = set()
    for name in names:
        name = name.strip()
        if len(name) >= 3:
            needles.add(name)
            needles.update(w for w in regex.split(r"\s+", name) if len(w.strip(".")) >= 3)
    found = []
    for needle in needles:
        pattern = regex.compile(rf"(?<!\w){regex.escape(needle)}(?!\w)")
        found += [m.span() for m in pattern.finditer(text, timeout=detectors.TIMEOUT)]
    return found


RULE_TIMEOUT = 0.25  # seconds per admin rule per text; a slower rule is skipped and logged


def _own(text: str, identity: Identity) -> Iterable[tuple[str, int, int]]:
    """The full name, its parts of 3+ letters when capitalised as names are, the email and its
    local part when distinctive. Case-sensitive for the name parts: "Bill" masks, "bill" not."""
    words = [w for w in regex.split(r"\s+", identity.name.strip()) if w]
    needles: list[tuple[str, bool, str]] = []  # (text, case-insensitive, kind)
    if len(words) >= 1 and len(identity.name.strip()) >= 3:
        needles.append((identity.name.strip(), True, "name"))
    if len(words) >= 2:
        needles += [(w, False, "name") for w in words if len(w) >= 3 and w[:1].isupper()]
    if identity.email:
        needles.append((identity.email, True, "email"))
        local = identity.email.split("@", 1)[0]
        if len(local) >= 6:
            needles.append((local, True, "email"))
    for needle, fold, kind in needles:
        flags = regex.IGNORECASE if fold else 0
        pattern = regex.compile(rf"(?<!\w){regex.escape(needle)}(?!\w)", flags)
        for match in pattern.finditer(text, timeout=detectors.TIMEOUT):
            yield kind, match.start(), match.end()


def _rules(text: str, rules: Sequence[Rule]) -> Iterable[tuple[str, int, int, str]]:
    for rule in rules:
        try:
            for match in rule.pattern.finditer(text, timeout=RULE_TIMEOUT):
                if match.end() > match.start():
                    yield "rule", match.start(), match.end(), rule.replacement
        except TimeoutError:
            log.warning("redaction rule %s timed out on a %d-character text", rule.id, len(text))


def _literal(text: str, phrases: Sequence[str]) -> Iterable[tuple[int, int]]:
    for phrase in phrases:
        phrase = phrase.strip()
        if not phrase:
            continue
        start = text.find(phrase)
        while start != -1:
            yield start, start + len(phrase)
            start = text.find(phrase, start + len(phrase))


def _candidates(
    text: str,
    identity: Identity | None,
    rules: Sequence[Rule],
    extra: Sequence[str],
) -> list[tuple[str, int, int, str]]:
    found: list[tuple[str, int, int, str]] = []
    for finder in FINDERS:
        try:
            found += [(kind, s, e, MASKS[kind]) for kind, s, e in finder(text)]
        except TimeoutError:  # never expected; fail loudly in logs, keep masking the rest
            log.error("redaction finder %s timed out", finder.__name__)
    # Product, shipping, software and support codes look like numbers the finders want.
    codes = list(references.not_personal(text))
    found = [f for f in found if not _inside(f, codes)]
    if identity:
        found += [(kind, s, e, MASKS[kind]) for kind, s, e in _own(text, identity)]
    # A name found in part ("Margaret" before a known surname) is masked whole.
    found = [
        (k, *people.widen(text, s, e), m) if k == "name" else (k, s, e, m) for k, s, e, m in found
    ]
    if identity and identity.public_names:  # already public on the complaint: not masked
        public = _public_names(text, identity.public_names)
        found = [f for f in found if f[0] != "name" or not _inside(f, public)]
    found += list(_rules(text, rules))
    found += [("rule", s, e, "[redacted]") for s, e in _literal(text, extra)]
    if identity and identity.reference:
        found += [(k, s, e, MASKS[k]) for k, s, e in _reference(text, identity.reference)]
    return found


def find(
    text: str,
    *,
    identity: Identity | None = None,
    rules: Sequence[Rule] = (),
    extra: Sequence[str] = (),
    keep: Sequence[str] = (),
) -> list[Span]:
    """Every span of ``text`` to mask, merged and in order. ``extra`` phrases are masked and
    ``keep`` phrases spared (a moderator's corrections for one complaint).

    The finders search what readers will see (visible.reveal: Markdown rendered, references
    decoded, invisible characters gone); each find masks the source it came from."""
    shown, where = visible.reveal(text)
    spans = _find_shown(shown, identity=identity, rules=rules, extra=extra, keep=keep)
    if shown == text or not spans:
        return spans
    return _merge(
        [(s.kind, *visible.to_source(where, text, s.start, s.end), s.mask) for s in spans]
    )


def _find_shown(
    text: str,
    *,
    identity: Identity | None,
    rules: Sequence[Rule],
    extra: Sequence[str],
    keep: Sequence[str],
) -> list[Span]:
    """``find`` on text as readers see it.

    Masking can expose a new match (a 16-digit run is no phone, but once its tail is masked as an
    account, its head is), so the masked text is searched again and new finds are mapped back
    onto the input, until nothing new turns up: redacting twice then changes nothing."""
    spared = list(_literal(text, keep))
    found = _candidates(text, identity, rules, extra)
    spans = _merge([f for f in found if f[0] == "reference" or not _inside(f, spared)])
    for _ in range(3):
        if not spans:  # nothing masked, so nothing new to find
            break
        masked, pieces = _apply(text, spans)
        again = _candidates(masked, identity, rules, extra)
        mapped = [(k, _back(pieces, s, True), _back(pieces, e, False), m) for k, s, e, m in again]
        mapped = [
            f for f in mapped if f[1] < f[2] and (f[0] == "reference" or not _inside(f, spared))
        ]
        if not mapped:
            break
        spans = _merge([(s.kind, s.start, s.end, s.mask) for s in spans] + mapped)
    return spans


def _inside(found: tuple[str, int, int, str], spared: list[tuple[int, int]]) -> bool:
    return any(ks <= found[1] and found[2] <= ke for ks, ke in spared)


# (start and end in the masked text, start and end in the input, is it a mask)
Piece = tuple[int, int, int, int, bool]


def _apply(text: str, spans: list[Span]) -> tuple[str, list[Piece]]:
    out: list[str] = []
    pieces: list[Piece] = []
    at = length = 0
    for span in spans:
        if at < span.start:
            out.append(text[at : span.start])
            pieces.append((length, length + span.start - at, at, span.start, False))
            length += span.start - at
        out.append(span.mask)
        pieces.append((length, length + len(span.mask), span.start, span.end, True))
        length += len(span.mask)
        at = span.end
    if at < len(text):
        out.append(text[at:])
        pieces.append((length, length + len(text) - at, at, len(text), False))
    return "".join(out), pieces


def _back(pieces: list[Piece], position: int, is_start: bool) -> int:
    """A position in the masked text, back in the input; inside a mask, the whole mask counts."""
    for out_start, out_end, in_start, in_end, is_mask in pieces:
        if out_start <= position < out_end or (not is_start and position == out_end):
            if is_mask:
                return in_start if is_start else in_end
            return in_start + position - out_start
    return pieces[-1][3] if pieces else position


def _merge(found: list[tuple[str, int, int, str]]) -> list[Span]:
    rank = {kind: i for i, kind in enumerate(PRIORITY)}
    merged: list[list] = []
    for kind, start, end, mask in sorted(found, key=lambda f: (f[1], -f[2])):
        if merged and start < merged[-1][2]:  # overlaps the previous span: one mask for both
            last = merged[-1]
            # The longer find names it ("+1 415 555 2671" is a phone, though its tail passes
            # the NHS checksum); between equals, the more specific kind.
            longer, shorter = end - start, last[4]
            if longer > shorter or (longer == shorter and rank[kind] < rank[last[0]]):
                last[0], last[3], last[4] = kind, mask, longer
            last[2] = max(last[2], end)
        else:
            merged.append([kind, start, end, mask, end - start])
    return [Span(kind, start, end, mask) for kind, start, end, mask, _ in merged]


def redact(
    text: str,
    *,
    identity: Identity | None = None,
    rules: Sequence[Rule] = (),
    extra: Sequence[str] = (),
    keep: Sequence[str] = (),
) -> Redacted:
    spans = find(text, identity=identity, rules=rules, extra=extra, keep=keep)
    public = _apply(text, spans)[0] if spans else text
    # Merged masks can still leave a find at a mask's edge; redact the output until it is stable,
    # so the public text holds nothing a finder would catch and redacting again changes nothing.
    # (The spans stay those of the input: they are what the filing preview highlights.)
    for _ in range(3):
        more = find(public, identity=identity, rules=rules, extra=extra, keep=keep) if spans else []
        if not more:
            break
        public = _apply(public, more)[0]
    return Redacted(public, spans)


def counts(spans: Iterable[Span]) -> dict[str, int]:
    result: dict[str, int] = {}
    for span in spans:
        result[span.kind] = result.get(span.kind, 0) + 1
    return result
