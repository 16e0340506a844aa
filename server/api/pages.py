"""HTML pages: jinja2 shells with a JSON boot payload; the views are ES modules."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

import server


def page_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    def kernel_lab(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(
            request, "kernel_lab.html", {"page": "kernels", "version": server.__version__})

    @router.get("/builder", response_class=HTMLResponse)
    def builder(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(
            request, "builder.html", {"page": "builder", "version": server.__version__})

    @router.get("/training", response_class=HTMLResponse)
    def training(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(
            request, "training.html", {"page": "training", "version": server.__version__})

    @router.get("/classify", response_class=HTMLResponse)
    def classify(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(
            request, "classify.html", {"page": "classify", "version": server.__version__})

    return router
