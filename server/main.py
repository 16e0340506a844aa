"""create_app(settings): the one place the application is assembled."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import cv2
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

import server
from server.api.body_limit import BodyLimit
from server.api.browser_guard import BrowserGuard, allowed_hosts
from server.api.cross_origin import CrossOrigin
from server.api.docs_page import docs_router
from server.api.handlers import install_handlers
from server.api.pages import page_router
from server.api.routes import (
    datasets,
    health,
    images,
    kernel_vocabulary,
    kernels,
    matrix,
    networks,
    predict,
    rooms,
    runs,
    sessions,
    store,
)
from server.api.ws_kernels import router as ws_router
from server.api.ws_rooms import router as ws_rooms_router
from server.api.ws_runs import router as ws_runs_router
from server.classroom.sessions import Sessions
from server.config import Settings
from server.services import Services

DESCRIPTION = """Learn and demonstrate convolutional neural networks.

Every error answers with `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`; the
message names the field, the value and the fix. See README.md and docs/api.md."""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    if settings.cv_threads:
        cv2.setNumThreads(settings.cv_threads)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import torch  # noqa: F401  - ~1 s: paid at start-up, not by the first request

        try:
            yield
        finally:
            app.state.services.runs.shutdown()

    app = FastAPI(title="CNN Playground", version=server.__version__, description=DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None)
    app.include_router(docs_router("CNN Playground"))
    app.state.services = Services.build(settings)
    install_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes, paths={
        "/api/models/import": (settings.max_model_bytes, "CNNPG_MAX_MODEL_BYTES")})
    # Who is asking (cookie or bearer token); outside the body limit, inside the origin check.
    app.add_middleware(Sessions, signer=app.state.services.signer)
    # Added last, so it runs first: a cross-site request is refused before its body is read.
    app.add_middleware(CrossOrigin, allowed=settings.allowed_origins)
    # Outermost: a request to a name this server does not answer to goes no further.
    app.add_middleware(BrowserGuard, hosts=allowed_hosts(settings.allowed_hosts,
                                                         settings.public_url))
    for module in (health, sessions, images, kernels, matrix, networks, datasets, runs, store,
                   predict, rooms, kernel_vocabulary):
        app.include_router(module.router)
    app.include_router(ws_router)
    app.include_router(ws_runs_router)
    app.include_router(ws_rooms_router)
    templates = Jinja2Templates(directory=settings.web_dir / "templates")
    app.include_router(page_router(templates))
    app.mount("/static", StaticFiles(directory=settings.web_dir / "static"), name="static")
    return app
