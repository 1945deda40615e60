"""The app's route table, flattened through its mounted routers."""

from collections.abc import Iterator
from typing import Any


def flat_routes(routes) -> Iterator[Any]:
    for route in routes:
        if hasattr(route, "effective_route_contexts"):  # FastAPI's included routers
            yield from route.effective_route_contexts()
        elif hasattr(route, "routes") and not hasattr(route, "methods"):
            yield from flat_routes(route.routes)
        else:
            yield route
