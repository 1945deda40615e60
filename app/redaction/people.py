"""Names of people without a title: a documented heuristic, not a language model.

A statistical named-entity model would find more names, but none that runs offline ships as a
maintained package light enough for a web process (spaCy's English models are published outside
PyPI and weigh tens of megabytes more), so names are found where English announces a person:

* a relation or role word after a possessive: "my neighbour John Smith", "our landlord, Peter
  Greaves", "my mother Anne-Marie O'Neill";
* "called", "named", "spoke to", "spoke with", "dealt with": "an engineer named Tom Fletcher",
  "I spoke to Sarah Connolly".

The name is one to three capitalised words; words that name organisations and teams ("Customer
Services", "Virgin Media") end it or rule it out. A first name alone after "spoke to" is left:
reps sign their replies with it, and it identifies nobody. ``widen`` grows a masked name over the
capitalised name words next to it ("Margaret [name]" when only a surname was known).
The corpus (tests/corpus/) measures the catch and false-positive rates (docs/redaction.md).
"""

from collections.abc import Iterator

import regex

from app.redaction.detectors import TIMEOUT, Found

_RELATIONS = (
    r"neighbou?rs?|landlord|landlady|husband|wife|partner|son|daughter|mother|father|mum|mom|"
    r"dad|brother|sister|friend|colleague|boss|tenant|flatmate|carer|grandson|granddaughter|"
    r"grandmother|grandfather|aunt|uncle|cousin|nephew|niece|fianc[eé]e?|ex|child|children"
)
# "John", "O'Neill", "McDonald", "Anne-Marie"
_NAME_WORD = r"(?:[A-Z]['\u2019])?[A-Z][a-z]+(?:[A-Z][a-z]+)?(?:-[A-Z][a-z]+)?"
_FULL = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}}"
_RELATION = regex.compile(
    rf"\b(?i:my|our|his|her|their)\s+(?i:{_RELATIONS}),?\s+(?:(?i:called|named|is)\s+)?"
    rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})"
)
_INTRODUCED = regex.compile(
    rf"\b(?i:called|named|spoke\s+to|spoke\s+with|speaking\s+to|talked\s+to|dealt\s+with)\s+"
    rf"(?P<name>{_FULL})"
)
# Words of organisations, places and teams: a "name" holding one is not a person's.
_NOT_PEOPLE = frozenset(
    [
        "customer",
        "customers",
        "service",
        "services",
        "support",
        "team",
        "teams",
        "department",
        "desk",
        "centre",
        "center",
        "complaints",
        "complaint",
        "billing",
        "sales",
        "media",
        "bank",
        "energy",
        "gas",
        "water",
        "mobile",
        "telecom",
        "airways",
        "airlines",
        "group",
        "limited",
        "ltd",
        "plc",
        "inc",
        "llc",
        "company",
        "council",
        "office",
        "branch",
        "store",
        "shop",
        "online",
        "manager",
        "supervisor",
        "agent",
        "advisor",
        "adviser",
        "representative",
        "engineer",
        "helpline",
        "line",
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "on",
        "in",
        "at",
        "to",
        "for",
        "of",
        "with",
        "from",
        "by",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "street",
        "road",
        "avenue",
        "lane",
    ]
)


def _person(name: str) -> tuple[int, int] | None:
    """The longest run of leading words that could be a person's name (offsets in ``name``)."""
    end = 0
    for word in regex.finditer(_NAME_WORD, name):
        if word.group().lower() in _NOT_PEOPLE:
            break
        end = word.end()
    return (0, end) if end else None


def third_party_names(text: str) -> Iterator[Found]:
    for pattern, minimum in ((_RELATION, 1), (_INTRODUCED, 2)):
        for match in pattern.finditer(text, timeout=TIMEOUT):
            kept = _person(match.group("name"))
            if kept is None:
                continue
            name = match.group("name")[: kept[1]]
            if len(name.split()) >= minimum:
                yield "name", match.start("name"), match.start("name") + len(name)


# Words that start a sentence or a letter, and titles: never part of the name next to them.
_NOT_NAMES = _NOT_PEOPLE | frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "dear",
        "hi",
        "hello",
        "thanks",
        "thank",
        "regards",
        "signed",
        "sincerely",
        "yours",
        "i",
        "my",
        "we",
        "our",
        "they",
        "then",
        "when",
        "after",
        "before",
        "yesterday",
        "today",
        "please",
        "sorry",
        "also",
        "so",
        "yes",
        "no",
    ]
)
_WORD_BEFORE = regex.compile(rf"(?<![\w'\u2019-])({_NAME_WORD})\s+$")
_WORD_AFTER = regex.compile(rf"^\s+({_NAME_WORD})")


def widen(text: str, start: int, end: int) -> tuple[int, int]:
    """A masked name grown over up to two capitalised name words on each side of it."""
    for _ in range(2):
        word = _WORD_BEFORE.search(text, max(0, start - 40), start)
        if word is None or word.group(1).lower() in _NOT_NAMES:
            break
        start = word.start(1)
    for _ in range(2):
        word = _WORD_AFTER.match(text[end : end + 40])
        if word is None or word.group(1).lower() in _NOT_NAMES:
            break
        end += word.end(1)
    return start, end
