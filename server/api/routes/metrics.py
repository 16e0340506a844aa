"""GET /metrics: Prometheus' text format, from this app's own registry."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from server.api.deps import ServicesDep
from server.metrics import scrape_refusal

router = APIRouter(tags=["health"])
REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "a scrape from elsewhere with a wrong or missing token"},
    403: {"description": "a scrape from elsewhere while CNNPG_METRICS_TOKEN is unset"}}


@router.get("/metrics", summary="Metrics for Prometheus", responses={
    200: {"content": {"text/plain": {}}, "description": "the text exposition format"},
    **REFUSALS})
async def metrics(request: Request, services: ServicesDep) -> Response:
    """Requests by route template, predictions, runs, websockets, loaded models and memory
    (docs/api.md "Metrics and readiness"). Open on loopback; from elsewhere send
    `Authorization: Bearer <CNNPG_METRICS_TOKEN>`."""
    host = request.client.host if request.client else None
    refusal = scrape_refusal(host, request.headers, services.settings.metrics_token)
    if refusal is not None:
        headers = {"WWW-Authenticate": 'Bearer realm="metrics"'} if refusal.status == 401 \
            else None
        return JSONResponse({"detail": refusal.detail()}, status_code=refusal.status,
                            headers=headers)
    body = await run_in_threadpool(generate_latest, services.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})
