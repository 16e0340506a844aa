"""Refuse oversized request bodies before any parser spools them to disk or memory."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import human_bytes


class BodyLimit:
    """ASGI middleware: 413 when a body is larger than max_bytes plus a small allowance for
    multipart framing (declared or actual). Messages quote the setting, not the allowance.
    (Under /v2, ProtocolErrors adds the protocol's `error` field to the answer.)"""

    def __init__(self, app: ASGIApp, max_bytes: int, allowance: int = 64 * 1024,
                 paths: dict[str, tuple[int, str]] | None = None):
        """paths: a different (limit, setting name) for some exact paths (model import)."""
        self.app = app
        self.nominal = max_bytes
        self.allowance = allowance
        self.max_bytes = max_bytes + allowance
        self.paths = paths or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        nominal, setting = self.paths.get(scope.get("path", ""),
                                          (self.nominal, "CNNPG_MAX_UPLOAD_BYTES"))
        limit = nominal + self.allowance
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, send, int(declared), nominal, setting)
            return
        # Buffer the body (bounded) so a lying or chunked client cannot exceed the limit.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > limit:
                await self._refuse(scope, send, size, nominal, setting)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send, size: int, nominal: int,
                      setting: str) -> None:
        msg = (f"the request body is {human_bytes(size)} or more; the upload limit is "
               f"{human_bytes(nominal)} (setting {setting}); send a smaller file")
        refusal: dict[str, object] = {"detail": [{"loc": ["body"], "msg": msg,
                                                  "type": "too_large"}]}
        body = json.dumps(refusal).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
