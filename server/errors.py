"""Domain errors and their HTTP mapping.

Every error body has pydantic's shape, ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``,
so the browser has one renderer for all of them. Messages name the field, the value and the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def human_bytes(n: float) -> str:
    """1536 -> '1.5 KB', for messages that quote a size and its limit."""
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.1f} KB"


class PlaygroundError(Exception):
    """An error the user can fix. ``status`` is the HTTP status it maps to."""

    status = 422
    kind = "value_error"

    def __init__(self, msg: str, loc: Sequence[str | int] = (), *, status: int | None = None):
        super().__init__(msg)
        self.msg = msg
        self.loc = list(loc)
        if status is not None:
            self.status = status

    def detail(self) -> list[dict[str, Any]]:
        return [{"loc": self.loc, "msg": self.msg, "type": self.kind}]


class InvalidInput(PlaygroundError):
    """422: the request is well-formed but its values cannot be used."""


class TooLarge(PlaygroundError):
    status = 413
    kind = "too_large"


class UnsupportedMedia(PlaygroundError):
    status = 415
    kind = "unsupported_media_type"


class NotFound(PlaygroundError):
    status = 404
    kind = "not_found"


class ManyErrors(PlaygroundError):
    """Several problems found at once, reported together."""

    def __init__(self, errors: Sequence[PlaygroundError]):
        super().__init__("; ".join(e.msg for e in errors))
        self.errors = list(errors)
        self.status = max(e.status for e in errors)

    def detail(self) -> list[dict[str, Any]]:
        return [d for e in self.errors for d in e.detail()]


class Conflict(PlaygroundError):
    """409: the request does not fit the current state (e.g. resuming a finished run)."""

    status = 409
    kind = "conflict"


class Forbidden(PlaygroundError):
    """403: you can see it, but it is not yours to change."""

    status = 403
    kind = "forbidden"


class Unauthorized(PlaygroundError):
    """401: the credentials sent do not verify."""

    status = 401
    kind = "unauthorized"


class Gone(PlaygroundError):
    """410: it existed, and is closed for good (a room)."""

    status = 410
    kind = "gone"


class OverLimit(PlaygroundError):
    """429: a per-session limit is reached; the message says which and what to delete."""

    status = 429
    kind = "limit_reached"
