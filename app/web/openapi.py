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
    if "requestBody" in operation:  # a body that is not JSON (app/routes/api/v1.py:require_json)
        responses.setdefault("415", UNSUPPORTED)
    for status, response in responses.items():
        content = response.get("content", {})
        if status[0] in "45" and content:
            response["content"] = {"application/problem+json": PROBLEM}


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def only_the_api(schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON API and the webhooks only: pages, forms, /dev and /admin are not an API, and
    the schemas only they used go with them."""
    schema["paths"] = {p: ops for p, ops in schema.get("paths", {}).items() if p.startswith(API)}
    schemas = schema.get("components", {}).get("schemas", {})
    used: set[str] = set()
    _refs({"paths": schema["paths"], "webhooks": schema.get("webhooks", {})}, used)
    pending = list(used)
    while pending:  # schemas referenced by schemas
        found: set[str] = set()
        _refs(schemas.get(pending.pop(), {}), found)
        pending += list(found - used)
        used |= found
    if schemas:
        schema["components"]["schemas"] = {k: v for k, v in schemas.items() if k in used}
    return schema


API = "/api/v1/"


def install(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schema["paths"] = {
                p: ops for p, ops in schema.get("paths", {}).items() if p.startswith(API)
            }
            for operations in schema["paths"].values():
                for operation in operations.values():
                    _as_problems(operation)
            app.openapi_schema = only_the_api(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
