"""HTML pages: jinja2 shells with a JSON boot payload; the views are ES modules."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

import server

# path -> (template, the nav entry it highlights)
PAGES = {"/": ("kernel_lab.html", "kernels"), "/builder": ("builder.html", "builder"),
         "/training": ("training.html", "training"), "/classify": ("classify.html", "classify")}


def page_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    for path, (template, page) in PAGES.items():

        def render(request: Request, template: str = template, page: str = page) -> HTMLResponse:
            return templates.TemplateResponse(
                request, template, {"page": page, "version": server.__version__})

        router.add_api_route(path, render, methods=["GET"], response_class=HTMLResponse,
                             name=page)
    return router
