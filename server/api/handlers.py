"""Exception handlers: every error leaves as {"detail": [{"loc", "msg", "type"}]}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.errors import PlaygroundError

log = logging.getLogger("cnn_playground")


def _short(value: Any) -> str:
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


def describe_validation(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic errors, each message prefixed with the field and suffixed with the value."""
    out = []
    for err in _collapse_unions(errors):
        loc = [p for p in err.get("loc", ()) if p != "body"]
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        field = ".".join(str(p) for p in loc) or "body"
        if err.get("type") == "missing":
            msg = f"{field} is required"
        elif "input" in err and err.get("type") not in ("value_error", "extra_forbidden"):
            msg = f"{field}: {msg} (got {_short(err['input'])})"
        elif err.get("type") == "extra_forbidden":
            msg = f"{field} is not a known field; remove it (check the spelling against /docs)"
        else:
            msg = f"{field}: {msg}"
        out.append({"loc": loc, "msg": msg, "type": err.get("type", "value_error")})
    return out


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(PlaygroundError)
    async def _playground(_: Request, exc: PlaygroundError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail()}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": describe_validation(list(exc.errors()))}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        msg = str(exc.detail)
        if exc.status_code in (404, 405) and msg in ("Not Found", "Method Not Allowed"):
            what = "no such address" if exc.status_code == 404 else "this method is not allowed"
            msg = (f"{msg}: {request.method} {_short(request.url.path)} ({what}); "
                   "the API is listed at /docs")
        detail = exc.detail if isinstance(exc.detail, list) else [
            {"loc": ["path"], "msg": msg, "type": "http_error"}]
        return JSONResponse({"detail": detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))


async def refuse_socket(websocket: WebSocket, exc: PlaygroundError, code: int) -> None:
    """A websocket's refusal: the error as a message (the same detail as over HTTP), then
    the close code that tells the page whether to try again."""
    await websocket.send_json({"type": "error", "status": exc.status, "detail": exc.detail()})
    await websocket.close(code=code)
