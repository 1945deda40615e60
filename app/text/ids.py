"""Record numbers as people type them. Every table's id is a 32-bit integer on PostgreSQL (a
64-bit one on SQLite), and the database refuses a number it cannot store as an error, not as
"no such row": a number outside 1..MAX_ID names nothing."""

import re

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER, the narrowest id column Outcry has
_DIGITS = re.compile(r"[0-9]{1,10}")


def storable(value: int) -> bool:
    return 1 <= value <= MAX_ID


def parse_id(text: str) -> int | None:
    """A record number typed into a form or a URL, or None when it cannot name one."""
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if storable(value) else None
