"""/docs: the OpenAPI explorer, served from vendored files (classrooms are often offline;
FastAPI's default page loads Swagger UI from a CDN) and started by a script file of ours
(FastAPI's page starts it with an inline script, which the pages' CSP refuses)."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

VENDOR = "/static/vendor/swagger-ui"
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="{vendor}/swagger-ui.css">
<link rel="icon" href="/static/favicon.svg">
<title>{title}</title>
</head>
<body>
<div id="swagger-ui"></div>
<script src="{vendor}/swagger-ui-bundle.js"></script>
<script src="/static/js/api_docs.js"></script>
</body>
</html>
"""


def docs_router(title: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    page = PAGE.format(vendor=VENDOR, title=escape(f"{title}: API"))

    @router.get("/docs", response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        return HTMLResponse(page)

    return router
