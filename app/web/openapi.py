"""The API schema says what the server really answers: every error is an RFC 9457 problem
(``application/problem+json``), and any request can be refused with 400 before it reaches its
route (a NUL character in the address, a form that is not UTF-8: app/web/middleware.py).
Schemathesis against a running server checks both (tests/security/test_schemathesis_live.py)."""

from typing import Any

from fastapi import FastAPI

PROBLEM = {"schema": {"$ref": "#/components/schemas/Problem"}}
MALFORMED = {"description": "Malformed request", "content": {"application/problem+json": PROBLEM}}
UNSUPPORTED = {
    "description": "The body is not JSON",
    "content": {"application/problem+json": PROBLEM},
}


def _as_problems(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    responses.setdefault("400", MALFORMED)
    if "requestBody" in operation:  # a body that is not JSON (app/routes/api.py:require_json)
        responses.setdefault("415", UNSUPPORTED)
    for status, response in responses.items():
        content = response.get("content", {})
        if status[0] in "45" and content:
            response["content"] = {"application/problem+json": PROBLEM}


def install(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for path, operations in schema.get("paths", {}).items():
                if path.startswith("/api/"):
                    for operation in operations.values():
                        _as_problems(operation)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
