"""Routing that costs little per request.

Starlette tries the app's routes in order until one matches, so every request pays for each
route ahead of its own. Two things made that the largest fixed cost of a request (150 routes;
``/bench/minimal``, the last, spent a quarter of its CPU choosing its route):

- ``include_router`` keeps each router as a nested inclusion that FastAPI walks per request,
  with bookkeeping in the scope for every route it tries. ``include_flat`` adds the router's
  routes to the app's own router instead, as ``add_api_route`` would (the same paths, names,
  dependencies and OpenAPI details; overrides in ``app.dependency_overrides`` apply).
- ``PrefixRoute`` refuses a path that does not start with the literal part of its template (up
  to the first ``{``), or that its regular expression does not match, before FastAPI's own
  check (which does more for each route it tries): necessary conditions for a match, so which
  route answers never changes, only how fast the others say no.
- ``index_routes`` then spares a request even those refusals: the routes are grouped by the
  first segment of their literal part, and a request tries only its segment's group and the
  routes whose first segment is a parameter, in the app's order. A route outside both cannot
  match (its literal part is not a prefix of the path), so the first full match is the one
  Starlette's walk would find. Anything else (no full match: 405, a redirect to the slash, 404)
  falls back to the whole walk.
"""

import functools
import inspect
from typing import Any

from fastapi import FastAPI, params
from fastapi.routing import APIRoute, APIRouter, _apply_router_form_limits, _update_scope
from fastapi.telemetry._api import _route_selected
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import Receive, Scope, Send

from app.db import end_read, get_session
from app.web.csrf import require_csrf

_SAFE = {"GET", "HEAD", "OPTIONS"}


class PrefixRoute(APIRoute):
    def __init__(self, path: str, *args: object, **kwargs: object) -> None:
        super().__init__(path, *args, **kwargs)  # type: ignore[arg-type]
        self.literal = path.split("{", 1)[0]
        _end_reads_in_the_route(self)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # Behind a root_path the route's path is not scope["path"]: let Starlette work it out.
        if (
            scope["type"] == "http"
            and not scope.get("root_path")
            and (
                not scope["path"].startswith(self.literal)
                or self.path_regex.match(scope["path"]) is None
            )
        ):
            return Match.NONE, {}
        return super().matches(scope)


def _end_reads_in_the_route(route: APIRoute) -> None:
    """A sync route that only reads ends its transaction in its own thread once it has its
    answer (``db.end_read``), not in another thread hop after it: on PostgreSQL that hop,
    only to send COMMIT, was a tenth of a rep's page. Not for a streamed answer, which may
    still read as it is sent, nor for a returned model, serialized after the route."""
    call = route.dependant.call
    if call is None or inspect.iscoroutinefunction(call) or not (route.methods or set()) <= _SAFE:
        return
    name = next((d.name for d in route.dependant.dependencies if d.call is get_session), None)
    if name is None:
        return

    @functools.wraps(call)
    def ending_its_read(**values: Any) -> Any:
        answer = call(**values)
        if isinstance(answer, Response) and not isinstance(answer, StreamingResponse):
            end_read(values[name])
        return answer

    route.dependant.call = ending_its_read


_classes: dict[type[APIRoute], type[APIRoute]] = {APIRoute: PrefixRoute}


def _prefixed(route_class: type[APIRoute]) -> type[APIRoute]:
    """The route's own class (one that adds headers, say) with the prefix check in front."""
    if route_class not in _classes:
        name = f"Prefix{route_class.__name__}"
        _classes[route_class] = type(name, (PrefixRoute, route_class), {})
    return _classes[route_class]


def _needed(route: APIRoute) -> list[params.Depends]:
    """The route's dependencies, less the CSRF check on a route that only reads: it returns at
    once for those methods, yet costs the dependency machinery on every request."""
    if route.methods and route.methods <= _SAFE:
        return [d for d in route.dependencies if d.dependency is not require_csrf]
    return list(route.dependencies)


def include_flat(app: FastAPI, router: APIRouter) -> None:
    """``app.include_router(router)`` for a router of plain API routes, added flat."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"{route!r} is not an API route; include its router normally")
        app.router.add_api_route(
            route.path,
            route.endpoint,
            response_model=route.response_model,
            status_code=route.status_code,
            tags=route.tags,
            dependencies=_needed(route),  # the router's own come first, already merged
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses=route.responses,
            deprecated=route.deprecated,
            methods=route.methods,
            operation_id=route.operation_id,
            response_model_include=route.response_model_include,
            response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            response_model_exclude_none=route.response_model_exclude_none,
            include_in_schema=route.include_in_schema,
            response_class=route.response_class,
            name=route.name,
            route_class_override=_prefixed(type(route)),
            callbacks=route.callbacks,
            openapi_extra=route.openapi_extra,
            generate_unique_id_function=route.generate_unique_id_function,
            strict_content_type=route.strict_content_type,
            max_body_size=route.max_body_size,
            form_limits=route.form_limits,
        )


_WILD = "\x00"  # the group of routes whose first segment is (or holds) a parameter


def _first_segment(route: BaseRoute) -> str:
    """The group a route belongs to: its literal first segment, or ``_WILD``."""
    if isinstance(route, PrefixRoute):
        literal, whole = route.literal, route.path
    elif isinstance(route, Mount):
        literal, whole = route.path + "/", route.path + "/"
    else:
        return _WILD
    rest = literal[1:]
    if "/" in rest:
        return rest.split("/", 1)[0]
    return rest if literal == whole else _WILD  # "/{slug}" or "/x{y}": not literal


class IndexedRouter(APIRouter):
    """The app's router with its routes grouped by first segment (see the module docstring)."""

    _index: tuple[int, dict[str, list[BaseRoute]], list[BaseRoute]] | None = None

    def _candidates(self, path: str) -> list[BaseRoute]:
        index = self._index
        if index is None or index[0] != len(self.routes):  # routes added since: group again
            groups: dict[str, list[BaseRoute]] = {}
            wild: list[BaseRoute] = []
            for route in self.routes:
                segment = _first_segment(route)
                if segment == _WILD:
                    wild.append(route)
                    for members in groups.values():
                        members.append(route)
                else:
                    groups.setdefault(segment, list(wild)).append(route)
            index = self._index = (len(self.routes), groups, wild)
        return index[1].get(path[1:].split("/", 1)[0], index[2])

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            for route in self._candidates(scope["path"]):
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    # What APIRouter.app does on its first full match.
                    _apply_router_form_limits(scope, self.form_limits)
                    scope.setdefault("router", self)
                    _update_scope(scope, child_scope)
                    _route_selected(
                        scope=scope,
                        path=getattr(route, "path_format", None),
                        mount=isinstance(route, Mount),
                    )
                    await route.handle(scope, receive, send)
                    return
        await super().app(scope, receive, send)


def index_routes(app: FastAPI) -> None:
    """Route ``app``'s requests through ``IndexedRouter`` (once its routes are added)."""
    router = app.router
    plain = router.middleware_stack == router.app  # the router calls this, bound at its birth
    router.__class__ = IndexedRouter
    if plain:
        router.middleware_stack = router.app
