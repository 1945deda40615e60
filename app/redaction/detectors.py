"""Finders of personal data in free text. Each yields ``(kind, start, end)`` over its input.

Every pattern is anchored on something rare (an ``@``, a keyword, a digit after a word boundary)
and has bounded repetition, so a 10 kB text costs milliseconds; checksums (Luhn, mod-97, NHS
mod-11) and stdlib validation (``ipaddress``) keep look-alikes such as prices, years and short
order numbers out.
"""

import ipaddress
from collections.abc import Callable, Iterator

import phonenumbers
import regex

Found = tuple[str, int, int]
Detector = Callable[[str], Iterator[Found]]

# Every built-in pattern has a deadline too: a bug must cost a skipped finder, not a hung request.
TIMEOUT = 2.0

_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-'")
_EMAIL_DOMAIN = regex.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,24}\b")


def emails(text: str) -> Iterator[Found]:
    """Anchored on each ``@``: scanning the local part backwards is linear, where a regex that
    starts everywhere would be quadratic on a long run of letters."""
    at = text.find("@")
    while at != -1:
        start = at
        while start > 0 and at - start < 64 and text[start - 1] in _EMAIL_LOCAL:
            start -= 1
        domain = _EMAIL_DOMAIN.match(text, at + 1, timeout=TIMEOUT)
        while start < at and text[start] in ".'":  # a quote or full stop before the address
            start += 1
        if start < at and domain:
            yield "email", start, domain.end()
            at = text.find("@", domain.end())
        else:
            at = text.find("@", at + 1)


# Phones ----------------------------------------------------------------------------------------

_REGIONS = ("GB", "US")
# Something dialled: an optional + or 00, then 7-22 characters of digits and separators. Bounded,
# so a 10 kB run of digits costs a few hundred short parses.
_PHONE_CANDIDATE = regex.compile(r"(?<![\w+(])(?:\+|\()?\d[\d ().-]{5,22}\d(?!\w)")


def phones(text: str) -> Iterator[Found]:
    """UK and US national formats and any +international one. Valid numbers (phonenumbers)
    count; merely possible ones only when they look dialled (10-15 digits, written with a leading
    0, + or bracket, or with separators), which leaves years, amounts and order numbers."""
    for match in _PHONE_CANDIDATE.finditer(text, timeout=TIMEOUT):
        raw = match.group().rstrip(" .-(")
        digits = sum(ch.isdigit() for ch in raw)
        if not 7 <= digits <= 15 or raw.count("(") != raw.count(")"):
            continue
        if _is_phone(raw, digits):
            yield "phone", match.start(), match.start() + len(raw)


def _is_phone(raw: str, digits: int) -> bool:
    dialled = raw[0] in "+(0" or any(ch in " .-" for ch in raw)
    for region in (None,) if raw.startswith("+") else _REGIONS:
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) and digits >= 8:
            return True
        if raw.startswith("+") and phonenumbers.is_possible_number(number):
            return True
    return 10 <= digits <= 15 and dialled and raw[0] != "-"


# Cards, bank accounts and other account numbers -----------------------------------------------

_CARD = regex.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_IBAN = regex.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_LONG_DIGITS = regex.compile(r"(?<![\d.,])\d{9,}(?![\d.,]\d)")
# Words after which any id is an account ("policy AB-123456"), and words that need "number",
# "no." or "#" after them to say so ("case number 4521-77", but not "in case 2024").
_STRONG = (
    r"account|acct|a/c|policy|licen[cs]e|membership|meter|mpan|mprn|sort\s+code|serial|imei|"
    r"passport|iban|bic|swift|routing"
)
_WEAK = r"customer|member|contract|case|claim|reference|ref|booking|tracking|ticket|invoice"
_NUMBER = r"(?:number|no\.?|num|#|id|code)"
_ACCOUNT = regex.compile(
    rf"\b(?i:(?:{_STRONG})(?:\s+{_NUMBER})?|(?:{_WEAK})\s*{_NUMBER})\s*(?i:is|was|:|#)?\s*"
    r"(?P<id>[A-Z0-9](?:[A-Z0-9]|[-/](?=[A-Z0-9])| (?=\d)){3,30})"
)


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    """ISO 13616 mod-97: move the first four characters to the end, letters to numbers."""
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def cards(text: str) -> Iterator[Found]:
    for match in _CARD.finditer(text, timeout=TIMEOUT):
        digits = regex.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and luhn(digits):
            yield "card", match.start(), match.end()


