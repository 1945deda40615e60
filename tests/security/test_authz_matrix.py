"""Authorization matrix: every route of the app x every role, against its own or a foreign object.

Routes are read from ``create_app()``; a route missing from RULES fails, so a new route cannot
slip in untested. Outcome classes: ok (authorization passed; the request may still be refused as
invalid), login (401 or a redirect to /login), forbidden (403), missing (404).
"""

import json
import os
import re

import pytest

from app.main import create_app
from tests.security.rules import EXPECTED, PARAMS, ROLES, expected_for
from tests.security.world import browser, build
from tests.support.routes import flat_routes

METHODS = ("GET", "POST", "PATCH")


def app_routes() -> list[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in flat_routes(create_app().routes):
        methods = getattr(route, "methods", None)
        if not methods:  # static mounts
            continue
        for method in set(methods) & set(METHODS):
            found.add((method, route.path))
    return sorted(found, key=lambda item: (item[1], item[0]))


ROUTES = app_routes()


def outcome(response) -> str:
    status = response.status_code
    if status >= 500 and status != 503:
        return f"error {status}"
    if status == 401 or (
        300 <= status < 400 and response.headers.get("location", "").startswith("/login")
    ):
        return "login"
    return {403: "forbidden", 404: "missing", 503: "unavailable"}.get(status, "ok")


def fill(path: str, ids: dict[str, str]) -> str:
    overrides = PARAMS.get(path, {})

    def value(match: re.Match) -> str:
        name = match.group(1)
        return overrides.get(name) or ids.get(name) or PARAMS["*"][name]

    return re.sub(r"{(\w+)(?::\w+)?}", value, path)


def test_every_route_has_a_rule() -> None:
    unknown = [f"{m} {p}" for m, p in ROUTES if f"{m} {p}" not in EXPECTED]
    stale = sorted(set(EXPECTED) - {f"{m} {p}" for m, p in ROUTES})
    print(f"\nauthorization matrix: {len(ROUTES)} routes x {len(ROLES)} roles")
    assert not unknown, f"routes without an authorization rule: {unknown}"
    assert not stale, f"rules for routes that no longer exist: {stale}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_route_role(web_app, db, method: str, path: str, role: str) -> None:
    key = f"{method} {path}"
    world = build(db)
    user = None if role == "anonymous" else world.users[role]
    client = browser(web_app, db, user)
    url = fill(path, world.ids)
    if method == "GET":
        response = client.get(url, follow_redirects=False)
    elif method == "PATCH":
        response = client.patch(url, json={}, follow_redirects=False)
    else:
        response = client.post(url, data={}, follow_redirects=False)
    got = outcome(response)
    if os.environ.get("OUTCRY_AUTHZ_OBSERVE"):
        with open(os.environ["OUTCRY_AUTHZ_OBSERVE"], "a") as out:
            out.write(json.dumps([key, role, got, response.status_code]) + "\n")
        return
    assert key in EXPECTED, f"{key} has no authorization rule"
    want = expected_for(key, role)
    assert got in want, f"{key} as {role}: got {got} ({response.status_code}), want {want}"
