"""The layer catalogue, network summaries, PyTorch export and the presets."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse

from server.api.deps import ServicesDep
from server.nn.analysis import analyze
from server.nn.export import export_source
from server.nn.parse import parse_network
from server.nn.record import CATEGORIES
from server.nn.registry import REGISTRY

router = APIRouter(tags=["networks"])

SPEC_EXAMPLE = {"preset": "lenet-mnist"}


@router.get("/api/layers", summary="The layer catalogue (palette, forms, docs)")
def layers() -> dict[str, Any]:
    return {"categories": list(CATEGORIES), "layers": [r.catalog() for r in REGISTRY.values()]}


@router.post("/api/networks/summary", summary="Shapes, parameters, MACs and memory per layer",
             responses={422: {"description": "Every problem found, plus the rows that could "
                                             "be computed (`layers`)"}})
def summary(services: ServicesDep, body: Any = Body(examples=[SPEC_EXAMPLE])) -> JSONResponse:
    """Takes a network spec (docs/network-spec.md) or `{"preset": id}`. Counts match what
    Keras' `model.summary()` reports (batch norm: 4 per channel, 2 of them trainable)."""
    spec = parse_network(body, services.presets)
    analysis = analyze(spec, services.network_limits)
    result = analysis.summary()
    if analysis.errors:
        detail = [d for e in analysis.errors for d in e.detail()]
        return JSONResponse({"detail": detail, **result}, status_code=422)
    return JSONResponse(result)


@router.post("/api/networks/export", summary="Runnable PyTorch source for a spec",
             response_class=PlainTextResponse)
async def export(services: ServicesDep, body: Any = Body(examples=[SPEC_EXAMPLE]),
                 name: str = "Network") -> PlainTextResponse:
    def source() -> str:  # parsing, analysis and the source text: CPU work, in a thread
        spec = parse_network(body, services.presets)
        return export_source(spec, name, services.network_limits)

    return PlainTextResponse(await run_in_threadpool(source), media_type="text/x-python")


@router.get("/api/presets", summary="The network presets")
def presets(services: ServicesDep) -> dict[str, Any]:
    return {"presets": [p.describe() for p in services.presets.all()]}


@router.get("/api/presets/{preset_id}", summary="One preset with its spec")
def preset(preset_id: str, services: ServicesDep) -> dict[str, Any]:
    item = services.presets.get(preset_id)
    return {**item.describe(), "spec": item.spec.model_dump(mode="json")}
