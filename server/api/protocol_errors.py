"""Every error answer under /v2 in the Open Inference Protocol's shape.

The protocol's clients read `{"error": "..."}` from an answer that is not a success:
tritonclient raises its InferenceServerException with that text, and without the key it
fails while decoding the body ("an exception occurred in the client while decoding the
response: 'error'"), so the user never sees why. This middleware gives every error under
/v2 that key: the routes' own (a request that breaks the protocol or does not fit the model
400, an unknown model 404, ...) and the answers made around them: the host check (400), a
cross-site refusal (403), a bearer token that does not verify (401), the body limit (413), a
rate limit (429), an unknown /v2 path (404) or method (405). To a JSON error answer without
`error` it adds one: the messages of `detail`, joined, as ManyErrors joins them. `detail`
stays, as every other answer of the API has it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.classroom.sessions import route_path

PROTOCOL = re.compile(r"/v2(/.*)?")
MOST = 1024 * 1024  # bytes of an error answer held back to rewrite; a larger one goes as is


def with_error(body: bytes) -> bytes:
    """The JSON error body with `error` added (when it lacks one and says why)."""
    try:
        document: Any = json.loads(body)
    except ValueError:
        return body
    if not isinstance(document, dict) or "error" in document:
        return body
    detail = document.get("detail")
    if isinstance(detail, str):
        reason = detail
    elif isinstance(detail, list):
        reason = "; ".join(str(d["msg"]) for d in detail if isinstance(d, dict) and "msg" in d)
    else:
        return body
    return json.dumps({"error": reason or "the request was refused", **document}).encode()


def is_json_error(message: Message) -> bool:
    headers: dict[bytes, bytes] = dict(message.get("headers", []))
    status: int = message["status"]
    return status >= 400 and headers.get(b"content-type", b"").startswith(b"application/json")


class ProtocolErrors:
    """ASGI middleware: `error` in every JSON error answer to a /v2 path."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not PROTOCOL.fullmatch(route_path(scope)):
            await self.app(scope, receive, send)
            return
        start: Message | None = None  # the start of an error answer, held back
        chunks: list[bytes] = []

        async def sending(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and is_json_error(message):
                start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            held = sum(map(len, chunks))
            if message.get("more_body", False) and held <= MOST:
                return
            body = b"".join(chunks)
            if not message.get("more_body", False):
                body = with_error(body)
                headers = [(k, v) for k, v in start.get("headers", [])
                           if k.lower() != b"content-length"]
                start = {**start, "headers": [*headers,
                                              (b"content-length", str(len(body)).encode())]}
            await send(start)
            start = None  # anything after goes straight through
            await send({"type": "http.response.body", "body": body,
                        "more_body": message.get("more_body", False)})

        await self.app(scope, receive, sending)
