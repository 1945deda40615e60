"""Finders for personal references that a keyword announces (booking references, PINs,
certificate and appeal numbers, loyalty numbers, licence plates), years of birth, and the
product and shipping codes that are never personal (``not_personal``: finds inside them are
dropped, so an ISBN, a barcode, a UPS tracking number or a firmware version stays as typed).
"""

from collections.abc import Iterator

import regex

from app.redaction.detectors import TIMEOUT, Found

# An airline or travel booking reference (PNR): 5 to 8 letters and digits after its keyword.
_BOOKING = regex.compile(
    r"\b(?i:booking|reservation|confirmation|pnr|locator)(?:\s+(?i:reference|ref\.?|code|"
    r"number|no\.?|id|#))?\s*(?i:is|was|:|#)?\s*(?P<id>(?=[A-Z0-9]{0,7}\d)[A-Z0-9]{5,8}|[A-Z]{6})\b"
)
# A secret number read out: "PIN is 6620", "passcode: 4471", "CVV 123".
_SECRET = regex.compile(
    r"\b(?:PIN|(?i:pin\s+(?:number|code)|passcode|pass\s+code|security\s+code|cvv|cvc|"
    r"security\s+number))\s*(?i:is|was|of|:|=)?\s*(?P<id>\d{3,8})\b"
)
# Certificates, appeals, permits and penalty notices: "DPS-4482017", "PF/22/049981".
_CERTIFICATE = regex.compile(
    r"\b(?i:certificate|appeal|permit|penalty\s+charge\s+notice|pcn|visa|application|"
    r"reference|ref\.?)(?:\s+(?i:number|no\.?|ref(?:erence)?|#))?\s*(?i:is|was|:|#)?\s*"
    r"(?P<id>[A-Z]{1,5}[-/]?(?:\d{2}[-/])?\d{5,10})\b"
)
_PREFIXED_NUMBER = regex.compile(r"\b[A-Z]{2,5}-\d{6,10}\b|\b[A-Z]{1,4}/\d{2}/\d{5,8}\b")
# Loyalty and frequent-flyer numbers: letters and digits in groups after their keyword.
_LOYALTY = regex.compile(
    r"\b(?i:frequent[\s-]+fl(?:y|i)er|flyer|loyalty|rewards|clubcard|nectar|avios)"
    r"(?:\s+(?i:card|account|membership))?(?:\s+(?i:number|no\.?|#|id))?\s*(?i:is|was|:|#)?\s*"
    r"(?P<id>[A-Z0-9]{1,4}(?:[ -]?\d{3,6}){1,4})\b"
)
# US licence plates: California's 7ABC123 anywhere; any 5-8 characters after "plate".
_CA_PLATE = regex.compile(r"\b\d[A-Z]{3}\d{3}\b")
_PLATE = regex.compile(
    r"\b(?i:plate|registration|reg|tag)(?:\s+(?i:number|no\.?|#))?\s*(?i:is|was|:|#)?\s*"
    r"(?P<id>(?=[A-Z0-9 -]*\d)(?=[A-Z0-9 -]*[A-Z])[A-Z0-9]{2,4}[ -]?[A-Z0-9]{2,5})\b"
)
# A year of birth: the year near "born", "birth", "DOB" in the same sentence.
_BIRTH_YEAR = regex.compile(
    r"\b(?i:born|birth|d\.?o\.?b\.?|yob)\b[^.;!?\n]{0,30}?(?<!\d)(?P<year>(?:19|20)\d\d)(?!\d)"
)


def references(text: str) -> Iterator[Found]:
    for pattern in (_BOOKING, _LOYALTY):
        for match in pattern.finditer(text, timeout=TIMEOUT):
            yield "account", match.start("id"), match.end("id")
    for match in _SECRET.finditer(text, timeout=TIMEOUT):
        yield "secret", match.start("id"), match.end("id")
    for match in _CERTIFICATE.finditer(text, timeout=TIMEOUT):
        yield "id", match.start("id"), match.end("id")
    for match in _PREFIXED_NUMBER.finditer(text, timeout=TIMEOUT):
        yield "account", match.start(), match.end()
    for match in _CA_PLATE.finditer(text, timeout=TIMEOUT):
        yield "vehicle or device id", match.start(), match.end()
    for match in _PLATE.finditer(text, timeout=TIMEOUT):
        yield "vehicle or device id", match.start("id"), match.end("id")


def birth_years(text: str) -> Iterator[Found]:
    for match in _BIRTH_YEAR.finditer(text, timeout=TIMEOUT):
        yield "year of birth", match.start("year"), match.end("year")


# Not personal ----------------------------------------------------------------------------------

_UPS = regex.compile(
    r"\b1Z ?[0-9A-Z]{3} ?[0-9A-Z]{3} ?[0-9A-Z]{2} ?[0-9A-Z]{4} ?[0-9A-Z]{3} ?[0-9A-Z]\b"
)
_ISBN = regex.compile(r"\b97[89][- ]?\d{1,5}[- ]?\d{1,7}[- ]?\d{1,7}[- ]?\d\b")
_PRODUCT = regex.compile(
    r"\b(?i:isbn(?:-1[03])?|ean(?:-13)?|upc|gtin|sku|barcode|part\s+(?:number|no\.?)|"
    r"model\s+(?:number|no\.?)|mpn)\s*(?i:is|:|#)?\s*[A-Z0-9][A-Z0-9-]{3,24}\b"
)
_VERSION = regex.compile(
    r"\b(?i:v|version|firmware|build|release|update|ios|android|windows)\W{0,3}"
    r"\d{1,5}(?:\.\d{1,6}){1,4}\b"
)
_TICKET = regex.compile(r"\b(?i:ticket)\s*(?i:number|no\.?)?\s*#?\s*\d{3,10}\b")


def isbn_valid(digits: str) -> bool:
    if len(digits) == 13 and digits.isdigit() and digits[:3] in ("978", "979"):
        total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
        return (10 - total % 10) % 10 == int(digits[12])
    if len(digits) == 10 and digits[:9].isdigit():
        total = sum((10 - i) * int(d) for i, d in enumerate(digits[:9]))
        check = 10 if digits[9] in "Xx" else int(digits[9]) if digits[9].isdigit() else -1
        return (total + check) % 11 == 0
    return False


def not_personal(text: str) -> Iterator[tuple[int, int]]:
    """Stretches that are product, shipping, software or support codes: never masked."""
    for pattern in (_UPS, _PRODUCT, _VERSION, _TICKET):
        for match in pattern.finditer(text, timeout=TIMEOUT):
            yield match.start(), match.end()
    for match in _ISBN.finditer(text, timeout=TIMEOUT):
        digits = regex.sub(r"[- ]", "", match.group())
        if isbn_valid(digits):  # ISBN-13 only: a bare ISBN-10 is too like other numbers
            yield match.start(), match.end()
