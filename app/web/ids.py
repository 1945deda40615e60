"""Record numbers in addresses, query strings and forms. A number outside 1..MAX_ID
(app/text/ids.py) names nothing, so it is answered like any other missing record: 404, before
the database is asked."""

from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from app.text.ids import MAX_ID, parse_id, storable

__all__ = ["MAX_ID", "NO_SUCH_RECORD", "RecordId", "parse_id", "storable", "stored"]

NO_SUCH_RECORD = "no_such_record"  # the validation error type the error handler answers with 404


def stored(value: int) -> int:
    if not storable(value):
        raise PydanticCustomError(NO_SUCH_RECORD, "There is nothing with that number.")
    return value


# Path and query parameters that name a record: `complaint_id: RecordId`.
RecordId = Annotated[int, AfterValidator(stored)]
