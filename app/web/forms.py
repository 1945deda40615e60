"""Turning submitted forms into models, and validation errors into per-field messages."""

import re
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from app.text.validation import field_errors, friendly

# templates/partials/honeypot.html: people never see the field, bots fill it in.
HONEYPOT = "website"


async def submitted_form(request: Request) -> FormData:
    """The posted form, read on the event loop so the route can be a plain, threadpool ``def``."""
    return await request.form()  # cached by Starlette: require_csrf's read is reused


# Routes take `form: FormDep` and stay sync: blocking database work on the loop would stall the
# whole process (a lock wait there blocks the very request that holds the lock). Guarded by
# tests/web/test_routes_off_the_loop.py.
FormDep = Annotated[FormData, Depends(submitted_form)]


def page_message(error: dict) -> str:
    """One invalid query value on an HTML page, in plain words."""
    if error["type"] in {"int_parsing", "int_type"}:
        return "should be a whole number."
    return friendly(error)


def api_message(error: dict) -> str:
    """The message for one invalid query or path value in a problem detail: a hint for dates,
    whose pydantic wording ("invalid character in year") helps nobody; pydantic's text otherwise."""
    if error["type"] in {"date_from_datetime_parsing", "date_parsing", "date_type"}:
        return friendly(error)
    if error["type"] == "value_error" and "error" in error.get("ctx", {}):
        return str(error["ctx"]["error"])  # our own words, without pydantic's "Value error, "
    return str(error["msg"])


def blank_is_none(value: object) -> object:
    """An empty query value (the filters' "Any state", a pager's ``state=``) means not given."""
    return None if value == "" else value


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    # NUL and other control characters never mean anything in typed text; PostgreSQL refuses
    # NUL (a 500 found by tests/security/test_forms_properties.py) and XML, which feeds, badges
    # and cards are, refuses the rest: drop them.
    return _CONTROL.sub("", value) if isinstance(value, str) else ""


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: dict) -> tuple[M | None, dict[str, str]]:
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        return None, field_errors(exc)


def undo(session: Session, *shown: object) -> None:
    """Before drawing a refused form again: undo everything the request changed, so the page
    reads the database as it was, and reload the objects it shows (the undo expired them)."""
    session.rollback()
    for obj in shown:
        session.refresh(obj)
