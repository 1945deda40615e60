"""Record numbers in addresses, query strings and forms. Every table's id is a 32-bit integer on
PostgreSQL (a 64-bit one on SQLite), and the database refuses a number it cannot store as an
error, not as "no such row". A number outside 1..MAX_ID names nothing, so it is answered like
any other missing record: 404, before the database is asked."""

import re
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER, the narrowest id column Outcry has
NO_SUCH_RECORD = "no_such_record"  # the validation error type the error handler answers with 404
_DIGITS = re.compile(r"[0-9]{1,10}")


def storable(value: int) -> bool:
    return 1 <= value <= MAX_ID


def stored(value: int) -> int:
    if not storable(value):
        raise PydanticCustomError(NO_SUCH_RECORD, "There is nothing with that number.")
    return value


# Path and query parameters that name a record: `complaint_id: RecordId`.
RecordId = Annotated[int, AfterValidator(stored)]


def parse_id(text: str) -> int | None:
    """A record number typed into a form or a URL, or None when it cannot name one."""
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if storable(value) else None
