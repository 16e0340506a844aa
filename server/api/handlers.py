"""Exception handlers: every error leaves as {"detail": [{"loc", "msg", "type"}]}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.errors import PlaygroundError

log = logging.getLogger("cnn_playground")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe_validation(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic errors, each message prefixed with the field and suffixed with the value."""
    out = []
    for err in errors:
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
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, list) else [
            {"loc": [], "msg": str(exc.detail), "type": "http_error"}]
        return JSONResponse({"detail": detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))
