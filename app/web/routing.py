"""Routing that costs little per request.

Starlette tries the app's routes in order until one matches, so every request pays for each
route ahead of its own. Two things made that the largest fixed cost of a request (150 routes;
``/bench/minimal``, the last, spent a quarter of its CPU choosing its route):

- ``include_router`` keeps each router as a nested inclusion that FastAPI walks per request,
  with bookkeeping in the scope for every route it tries. ``include_flat`` adds the router's
  routes to the app's own router instead, as ``add_api_route`` would (the same paths, names,
  dependencies and OpenAPI details; overrides in ``app.dependency_overrides`` apply).
- ``PrefixRoute`` refuses a path that does not start with the literal part of its template (up
  to the first ``{``) before running its regular expression: a necessary condition for a match,
  so which route answers never changes, only how fast the others say no.
"""

from fastapi import FastAPI
from fastapi.routing import APIRoute, APIRouter
from starlette.routing import Match
from starlette.types import Scope


class PrefixRoute(APIRoute):
    def __init__(self, path: str, *args: object, **kwargs: object) -> None:
        super().__init__(path, *args, **kwargs)  # type: ignore[arg-type]
        self.literal = path.split("{", 1)[0]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # Behind a root_path the route's path is not scope["path"]: let Starlette work it out.
        if (
            scope["type"] == "http"
            and not scope.get("root_path")
            and not scope["path"].startswith(self.literal)
        ):
            return Match.NONE, {}
        return super().matches(scope)


_classes: dict[type[APIRoute], type[APIRoute]] = {APIRoute: PrefixRoute}


def _prefixed(route_class: type[APIRoute]) -> type[APIRoute]:
    """The route's own class (one that adds headers, say) with the prefix check in front."""
    if route_class not in _classes:
        name = f"Prefix{route_class.__name__}"
        _classes[route_class] = type(name, (PrefixRoute, route_class), {})
    return _classes[route_class]


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
            dependencies=route.dependencies,  # the router's own come first, already merged
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
