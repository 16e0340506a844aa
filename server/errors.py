"""Domain errors and their HTTP mapping.

Every error body has pydantic's shape, ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``,
so the browser has one renderer for all of them. Messages name the field, the value and the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, get_args

from pydantic_core.core_schema import ErrorType


def human_bytes(n: float) -> str:
    """1536 -> '1.5 KB', for messages that quote a size and its limit."""
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.1f} KB"


class PlaygroundError(Exception):
    """An error the user can fix. ``status`` is the HTTP status it maps to.

    `code` (optional) is a stable name for this kind of mistake, sent as the detail's `type`
    in place of the class's generic one, with `params` as its `ctx`: the values the message
    quotes. Pages render the message in their own language from those two
    (web/static/js/error_messages.js); `msg` stays English, for programs."""

    status = 422
    kind = "value_error"

    def __init__(self, msg: str, loc: Sequence[str | int] = (), *, status: int | None = None,
                 code: str | None = None, params: dict[str, Any] | None = None):
        super().__init__(msg)
        self.msg = msg
        self.loc = list(loc)
        self.code = code
        self.params = params or {}
        if status is not None:
            self.status = status

    def detail(self) -> list[dict[str, Any]]:
        item: dict[str, Any] = {"loc": self.loc, "msg": self.msg, "type": self.code or self.kind}
        if self.code:
            item["ctx"] = self.params
        return [item]


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


# Pydantic's validation errors in the words of the errors above: the HTTP handlers and every
# parser of user input (networks, pipelines, kernel requests) report them alike.
def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_branch(part: Any) -> bool:
    """A union member's name that pydantic puts in loc (list[list[float]], int, ...)."""
    return isinstance(part, str) and (
        "[" in part or part in ("int", "float", "str", "bool", "none")
        or part.startswith(("constrained-", "function-", "literal[")))


def _specific(err: Any) -> bool:
    kind = str(err.get("type", ""))
    return not (kind.endswith("_type") or "parsing" in kind)


def _pick_branch(group: list[Any], at: int) -> list[Any]:
    """Of the errors under one union (loc[at] names the branch), keep the branch that got
    furthest: one with a specific complaint (not finite, out of range), else the deepest."""
    branches: dict[Any, list[Any]] = {}
    for err in group:
        branches.setdefault(err["loc"][at], []).append(err)

    def score(errs: list[Any]) -> tuple[bool, int]:
        return any(_specific(e) for e in errs), max(len(e["loc"]) for e in errs)

    return max(branches.values(), key=score)


def _collapse_unions(errors: list[Any]) -> list[Any]:
    """A value that fails every branch of a union (a matrix that is neither 2-D nor 3-D, a
    number that is neither int nor float) is reported once, by its most telling branch."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for err in errors:
        loc = tuple(err.get("loc", ()))
        at = next((k for k, part in enumerate(loc) if _is_branch(part)), len(loc))
        groups.setdefault(loc[:at], []).append({**err, "loc": loc})
    kept: list[Any] = []
    for prefix, group in groups.items():
        kept += _pick_branch(group, len(prefix)) if len(group[0]["loc"]) > len(prefix) else group
    out: dict[tuple[Any, ...], Any] = {}
    for err in kept:
        loc = tuple(p for p in err["loc"] if not _is_branch(p))
        if loc not in out or (_specific(err) and not _specific(out[loc])):
            out[loc] = {**err, "loc": loc}
    return list(out.values())


# pydantic's own error types; any other comes from a validator's PydanticCustomError, whose
# message (like a ValueError's) already quotes the value it refuses.
PYDANTIC_TYPES = frozenset(get_args(ErrorType))


def own_type(kind: Any) -> bool:
    """Is this a type our validators raise (PydanticCustomError), not one of pydantic's?"""
    return isinstance(kind, str) and kind not in PYDANTIC_TYPES


def describe_validation(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic errors, each message prefixed with the field and suffixed with the value."""
    out = []
    for err in _collapse_unions(errors):
        loc = [p for p in err.get("loc", ()) if p != "body"]
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        field = ".".join(str(p) for p in loc) or "body"
        if err.get("type") == "missing":
            msg = f"{field} is required"
        elif "input" in err and err.get("type") not in ("value_error", "extra_forbidden") \
                and not own_type(err.get("type")):
            msg = f"{field}: {msg} (got {short(err['input'])})"
        elif err.get("type") == "extra_forbidden":
            msg = f"{field} is not a known field; remove it (check the spelling against /docs)"
        else:
            msg = f"{field}: {msg}"
        item = {"loc": loc, "msg": msg, "type": err.get("type", "value_error")}
        ctx = _plain_ctx(err.get("ctx"))
        if ctx:
            item["ctx"] = ctx  # the limits the message quotes: pages render it from them
        out.append(item)
    return out


def _plain_ctx(ctx: Any) -> dict[str, Any]:
    """pydantic's ctx, keeping the values JSON can carry (a validator's exception is not)."""
    if not isinstance(ctx, dict):
        return {}
    plain: dict[str, Any] = {}
    for key, value in ctx.items():
        if isinstance(value, bool | int | float | str):
            plain[str(key)] = value
    return plain


class Unavailable(PlaygroundError):
    """503: a shared service this server needs (Redis, another replica) does not answer;
    trying again later works."""

    status = 503
    kind = "unavailable"
