"""What clients send on the sockets: JSON text read with limits, and every failure answered.

`parse_frame` reads one received ASGI message as JSON with limits that keep a hostile frame
cheap: text frames only, nesting at most MAX_DEPTH deep (checked before parsing), integers
of at most MAX_INT_DIGITS digits, finite numbers only (no Infinity, NaN or 1e400). Frames
over WS_MAX_BYTES never get here: the server closes the socket with 1009.

`error_message` turns any exception raised while handling one message into the socket's
`error` message (the detail shape of REST), so a socket answers and keeps serving.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import ValidationError

from server.errors import PlaygroundError, describe_validation, short

log = logging.getLogger("cnn_playground")
MAX_DEPTH = 32
MAX_INT_DIGITS = 30
_STRING = re.compile(r'"(?:[^"\\]|\\.)*+"', re.DOTALL)
_STEP = np.zeros(256, np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1


class BadFrame(Exception):
    """A frame this socket does not read: answered with status 400 and this reason."""

    def __init__(self, msg: str, kind: str = "frame_invalid") -> None:
        super().__init__(msg)
        self.msg, self.kind = msg, kind


def _depth(text: str) -> int:
    """How deeply text's brackets nest, strings left out (vectorized: no Python loop)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0
    brackets = re.sub(r"[^\[\]{}]", "", _STRING.sub("", text))
    steps = _STEP[np.frombuffer(brackets.encode("ascii"), np.uint8)]
    return int(np.cumsum(steps, dtype=np.int64).max(initial=0))


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise BadFrame(f"a number has {len(text.lstrip('-'))} digits ({text[:12]}...); numbers "
                       f"may have at most {MAX_INT_DIGITS}", "number_too_long")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadFrame(f"the number {short(text)} is too large for a float; send numbers "
                       "below 1e308", "number_out_of_range")
    return value


def _constant(name: str) -> float:
    raise BadFrame(f"{name} is not a JSON number; send finite numbers only", "number_invalid")


def parse_frame(message: Mapping[str, Any], binary_json: bool = False) -> Any:
    """The JSON value of one received websocket message, or BadFrame. A binary frame is
    refused, or with `binary_json` read as UTF-8 JSON text (the kernel socket's contract)."""
    text = message.get("text")
    if text is None and binary_json:
        text = (message.get("bytes") or b"").decode("utf-8", "replace")
    if text is None:
        raise BadFrame("binary frames are not read on this socket; send the message as JSON "
                       "text", "frame_binary")
    depth = _depth(text)
    if depth > MAX_DEPTH:
        raise BadFrame(f"the message nests {depth} levels deep; at most {MAX_DEPTH} are read",
                       "frame_too_deep")
    try:
        return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise BadFrame(f"message is not JSON ({exc.msg}); send a JSON object",
                       "json_invalid") from None
    except RecursionError:  # not reached below MAX_DEPTH; kept as a last line
        raise BadFrame("the message nests too deeply", "frame_too_deep") from None


def error_message(exc: BaseException, **extra: Any) -> dict[str, Any]:
    """The `error` message for whatever went wrong with one client message."""
    if isinstance(exc, BadFrame):
        status, detail = 400, [{"loc": [], "msg": exc.msg, "type": exc.kind}]
    elif isinstance(exc, PlaygroundError):
        status, detail = exc.status, exc.detail()
    elif isinstance(exc, ValidationError):
        status, detail = 422, describe_validation(list(exc.errors()))
    elif isinstance(exc, TypeError | ValueError | LookupError | ArithmeticError):
        status, detail = 422, [{"loc": [], "msg": f"malformed message ({short(str(exc))})",
                                "type": "value_error"}]
    else:
        log.error("a socket message failed", exc_info=exc)
        status, detail = 500, [{"loc": [], "msg": f"the server failed on this message "
                                f"({type(exc).__name__}); the socket stays open: send the "
                                "next one", "type": "internal_error"}]
    return {"type": "error", **extra, "status": status, "detail": detail}


def stop_reader(task: asyncio.Task[Any]) -> None:
    """Cancel a socket's reader task; an exception it ended with is retrieved, so asyncio
    does not log "never retrieved" (the socket's own handler already dealt with it)."""
    task.cancel()
    if task.done() and not task.cancelled():
        task.exception()
