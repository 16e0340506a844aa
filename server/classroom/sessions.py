"""Anonymous sessions: who owns a run, an upload or a model, without any sign-up.

A session is a random id. Its token is `v1.<id>.<HMAC-SHA256 of "v1.<id>" with the server's
secret>`: the server stores nothing per session, and a token that does not verify (forged,
cut short, or signed by another server's secret) is worthless. Browsers carry the token in
the `cnnpg_session` cookie (HttpOnly, SameSite=Lax), set on the first response; programs get
one from POST /api/sessions and send `Authorization: Bearer <token>`.

A bad bearer token is refused (401): a program asked for that identity and must know it
failed. A bad cookie is replaced by a new session: a browser whose server changed its secret
simply starts afresh. Neighbouring cookies cannot break this: the Cookie header is split by
hand, junk is skipped, and of several `cnnpg_session` cookies (another app on this host
sets one too: cookies are not kept apart by port) the first that verifies is used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "cnnpg_session"
COOKIE_AGE = 365 * 24 * 3600
VERSION = "v1"
# Cookies named cnnpg_session checked per request (an HMAC each, about 6 us): a browser
# keeps at most ~180 cookies per site, so a neighbour cannot push ours past this; a header
# stuffed with thousands costs no more than ~1 ms.
MAX_CANDIDATES = 200
log = logging.getLogger("cnn_playground")


@dataclass(frozen=True)
class Identity:
    session_id: str
    auth: str  # "cookie", "bearer", or "none" (a passing request: see PASSING)


def new_id() -> str:
    """A session id no one has: it owns nothing until something is made with it."""
    return f"s-{secrets.token_hex(12)}"


class Signer:
    def __init__(self, secret: bytes):
        if len(secret) < 16:
            raise ValueError("the session secret must be at least 16 bytes")
        self.secret = secret

    def _mac(self, session_id: str) -> str:
        digest = hmac.new(self.secret, f"{VERSION}.{session_id}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")

    def mint(self) -> tuple[str, str]:
        """A new session: (its id, its token)."""
        session_id = new_id()
        return session_id, self.token(session_id)

    def token(self, session_id: str) -> str:
        return f"{VERSION}.{session_id}.{self._mac(session_id)}"

    def verify(self, token: str) -> str | None:
        """The session id of a genuine token, else None (compared in constant time)."""
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != VERSION or not parts[1].startswith("s-"):
            return None
        if (len(parts[1]) > 64 or not token.isascii()
                or not hmac.compare_digest(self._mac(parts[1]).encode(), parts[2].encode())):
            return None
        return parts[1]


def load_secret(configured: str, folder: Path) -> bytes:
    """The configured secret, else the one kept in <folder>/.session-secret (created once,
    mode 0600, so sessions survive restarts), else a fresh one for this process."""
    if configured:
        return configured.encode()
    path = folder / ".session-secret"
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        pass
    secret = secrets.token_bytes(32)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temp = folder / f".session-secret-{secrets.token_hex(4)}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as stream:
            stream.write(secret.hex())
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except OSError as exc:  # a read-only models folder: sessions last as long as the process
        log.warning("could not keep the session secret in %s (%s); sessions end when the "
                    "server stops (set CNNPG_SESSION_SECRET to keep them)", path, exc)
    return secret


def _headers(scope: Scope) -> dict[str, str]:
    """Header name -> value; several Cookie headers (as HTTP/2 sends them) are joined."""
    headers: dict[str, str] = {}
    for key, raw in scope["headers"]:
        name, value = key.decode("latin-1").lower(), raw.decode("latin-1")
        joined = name == "cookie" and name in headers
        headers[name] = f"{headers[name]}; {value}" if joined else value
    return headers


def cookie_values(header: str, limit: int = MAX_CANDIDATES) -> list[str]:
    """Every `cnnpg_session` value in a Cookie header, in order (at most `limit`). Parsed by
    hand, not with SimpleCookie: a neighbouring app's malformed cookie (stray quotes, no
    '=') must not hide ours, and a second `cnnpg_session` (another app on this host at
    another port or path: cookies do not keep ports apart) must not replace it."""
    values = []
    for pair in header.split(";"):
        name, equals, value = pair.partition("=")
        if equals and name.strip() == COOKIE:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            values.append(value)
            if len(values) == limit:
                break
    return values


def cookie_session(header: str, signer: Signer) -> str | None:
    """The session id of the first `cnnpg_session` cookie that verifies; None if none does."""
    return next((sid for value in cookie_values(header)
                 if (sid := signer.verify(value)) is not None), None)


def sessionless(scope: Scope) -> bool:
    """Static files, and /metrics: its bearer token is CNNPG_METRICS_TOKEN, not a session's
    (and a scraper keeps no cookie)."""
    return (scope["type"] not in ("http", "websocket") or scope["path"].startswith("/static/")
            or scope["path"] == "/metrics")


# Requests that need no session of their own: health probes and the prediction routes
# (classify, detect, the Open Inference Protocol), which programs that keep no cookie call
# over and over (tritonclient, curl, a readiness probe). Sent with no cookie and no token,
# they pass with an identity that owns nothing and is never handed out (no cookie is set),
# so no new session is made or counted (CNNPG_RATE_SESSIONS); with a cookie or a token they
# are that session's, as everywhere.
PASSING = re.compile(
    r"/api/health|/api/ready|/v2(/.*)?|/api/models/[^/]+/(predict(/batch)?|detect)")


def route_path(scope: Scope) -> str:
    """The request's path as the app's routes see it: without the prefix the app is served
    under (uvicorn --root-path), when there is one."""
    path, root = scope["path"], scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):] or "/"
    return str(path)


def passing(scope: Scope) -> bool:
    """A request that, without credentials, passes with no session (see PASSING)."""
    return scope["type"] == "http" and PASSING.fullmatch(route_path(scope)) is not None


def mints(scope: Scope, signer: Signer) -> bool:
    """Whether Sessions will make a new session for this request: no bearer token and no
    cookie that verifies, and not a passing request (what the rate limit on new sessions
    counts)."""
    if sessionless(scope) or passing(scope):
        return False
    headers = _headers(scope)
    if headers.get("authorization", "").partition(" ")[0].lower() == "bearer":
        return False
    return cookie_session(headers.get("cookie", ""), signer) is None


class Sessions:
    """ASGI middleware: puts the request's Identity in scope["state"]["identity"]."""

    def __init__(self, app: ASGIApp, signer: Signer):
        self.app = app
        self.signer = signer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if sessionless(scope):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            session_id = self.signer.verify(credentials.strip())
            if session_id is None:
                await self._refuse(scope, send)
                return
            scope.setdefault("state", {})["identity"] = Identity(session_id, "bearer")
            await self.app(scope, receive, send)
            return
        session_id = cookie_session(headers.get("cookie", ""), self.signer)
        new_token = None
        if session_id is None and passing(scope):
            scope.setdefault("state", {})["identity"] = Identity(new_id(), "none")
            await self.app(scope, receive, send)
            return
        if session_id is None:
            session_id, new_token = self.signer.mint()
        scope.setdefault("state", {})["identity"] = Identity(session_id, "cookie")
        if new_token is None or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        set_cookie = (f"{COOKIE}={new_token}; Path=/; Max-Age={COOKIE_AGE}; HttpOnly; "
                      f"SameSite=Lax{secure}").encode("latin-1")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"set-cookie", set_cookie)]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        msg = ("the bearer token is not valid here (forged, cut short, or issued by another "
               "server); get a new one with POST /api/sessions")
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4401, "reason": msg[:120]})
            return
        body = json.dumps({"detail": [{"loc": ["header", "authorization"], "msg": msg,
                                       "type": "unauthorized"}]}).encode()
        await send({"type": "http.response.start", "status": 401, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", b'Bearer realm="cnn-playground"')]})
        await send({"type": "http.response.body", "body": body})
