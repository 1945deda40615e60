"""The primary key of a row that has been saved.

Tables declare ``id: int | None`` because a new row has no key until the database gives it one
(at flush). Code that works with saved rows says so with ``pk(row)``: an int for the type
checker, and a clear error instead of a silent ``NULL`` if a row was never flushed."""

from collections.abc import Iterable
from typing import Protocol


class Row(Protocol):
    @property
    def id(self) -> int | None: ...


def pk(row: Row) -> int:
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: it was never flushed")
    return row.id


def keys(values: Iterable[int | None]) -> list[int]:
    """Primary keys read back from a table: never NULL, whatever the column's Python type says."""
    return [value for value in values if value is not None]
