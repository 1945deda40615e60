"""Validation errors in plain words, first message per field: for forms on pages and for
any domain code that validates what a user typed."""

from pydantic import ValidationError


def field_errors(exc: ValidationError) -> dict[str, str]:
    """{'title': 'String should have at least 5 characters', ...}, first message per field."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "__all__"
        errors.setdefault(field, friendly(error))
    return errors


def friendly(error: dict) -> str:
    """One pydantic error in the words a form shows beside the field."""
    ctx = error.get("ctx") or {}
    match error["type"]:
        case "string_too_short" | "too_short":
            return f"Please write at least {ctx.get('min_length')} characters."
        case "string_too_long" | "too_long":
            return f"Please keep this under {ctx.get('max_length')} characters."
        case "missing":
            return "This field is required."
        case "string_type" if error.get("input") is None:  # a blank field, sent as None
            return "This field is required."
        case "enum" | "literal_error":
            return "Please choose one of the options."
        case "date_from_datetime_parsing" | "date_parsing" | "date_type":
            return "Please enter a date like 2026-03-03."
        case "int_parsing" | "greater_than_equal" | "less_than_equal":
            return "Please enter a whole number between 1 and 999."
        case "value_error" if "valid email address" in str(error.get("msg")):
            # email-validator's wording ("must have an @-sign") names its own checks.
            return "Please enter an email address like name@example.org."
    return str(error["msg"]).removeprefix("Value error, ")