def ibans(text: str) -> Iterator[Found]:
    for match in _IBAN.finditer(text, timeout=TIMEOUT):
        # The pattern may run into the next word ("GB82 WEST … 32 and"): shrink until valid.
        value = match.group()
        while len(value.replace(" ", "")) >= 15:
            if iban_valid(value):
                yield "iban", match.start(), match.start() + len(value)
                break
            value = value[:-1].rstrip()


def accounts(text: str) -> Iterator[Found]:
    """A run of 9+ digits, or an id with a digit after "account no.", "policy", "licence" …
    Short order numbers ("order 4512") stay: the private reference field is for those."""
    for match in _LONG_DIGITS.finditer(text, timeout=TIMEOUT):
        yield "account", match.start(), match.end()
    for match in _ACCOUNT.finditer(text, timeout=TIMEOUT):
        value = match.group("id").rstrip(" -/")
        if sum(ch.isdigit() for ch in value) >= 3 and len(value) >= 4:
            start = match.start("id")
            yield "account", start, start + len(value)


# Government ids, vehicles and devices ---------------------------------------------------------

_SSN = regex.compile(r"\b(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}\b")
# UK National Insurance numbers; HMRC's own example prefix QQ included, since people copy it.
_NINO = regex.compile(r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
_NHS = regex.compile(r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b")
_UK_LICENCE = regex.compile(r"\b[A-Z9]{5}\d{6}[A-Z9]{2}\d[A-Z]{2}(?:\d{2})?\b")
_VIN = regex.compile(r"\b(?=[A-HJ-NPR-Z0-9]*\d)(?=[A-HJ-NPR-Z0-9]*[A-Z])[A-HJ-NPR-Z0-9]{17}\b")
_UK_PLATE = regex.compile(r"\b[A-Z]{2}\d{2} ?[A-Z]{3}\b")
_MAC = regex.compile(r"\b[0-9A-Fa-f]{2}(?:([:-])[0-9A-Fa-f]{2})(?:\1[0-9A-Fa-f]{2}){4}\b")


def nhs_valid(digits: str) -> bool:
    check = 11 - sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    return check != 10 and (check % 11) == int(digits[9])


def government_ids(text: str) -> Iterator[Found]:
    for match in _SSN.finditer(text, timeout=TIMEOUT):
        yield "id", match.start(), match.end()
    for match in _NINO.finditer(text, timeout=TIMEOUT):
        yield "id", match.start(), match.end()
    for match in _NHS.finditer(text, timeout=TIMEOUT):
        if nhs_valid(regex.sub(r"\D", "", match.group())):
            yield "id", match.start(), match.end()
    for match in _UK_LICENCE.finditer(text, timeout=TIMEOUT):
        yield "id", match.start(), match.end()


def vehicles_and_devices(text: str) -> Iterator[Found]:
    for pattern in (_VIN, _UK_PLATE, _MAC):
        for match in pattern.finditer(text, timeout=TIMEOUT):
            yield "vehicle or device id", match.start(), match.end()


# Network addresses -----------------------------------------------------------------------------

_IPV4 = regex.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w]|\.\d)")
_IPV6 = regex.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
# "version 10.2.0.1", "firmware 4.1.0.12": a version number, not a computer.
_VERSIONED = regex.compile(
    r"(?:\bv|version|firmware|build|release|update|ios|android)\W{0,3}$", regex.I
)


def ip_addresses(text: str) -> Iterator[Found]:
    for match in _IPV4.finditer(text, timeout=TIMEOUT):
        if _VERSIONED.search(text[max(0, match.start() - 12) : match.start()]):
            continue
        try:
            ipaddress.IPv4Address(match.group())
        except ValueError:
            continue
        yield "ip", match.start(), match.end()
    if "::" in text or text.count(":") >= 7:
        for match in _IPV6.finditer(text, timeout=TIMEOUT):
            value = match.group()
            if sum(ch.isalnum() for ch in value) < 4:  # "::", "1::", times like "10:30:00"
                continue
            try:
                ipaddress.IPv6Address(value)
            except ValueError:
                continue
            yield "ip", match.start(), match.end()
