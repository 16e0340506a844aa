"""The page scripts' message catalogues: GET /api/i18n and /api/i18n/{language}."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from server.errors import NotFound
from server.i18n.catalogues import catalogue
from server.i18n.languages import LANGUAGES, SOURCE, find

router = APIRouter(prefix="/api/i18n", tags=["languages"])


@router.get("")
async def languages() -> dict[str, Any]:
    """The languages the pages speak: `tag` (for ?lang= and the catalogue), its own name,
    and the source language (English: its catalogue is empty)."""
    return {"source": SOURCE,
            "languages": [{"tag": lang.tag, "name": lang.name} for lang in LANGUAGES.values()]}


@router.get("/{language}")
async def messages(language: str, request: Request) -> Response:
    """One language's messages for the page scripts: `messages` maps an English message to
    its translation (a list of plural forms, in the order of `plural_categories`, the
    categories of Intl.PluralRules). Cached by `version` (ETag)."""
    found = find(language)
    if found is None:
        raise NotFound(f"no language {language[:40]!r}: the pages speak "
                       f"{', '.join(LANGUAGES)} (GET /api/i18n lists them)", ["language"])
    payload = catalogue(found.tag)
    etag = f'"{payload.version}"'
    # the pages ask for ?v=<version>: that address never changes; any other is revalidated
    versioned = request.query_params.get("v") == payload.version
    headers = {"ETag": etag,
               "Cache-Control": "public, max-age=31536000, immutable" if versioned else "no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return JSONResponse(payload.payload(), headers=headers)
