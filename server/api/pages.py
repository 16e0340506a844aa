"""HTML pages: jinja2 shells with a JSON boot payload; the views are ES modules."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

import server
from server.i18n.catalogues import catalogue
from server.i18n.languages import COOKIE, LANGUAGES, choose

# path -> (template, the nav entry it highlights). A {code} in the path (a room's join code)
# reaches the template as `code`, upper-cased, so the join form is filled in without script.
PAGES = {"/": ("kernel_lab.html", "kernels"), "/builder": ("builder.html", "builder"),
         "/datasets": ("datasets.html", "datasets"),
         "/training": ("training.html", "training"), "/compare": ("compare.html", "compare"),
         "/detection": ("detection.html", "detection"), "/classify": ("classify.html", "classify"),
         "/classroom": ("classroom.html", "classroom"), "/join": ("join.html", "classroom"),
         "/join/{code}": ("join.html", "classroom"), "/room/{code}": ("room.html", "classroom")}


def _renderer(templates: Jinja2Templates, template: str,
              page: str) -> Callable[[Request], HTMLResponse]:
    # A closure, not default arguments: FastAPI would read those from the query string.
    def render(request: Request) -> HTMLResponse:
        code = str(request.path_params.get("code", "")).strip().upper()[:16]
        context = language_context(request)
        response = templates.TemplateResponse(request, template, {
            "page": page, "version": server.__version__, "code": code, **context})
        response.headers["Content-Language"] = str(context["lang"])
        response.headers["Vary"] = "Accept-Language, Cookie"
        return response

    return render


def language_context(request: Request) -> dict[str, object]:
    """The page's language (server/i18n/languages.py): `lang` for <html lang> and gettext,
    the switcher's choices, `lang_query` for links when the address named the language,
    and the scripts' catalogue."""
    choice = choose(request.query_params.get("lang"), request.cookies.get(COOKIE),
                    request.headers.get("accept-language"))
    tag = choice.language.tag
    scripts = catalogue(tag)
    return {"lang": tag, "languages": list(LANGUAGES.values()),
            "lang_query": f"?lang={tag}" if choice.source == "query" else "",
            "catalogue_url": f"/api/i18n/{tag}?v={scripts.version}" if scripts.scripts else ""}


def page_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    for path, (template, page) in PAGES.items():
        name = template.removesuffix(".html") + ("_code" if "{code}" in path else "")
        router.add_api_route(path, _renderer(templates, template, page),
                             methods=["GET", "HEAD"],
                             response_class=HTMLResponse, name=name)
    return router
