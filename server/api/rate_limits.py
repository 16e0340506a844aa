"""Rate limits per client address: new sessions, room joins and code look-ups, uploads and
run starts (docs/security.md "Rate limits").

One table says which requests count against which limit (method and path; a request that
makes a new session counts against "sessions" too), so the routes stay as they are. Each
limit is one or more moving windows of the `limits` library ("20/second;120/minute": a
burst cap and a sustained cap; `limits` has no token bucket, and two windows behave like
one: a burst of 20, then 2 a second). Over a limit: 429 with `Retry-After` (whole seconds)
and the usual error body; a browser opening a page gets a small page that reloads itself
after that many seconds; a websocket is accepted, sent an `error` message and closed with
4429 (its page reconnects later by itself).

The address is the connection's peer, or what a trusted proxy says it is (uvicorn's
ProxyHeadersMiddleware, wrapped around the app in create_app). IPv6 addresses count by their
/64 network: one machine usually holds a whole /64.

Several API replicas share the counters in Redis (CNNPG_REDIS_URL, or CNNPG_RATE_STORAGE);
when Redis is unreachable each replica counts in its own memory until it is back
(docs/scale-out.md "Rate limits across replicas").
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from time import monotonic  # not through `time`: tests stand a clock in for time.time

from anyio.to_thread import run_sync
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, MovingWindowSupport, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from server.classroom.sessions import route_path
from server.i18n.busy_page import busy_page

log = logging.getLogger("cnn_playground")

# (method, path pattern, limit). "WEBSOCKET" is a websocket handshake.
RULES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, re.compile(pattern), name) for method, pattern, name in (
        ("POST", r"/api/sessions", "sessions"),
        ("POST", r"/api/rooms/[^/]+/join", "joins"),
        ("GET", r"/api/rooms/[^/]+", "joins"),
        ("HEAD", r"/api/rooms/[^/]+", "joins"),
        ("WEBSOCKET", r"/ws/rooms/[^/]+", "joins"),
        ("POST", r"/api/images", "uploads"),
        ("POST", r"/api/models/import", "uploads"),
        ("POST", r"/api/runs", "runs"),
    ))
# What each limit counts, in words, and the setting that sets it.
WHAT = {"sessions": ("new sessions", "CNNPG_RATE_SESSIONS"),
        "joins": ("room joins and room look-ups", "CNNPG_RATE_JOINS"),
        "uploads": ("uploads", "CNNPG_RATE_UPLOADS"),
        "runs": ("training runs started", "CNNPG_RATE_RUNS")}
CLOSE_CODE = 4429


def client_address(connection: HTTPConnection) -> str:
    """The address of whoever sent a request or opened a websocket: the peer, or the client
    a trusted proxy named in X-Forwarded-For (CNNPG_TRUSTED_PROXIES)."""
    return connection.client.host if connection.client else "unknown"


def address_key(host: str) -> str:
    """What limits count by: the IPv4 address, or the /64 network of an IPv6 one."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass(frozen=True)
class Refusal:
    name: str  # the limit: "sessions", "joins", "uploads" or "runs"
    limit: RateLimitItem  # the window that is full
    retry_after: int  # whole seconds until one more request fits


class RateLimiter:
    """The counters, behind one small class: `limits`' moving windows in its storage
    (memory here; Redis or another shared storage when several servers share the limits).

    A shared storage that fails or does not answer within `timeout` seconds never fails a
    request: the limiter counts in this process's memory instead (each replica then allows
    the full limit on its own, still a bound) and asks the shared storage again after
    `retry_after` seconds. One warning when the storage goes away, one line when it is back.
    """

    def __init__(self, storage_uri: str, limits: Mapping[str, str], timeout: float = 0.5,
                 retry_after: float = 5.0):
        options: dict[str, float | str | bool] = {}
        if storage_uri.startswith(("redis", "valkey")):  # a bounded wait, never a hang
            options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
        try:
            self.storage = storage_from_string(storage_uri, **options)
        except Exception as exc:  # a missing driver, a malformed address
            raise ValueError(f"CNNPG_RATE_STORAGE={redact(storage_uri)!r} cannot be used: "
                             f"{exc}") from exc
        if not isinstance(self.storage, MovingWindowSupport):
            raise ValueError(f"CNNPG_RATE_STORAGE={redact(storage_uri)!r} cannot keep moving "
                             "windows; use memory:// or redis://")
        self.windows = MovingWindowRateLimiter(self.storage)
        self.limits = {name: parse_many(text) for name, text in limits.items() if text.strip()}
        self.in_process = isinstance(self.storage, MemoryStorage)
        self.where = redact(storage_uri)
        self.retry_after = retry_after
        self.local: MovingWindowRateLimiter | None = None  # made at the first failure
        self.down_until: float | None = None  # monotonic; None: the shared storage is up

    async def check(self, names: Iterable[str], key: str) -> Refusal | None:
        """Count one request against every named limit; a Refusal if any is full (then
        nothing is counted)."""
        names = [name for name in names if name in self.limits]
        if not names:
            return None
        if self.in_process:  # microseconds, under a lock: no need to leave the event loop
            return self._check(self.windows, names, key)
        if self.down_until is not None and monotonic() < self.down_until:
            return self._check(self._local(), names, key)
        try:
            refusal = await run_sync(self._check, self.windows, names, key)
        except Exception as exc:
            if self.down_until is None:
                log.warning("rate limit storage %s failed (%s): counting in this server's "
                            "memory until it answers again, asked every %g s", self.where,
                            short_error(exc), self.retry_after)
            self.down_until = monotonic() + self.retry_after
            return self._check(self._local(), names, key)
        if self.down_until is not None:
            self.down_until = None
            log.warning("rate limit storage %s answers again: counting there", self.where)
        return refusal

    def _local(self) -> MovingWindowRateLimiter:
        if self.local is None:
            self.local = MovingWindowRateLimiter(MemoryStorage())
        return self.local

    def _check(self, windows: MovingWindowRateLimiter, names: list[str],
               key: str) -> Refusal | None:
        items = [(name, item) for name in names for item in self.limits[name]]
        full = [(name, item) for name, item in items if not windows.test(item, name, key)]
        if not full:
            hit = [(name, item) for name, item in items if not windows.hit(item, name, key)]
            if not hit:
                return None
            full = hit  # another request took the last place in between
        now = time.time()
        waits = [(windows.get_window_stats(item, name, key).reset_time - now, name, item)
                 for name, item in full]
        wait, name, item = max(waits, key=lambda w: w[0])
        # A window counts a hit made exactly `expiry` ago: the place is free only after.
        return Refusal(name, item, max(1, math.floor(wait) + 1))


