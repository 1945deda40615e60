"""Every address is answered by the route Starlette's walk over all routes would choose, though
a request only tries the routes of its first path segment (app/web/routing.py)."""

import re
from collections.abc import Iterator

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match, Mount

from app.main import create_app
from app.web.csrf import require_csrf
from app.web.routing import IndexedRouter


def _example(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "7", path)


def _first_full(routes: list[BaseRoute], scope: dict) -> BaseRoute | None:
    return next((r for r in routes if r.matches(scope)[0] is Match.FULL), None)


def test_each_address_reaches_the_route_the_full_walk_chooses() -> None:
    app = create_app()
    router = app.router
    assert isinstance(router, IndexedRouter)
    assert router.middleware_stack == router.app  # requests go through the index
    addresses = {_example(getattr(r, "path", "/")) for r in router.routes}
    addresses |= {a + "/" for a in addresses} | {"/static/app.css", "/no-such-page", "/"}
    checked = 0
    for address in sorted(addresses):
        for method in ("GET", "POST"):
            scope = {"type": "http", "method": method, "path": address, "root_path": ""}
            walked = _first_full(router.routes, scope)
            assert _first_full(router._candidates(address), scope) is walked, (method, address)
            checked += walked is not None
    assert checked > 100  # the app's routes were found, not only refusals
    assert any(isinstance(r, Mount) for r in router.routes)


def _calls(dependant: Dependant) -> Iterator[object]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def test_only_routes_that_change_something_pay_for_the_csrf_check() -> None:
    reading, writing = [], []
    for route in create_app().router.routes:
        if isinstance(route, APIRoute):
            checks = require_csrf in set(_calls(route.dependant))
            (writing if route.methods - {"GET", "HEAD", "OPTIONS"} else reading).append(checks)
    assert len(reading) > 50 and not any(reading)
    assert sum(writing) > 50  # which must, and that they refuse forgery: tests/web/test_csrf.py
