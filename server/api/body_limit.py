"""Refuse oversized request bodies before any parser spools them to disk or memory."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import human_bytes


class BodyLimit:
    """ASGI middleware: 413 when a body is larger than max_bytes plus a small allowance for
    multipart framing (declared or actual). Messages quote the setting, not the allowance."""

    def __init__(self, app: ASGIApp, max_bytes: int, allowance: int = 64 * 1024):
        self.app = app
        self.nominal = max_bytes
        self.max_bytes = max_bytes + allowance

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send, int(declared))
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
            if size > self.max_bytes:
                await self._refuse(send, size)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, size: int) -> None:
        msg = (f"the request body is {human_bytes(size)} or more; the upload limit is "
               f"{human_bytes(self.nominal)} (setting CNNPG_MAX_UPLOAD_BYTES); send a smaller "
               "file")
        body = json.dumps({"detail": [{"loc": ["body"], "msg": msg, "type": "too_large"}]}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
