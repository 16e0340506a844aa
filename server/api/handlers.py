"""Exception handlers: every error leaves as {"detail": [{"loc", "msg", "type"}]}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.errors import PlaygroundError, describe_validation, short

log = logging.getLogger("cnn_playground")


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
            msg = (f"{msg}: {request.method} {short(request.url.path)} ({what}); "
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
