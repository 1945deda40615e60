"""Finders for street addresses, postcodes, full dates and titled names (see detectors.py).

Only dates of birth are masked: a date of birth identifies a person, but the date of an event
(a charge, a visit, a call) is the story the company is asked to answer, and masking it made
replies like "Tried on [date] at 9:15" useless. Dates of birth follow the CFPB standard: the day
and month go, the year stays ("born 3 March 1984" becomes "born [date] 1984"), so each date span
covers only its day-and-month part (the year of birth has its own finder, references.py).
"""

from collections.abc import Iterator

import regex

from app.redaction.detectors import TIMEOUT, Found

_SUFFIXES = (
    r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
    r"Terrace|Close|Crescent|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Gardens|Grove|Row|"
    r"Mews|Walk|Hill|Park|Rise|View|Green|Trail|Plaza|Alley"
)
_STATES = (
    r"AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|"
    r"NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"
)
_UK_POSTCODE = r"(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})"
_WORD = r"[A-Z][A-Za-z'\u2019.-]{1,30}"
# "12 High Street", "88 Colin P Kelly Jr Street", "1600 N. Pennsylvania Avenue NW, Apt 4, Washington, DC 20500",
# "Flat 2, 14a Church Lane, Leeds LS1 4AP". The town after a comma goes with the street.
_STREET = regex.compile(
    rf"\b\d{{1,6}}[A-Za-z]?(?:-\d{{1,4}})?,?\s+(?:[NSEW]\.?\s+)?(?:(?:{_WORD}|[A-Z]\.?)\s+){{0,4}}"
    rf"(?:{_SUFFIXES})\b\.?(?:\s+(?:NW|NE|SW|SE|N|S|E|W)\b)?"
    r"(?:,?\s+(?:Apt|Apartment|Unit|Suite|Ste|Flat|Floor|#)\.?\s*#?[A-Za-z0-9-]{1,6}\b)?"
    rf"(?:,\s*{_WORD}(?:[ -]{_WORD}){{0,2}}(?=,|\s+(?:{_STATES})\b|\s+{_UK_POSTCODE}\b|[.;)\n]|$)){{0,2}}"
    rf"(?:,?\s+(?:(?:{_STATES})\s+\d{{5}}(?:-\d{{4}})?|{_UK_POSTCODE})\b)?"
)
_PO_BOX = regex.compile(r"\b(?i:P\.? ?O\.? ?Box|Post Office Box)\s+\d{1,8}\b")
_POSTCODE = regex.compile(rf"\b{_UK_POSTCODE}\b")
# A town, state and ZIP: "Springfield, IL 62704"; ZIP+4 anywhere.
_TOWN_ZIP = regex.compile(
    rf"\b(?:{_WORD}\s+){{0,2}}{_WORD},\s+(?:{_STATES})\s+\d{{5}}(?:-\d{{4}})?\b"
)
_ZIP4 = regex.compile(r"\b\d{5}-\d{4}\b")


def addresses(text: str) -> Iterator[Found]:
    for match in _STREET.finditer(text, timeout=TIMEOUT):
        yield "address", match.start(), match.end()
    for pattern in (_PO_BOX, _TOWN_ZIP, _ZIP4):
        for match in pattern.finditer(text, timeout=TIMEOUT):
            yield "address", match.start(), match.end()
    for match in _POSTCODE.finditer(text, timeout=TIMEOUT):
        yield "postcode", match.start(), match.end()


_MONTHS = (
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+(?:the\s+)?)?"
# A day-and-month not followed by "times", a percentage or more digits ("March 3 times").
_NOT_COUNT = r"(?![.,]?\d|\s*(?:times|x\b|%|hours|days|weeks|months|years|items|calls|GBP|USD|EUR))"
_WRITTEN = regex.compile(
    rf"\b{_WEEKDAY}(?:{_DAY}(?:\s+of)?\s+(?:{_MONTHS})\b\.?|(?:{_MONTHS})\.?\s+(?:the\s+)?{_DAY}\b{_NOT_COUNT})"
)
# 03/04/2024, 3.4.24, 2024-03-04 (the span leaves the year out).
_NUMERIC = regex.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/-]|\.\d)")
_ISO = regex.compile(r"(?<![\d/.-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")


# "born", "date of birth", "DOB", "birthday" a few words before the date.
_BIRTH = regex.compile(
    r"(?i:\bborn|\bbirth(?:day|date)?|\bd\.?o\.?b\b\.?)\W*(?:(?:is|was|on|of|:)\W+){0,3}$"
)


def _of_birth(text: str, start: int) -> bool:
    return bool(_BIRTH.search(text[max(0, start - 40) : start], timeout=TIMEOUT))


def dates(text: str) -> Iterator[Found]:
    """Dates of birth (see the module's docstring: event dates stay)."""
    for match in _WRITTEN.finditer(text, timeout=TIMEOUT):
        if _of_birth(text, match.start()):
            yield "date", match.start(), match.end()
    for match in _NUMERIC.finditer(text, timeout=TIMEOUT):
        a, b = int(match.group(1)), int(match.group(3))
        if 1 <= a <= 31 and 1 <= b <= 31 and min(a, b) <= 12 and _of_birth(text, match.start()):
            yield "date", match.start(), match.end(3)
    for match in _ISO.finditer(text, timeout=TIMEOUT):
        month_day_ok = 1 <= int(match.group(2)) <= 12 and 1 <= int(match.group(3)) <= 31
        if month_day_ok and _of_birth(text, match.start()):
            yield "date", match.start(2), match.end()


_NAME = r"[A-Z][a-z'\u2019-]+(?: [A-Z][a-z'\u2019-]+)?"
_TITLED = regex.compile(
    rf"\b(?P<name>(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s{{1,3}}{_NAME})"
    rf"|\b(?i:my name is|I am called|I'm called|signed,?)\s{{1,3}}(?P<name>{_NAME})"
)


def titled_names(text: str) -> Iterator[Found]:
    """People named with a title ("Mrs Patel") or who introduce themselves; other names need
    language models this project does not ship, so moderators mask them by hand."""
    for match in _TITLED.finditer(text, timeout=TIMEOUT):
        yield "name", match.start("name"), match.end("name")
