"""The app's routes are matched in order, and prediction comes first (server/main.py): no
route may take a path and method that belongs to a route registered after it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match

from server.config import Settings
from server.main import create_app


def flat(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    """The routes in the order a request meets them (included routers opened)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from flat(inner.routes)
        else:
            yield route


def example_path(template: str) -> str:
    """A concrete path for a route template: every parameter given a plain value."""
    return re.sub(r"\{(\w+)(:path)?\}", lambda m: "a/b" if m.group(2) else "p1", template)


def scope(path: str, method: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "",
            "query_string": b"", "headers": []}


@pytest.fixture(scope="module")
def routes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[BaseRoute]]:
    app = create_app(Settings(models_dir=tmp_path_factory.mktemp("models"),
                              warm_start=False, warm_workers=1))
    try:
        yield list(flat(app.routes))
    finally:
        app.state.services.close()


def test_every_api_route_is_the_first_to_take_its_own_path_and_method(
        routes: list[BaseRoute]) -> None:
    api = [r for r in routes if isinstance(r, APIRoute)]
    assert len(api) > 50  # every router of the app, not an empty list
    taken = []
    for route in api:
        for method in sorted(route.methods or {"GET"}):
            s = scope(example_path(route.path), method)
            first = next(r for r in routes if r.matches(s)[0] == Match.FULL)
            if first is not route:
                taken.append(f"{method} {route.path} goes to {getattr(first, 'path', first)}")
    assert taken == []


def test_the_prediction_routes_are_met_first(routes: list[BaseRoute]) -> None:
    """The order server/main.py chose for speed: a classification request is matched
    against the prediction routes before any other."""
    s = scope(example_path("/api/models/{model_id}/predict"), "POST")
    met = next(i for i, r in enumerate(routes) if r.matches(s)[0] != Match.NONE)
    assert met <= 2, [getattr(r, "path", r) for r in routes[:met + 1]]