def storage_uri(rate_storage: str, redis_url: str, explicit: bool) -> str:
    """Where the counters live: CNNPG_RATE_STORAGE when it is set, else CNNPG_REDIS_URL
    when that is (the same Redis as the hub; `unix://` in `limits`' spelling), else memory."""
    if explicit or not redis_url:
        if redis_url and rate_storage.startswith("memory"):
            log.warning("CNNPG_RATE_STORAGE=%s is set: each server counts rate limits on its "
                        "own, not in CNNPG_REDIS_URL's Redis (%s)", rate_storage,
                        redact(redis_url))
        return rate_storage
    return "redis+" + redis_url if redis_url.startswith("unix://") else redis_url


def redact(uri: str) -> str:
    """The address without its password, for messages and logs."""
    return re.sub(r"(://)[^@/]*@", r"\1***@", uri)


def short_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def _names(scope: Scope, path: str, mints: bool) -> set[str]:
    method = "WEBSOCKET" if scope["type"] == "websocket" else scope["method"]
    names = {name for m, pattern, name in RULES if m == method and pattern.fullmatch(path)}
    if mints:  # health probes and predictions make no session (sessions.PASSING)
        names.add("sessions")
    return names


class RateLimits:
    """ASGI middleware: counts each request against the limits the table gives it."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, mints: Callable[[Scope], bool]):
        """mints(scope): whether this request will be given a new session."""
        self.app = app
        self.limiter = limiter
        self.mints = mints

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not self.limiter.limits:
            await self.app(scope, receive, send)
            return
        names = _names(scope, route_path(scope), self.mints(scope))
        if not names:  # most requests: no limit counts them
            await self.app(scope, receive, send)
            return
        address = client_address(HTTPConnection(scope))
        refusal = await self.limiter.check(sorted(names), address_key(address))
        if refusal is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await _close_socket(receive, send, refusal, address)
        else:
            await _answer(scope, send, refusal, address)


def message(refusal: Refusal, address: str) -> str:
    what, setting = WHAT[refusal.name]
    return (f"too many {what} from your address ({address[:60]}): the limit is "
            f"{refusal.limit} (setting {setting}); wait {refusal.retry_after} s and try "
            "again")


def detail(refusal: Refusal, address: str) -> list[dict[str, object]]:
    return [{"loc": ["client"], "msg": message(refusal, address), "type": "rate_limited"}]


async def _answer(scope: Scope, send: Send, refusal: Refusal, address: str) -> None:
    headers = dict(scope.get("headers", []))
    if scope["method"] == "GET" and b"text/html" in headers.get(b"accept", b""):
        body = busy_page(refusal.name, refusal.retry_after,
                         scope.get("query_string", b"").decode("latin-1"),
                         headers.get(b"cookie", b"").decode("latin-1"),
                         headers.get(b"accept-language", b"").decode("latin-1")).encode()
        kind = b"text/html; charset=utf-8"
    else:
        body = json.dumps({"detail": detail(refusal, address)}).encode()
        kind = b"application/json"
    await send({"type": "http.response.start", "status": 429, "headers": [
        (b"content-type", kind), (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(refusal.retry_after).encode()), (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})


async def _close_socket(receive: Receive, send: Send, refusal: Refusal, address: str) -> None:
    """Accepted, so that the page sees the reason: an `error` message, then close 4429."""
    if (await receive())["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    error = {"type": "error", "status": 429, "retry_after": refusal.retry_after,
             "detail": detail(refusal, address)}
    await send({"type": "websocket.send", "text": json.dumps(error)})
    reason = f"too many {WHAT[refusal.name][0]}; wait {refusal.retry_after} s"
    await send({"type": "websocket.close", "code": CLOSE_CODE, "reason": reason[:120]})
