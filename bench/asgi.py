"""Calling an ASGI app in this process, with no socket: what the in-process benchmarks time."""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping, Sequence
from typing import Any


async def call(app: Any, method: str, path: str, *, query: bytes = b"", body: bytes = b"",
               headers: Sequence[tuple[bytes, bytes]] = (), peer: str = "127.0.0.1") -> int:
    """One request through the app, its body in one message; returns the answer's status."""
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query,
        "root_path": "", "client": (peer, 40000), "server": ("127.0.0.1", 8000),
        "headers": [(b"host", b"127.0.0.1:8000"), *headers]}
    status, sent = 0, False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:  # asked again only while waiting for a disconnect, after the answer
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status
