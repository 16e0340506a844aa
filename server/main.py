"""create_app(settings): the one place the application is assembled."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import cv2
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import server
from server.api.body_limit import BodyLimit
from server.api.browser_guard import BrowserGuard, allowed_hosts
from server.api.cross_origin import CrossOrigin
from server.api.docs_page import docs_router
from server.api.handlers import install_handlers
from server.api.pages import page_router
from server.api.protocol_errors import ProtocolErrors
from server.api.rate_limits import RateLimiter, RateLimits, storage_uri
from server.api.routes import (
    compare,
    datasets,
    detection,
    health,
    i18n,
    images,
    inference_protocol,
    kernel_vocabulary,
    kernels,
    matrix,
    metrics,
    model_names,
    networks,
    predict,
    replay,
    rooms,
    runs,
    sessions,
    store,
    user_datasets,
)
from server.api.ws_classify import router as ws_classify_router
from server.api.ws_kernels import router as ws_router
from server.api.ws_rooms import router as ws_rooms_router
from server.api.ws_runs import router as ws_runs_router
from server.classroom.sessions import Sessions, mints
from server.config import Settings
from server.i18n.templates import install as install_i18n
from server.metrics import RequestMetrics
from server.services import Services

DESCRIPTION = """Learn and demonstrate convolutional neural networks.

Every error answers with `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`; the
message names the field, the value and the fix. See README.md and docs/api.md."""


def include_routes(app: FastAPI, settings: Settings) -> None:
    """Every route, socket and page of the app, and its static files."""
    # Prediction first: a request is matched against the routes in order (every route's
    # path and method, twice: FastAPI selects, then handles), and classifying is the path
    # programs call most often. No route of these two shares a path and method with another
    # (tests/api/test_route_order.py).
    for module in (predict, inference_protocol, health, metrics, sessions, images, kernels,
                   matrix, networks, datasets, user_datasets, compare, runs, model_names,
                   store, rooms, kernel_vocabulary, detection, replay, i18n):
        app.include_router(module.router)
    app.include_router(ws_router)
    app.include_router(ws_runs_router)
    app.include_router(ws_rooms_router)
    app.include_router(ws_classify_router)
    templates = Jinja2Templates(directory=settings.web_dir / "templates")
    install_i18n(templates.env)
    app.include_router(page_router(templates))
    app.mount("/static", StaticFiles(directory=settings.web_dir / "static"), name="static")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    if settings.cv_threads:
        cv2.setNumThreads(settings.cv_threads)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import torch  # noqa: F401  - ~1 s: paid at start-up, not by the first request

        app.state.services.start()  # the retention pruner's thread
        try:
            yield
        finally:
            app.state.services.close()  # the pruner, then the warm workers

    app = FastAPI(title="CNN Playground", version=server.__version__, description=DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None)
    app.include_router(docs_router("CNN Playground"))
    app.state.services = Services.build(settings)
    install_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes, paths={
        "/api/models/import": (settings.max_model_bytes, "CNNPG_MAX_MODEL_BYTES"),
        "/api/datasets": (settings.max_dataset_import_bytes, "CNNPG_MAX_DATASET_IMPORT_BYTES")})
    # Who is asking (cookie or bearer token); outside the body limit, inside the origin check.
    signer = app.state.services.signer
    app.add_middleware(Sessions, signer=signer)
    # Per-address rate limits: before a session is made or a body read, after the checks
    # that refuse a request outright (those cost nothing and count against nothing).
    app.add_middleware(RateLimits, limiter=rate_limiter(settings),
                       mints=functools.partial(mints, signer=signer))
    # Added last, so it runs first: a cross-site request is refused before its body is read.
    app.add_middleware(CrossOrigin, allowed=settings.allowed_origins)
    # Outermost: a request to a name this server does not answer to goes no further.
    app.add_middleware(BrowserGuard, hosts=allowed_hosts(settings.allowed_hosts,
                                                         settings.public_url))
    # Around the refusals above: under /v2 they answer in the protocol's error shape too.
    app.add_middleware(ProtocolErrors)
    app.add_middleware(RequestMetrics, metrics=app.state.services.metrics)  # refusals too
    if settings.trusted_proxies:
        # Around everything: the client address and scheme every layer sees are the real
        # ones, whichever server runs the app (`serve` tells uvicorn the same list).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    include_routes(app, settings)
    return app


def rate_limiter(settings: Settings) -> RateLimiter:
    """Counters in CNNPG_RATE_STORAGE when it is set, else in CNNPG_REDIS_URL's Redis (shared
    by the replicas), else in this process."""
    explicit = "rate_storage" in settings.model_fields_set
    return RateLimiter(storage_uri(settings.rate_storage, settings.redis_url, explicit), {
        "sessions": settings.rate_sessions, "joins": settings.rate_joins,
        "uploads": settings.rate_uploads, "runs": settings.rate_runs})
