"""Refuse state-changing requests and websockets that a page on another site started.

A page on any site can make a visitor's browser POST a form (multipart, no preflight) or
open a websocket to http://127.0.0.1:8000: without this check it could start runs, import
models or watch a run. Browsers say where a request comes from (`Origin`, and
`Sec-Fetch-Site` on modern ones); programs such as curl send neither and are not affected.
Allowed: no Origin and no cross-site Sec-Fetch-Site, an Origin whose host is the one the
request was sent to, or an Origin in CNNPG_ALLOWED_ORIGINS.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class CrossOrigin:
    def __init__(self, app: ASGIApp, allowed: Iterable[str] = ()):
        self.app = app
        self.allowed = {origin.rstrip("/").lower() for origin in allowed}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        checked = scope["type"] == "websocket" or (
            scope["type"] == "http" and scope["method"] not in SAFE_METHODS)
        reason = self.refusal(scope) if checked else None
        if reason is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": reason[:120]})
        else:
            body = json.dumps({"detail": [{"loc": ["header", "origin"], "msg": reason,
                                           "type": "cross_origin"}]}).encode()
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

    def refusal(self, scope: Scope) -> str | None:
        """Why the request is refused, or None when it may go on."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        origin = headers.get("origin")
        host = headers.get("host", "").lower()
        if origin is None:
            site = headers.get("sec-fetch-site", "")
            if site in ("cross-site", "same-site"):
                return (f"refused a {site} request without an Origin header; pages on other "
                        "sites cannot change things here")
            return None
        if origin.rstrip("/").lower() in self.allowed:
            return None
        netloc = urlsplit(origin).netloc.lower() if origin != "null" else ""
        if netloc and netloc == host:
            return None
        return (f"refused a request from the page at Origin {origin!r}: it is not this "
                f"server ({host or 'unknown host'}), and pages on other sites cannot change "
                "things here; to allow that site, add it to CNNPG_ALLOWED_ORIGINS")
