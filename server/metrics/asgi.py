"""ASGI middleware: every HTTP request counted and timed by route template, method and
status class; websockets open now, by kind.

The route template (`/api/models/{model_id}/predict`, never the raw path) is the one the
router matched (`scope["route"]`). A request answered before routing (a refused host, a
rate limit) is matched here against the app's routes; a path no route takes is `unmatched`,
and methods outside the usual ones are `other`, so no client can mint new series.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.metrics.registry import Metrics

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    if route is None:  # answered before the router ran: match it here (refusals only)
        route = _match(scope)
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


def _match(scope: Scope) -> Any:
    partial = None
    for route in _routes(scope.get("app")):
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return route
        if match == Match.PARTIAL and partial is None:
            partial = route  # the path is a route's; the method is not (405)
    return partial


def _routes(app: Any) -> list[Any]:
    """The app's routes, flat: FastAPI keeps an included router as one entry (its
    `original_router` holds the routes). Made once per app."""
    state = getattr(app, "state", None)
    flat: list[Any] | None = getattr(state, "flat_routes", None)
    if flat is None:
        flat, todo = [], list(getattr(getattr(app, "router", None), "routes", ()))
        while todo:
            route = todo.pop(0)
            inner = getattr(getattr(route, "original_router", None), "routes", None)
            if inner is not None:
                todo[:0] = inner
            elif isinstance(getattr(route, "path", None), str):
                flat.append(route)
        if state is not None:
            state.flat_routes = flat
    return flat


def socket_kind(template: str) -> str:
    """/ws/runs/{run_id} -> "runs"."""
    parts = template.split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "ws" else "other"


class RequestMetrics:
    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app = app
        self.metrics = metrics
        # The labelled children, looked up once (`labels()` takes a lock and builds a key).
        self.series: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500  # an exception before the answer started is a server error

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            labels = (route_template(scope), method, f"{status // 100}xx")
            series = self.series.get(labels)
            if series is None:  # bounded: routes x methods x status classes
                series = self.series[labels] = (self.metrics.requests.labels(*labels),
                                                self.metrics.latency.labels(*labels))
            series[0].inc()
            series[1].observe(time.perf_counter() - started)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        gauge = None

        async def sending(message: Message) -> None:
            nonlocal gauge
            await send(message)
            if message["type"] == "websocket.accept" and gauge is None:
                gauge = self.metrics.sockets.labels(socket_kind(route_template(scope)))
                gauge.inc()

        try:
            await self.app(scope, receive, sending)
        finally:
            if gauge is not None:
                gauge.dec()
