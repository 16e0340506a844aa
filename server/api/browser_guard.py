"""Browser hardening on every response: a Host allow-list and security headers.

Host allow-list. A page on evil.example can make its own name resolve to 127.0.0.1 (DNS
rebinding); the browser then treats this server as evil.example's own origin, and the
cross-origin check sees a matching Origin. The one thing such a request cannot fake is the
`Host` it sends: the attacker's name. So requests and websockets whose Host is not one this
server answers to are refused (400 / close 1008). Allowed: the loopback names, any IP
literal (a teacher serving http://192.168.1.20:8000 needs no setting; rebinding needs a
name), the host of CNNPG_PUBLIC_URL, and CNNPG_ALLOWED_HOSTS.

Headers. Pages load only our own scripts (a CSP without inline script), may not be framed
by other sites, are not sniffed into another type, and send no Referer elsewhere.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOOPBACK = {"localhost", "127.0.0.1", "::1"}
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; connect-src 'self'; media-src 'self' blob:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"x-frame-options", b"SAMEORIGIN"), (b"referrer-policy", b"same-origin"),
           (b"cross-origin-opener-policy", b"same-origin")]


def host_name(host: str) -> str:
    """'Example.org:8000' -> 'example.org'; '[::1]:8000' -> '::1'."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def allowed_hosts(extra: Iterable[str], public_url: str) -> set[str]:
    names = set(LOOPBACK) | {host_name(h) for h in extra if h.strip()}
    if public_url:
        names.add(host_name(urlsplit(public_url).netloc))
    return names


class BrowserGuard:
    def __init__(self, app: ASGIApp, hosts: set[str]):
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = next((v.decode("latin-1") for k, v in scope.get("headers", [])
                     if k == b"host"), "")
        name = host_name(host)
        if name not in self.hosts and not is_ip(name):
            await self._refuse(scope, send, host)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)

    async def _refuse(self, scope: Scope, send: Send, host: str) -> None:
        shown = host[:80] or "(none)"
        reason = (f"Host {shown!r} is not a name this server answers to; open it by its "
                  "address or a name in CNNPG_ALLOWED_HOSTS (or CNNPG_PUBLIC_URL)")
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": reason[:120]})
            return
        body = json.dumps({"detail": [{"loc": ["header", "host"], "msg": reason,
                                       "type": "host_not_allowed"}]}).encode()
        await send({"type": "http.response.start", "status": 400,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()), *HEADERS]})
        await send({"type": "http.response.body", "body": body})
