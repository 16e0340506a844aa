"""The layer catalogue, network summaries, PyTorch export and the presets."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import ValidationError

from server.api.deps import ServicesDep
from server.api.handlers import describe_validation
from server.errors import InvalidInput, ManyErrors
from server.nn.analysis import analyze
from server.nn.export import export_source
from server.nn.record import CATEGORIES
from server.nn.registry import REGISTRY
from server.nn.spec import NetworkSpec
from server.services import Services

router = APIRouter(tags=["networks"])

SPEC_EXAMPLE = {"preset": "lenet-mnist"}


def _layer_error(err: dict[str, Any]) -> InvalidInput:
    """One pydantic error on a layer, as "layer 2 (conv2d): filters: ... (got 0)"."""
    loc = list(err["loc"])
    index = loc[1]
    if err["type"] == "union_tag_invalid":
        got = err.get("input", {}).get("type") if isinstance(err.get("input"), dict) else None
        return InvalidInput(f"layer {index}: unknown layer type {got!r}; valid types: "
                            f"{', '.join(REGISTRY)}", ["layers", index, "type"])
    if err["type"] == "union_tag_not_found":
        return InvalidInput(f"layer {index}: 'type' is missing; valid types: "
                            f"{', '.join(REGISTRY)}", ["layers", index, "type"])
    kind = loc.pop(2) if len(loc) > 2 and loc[2] in REGISTRY else "?"
    field = ".".join(str(p) for p in loc[2:]) or "layer"
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        fields = ", ".join(f for f in REGISTRY[kind].spec.model_fields if f != "type") if (
            kind in REGISTRY) else ""
        text = f"{field} is not a field of {kind}; its fields: {fields}"
    elif err["type"] == "missing":
        text = f"{field} is required"
    else:
        text = f"{field}: {msg} (got {err.get('input')!r})"
    return InvalidInput(f"layer {index} ({kind}): {text}", loc)


def parse_network(body: Any, services: Services) -> NetworkSpec:
    """A spec, or {"preset": id}. Locs of layer errors read ["layers", i, "field"]."""
    if isinstance(body, dict) and set(body) == {"preset"}:
        return services.presets.get(str(body["preset"])).spec
    try:
        return NetworkSpec.model_validate(body)
    except ValidationError as exc:
        errors: list[InvalidInput] = []
        for err in exc.errors():
            loc = err["loc"]
            if len(loc) >= 2 and loc[0] == "layers" and isinstance(loc[1], int):
                errors.append(_layer_error(dict(err)))
            else:
                for d in describe_validation([err]):
                    errors.append(InvalidInput(d["msg"], d["loc"]))
        raise errors[0] if len(errors) == 1 else ManyErrors(errors) from None


@router.get("/api/layers", summary="The layer catalogue (palette, forms, docs)")
def layers() -> dict[str, Any]:
    return {"categories": list(CATEGORIES), "layers": [r.catalog() for r in REGISTRY.values()]}


@router.post("/api/networks/summary", summary="Shapes, parameters, MACs and memory per layer",
             responses={422: {"description": "Every problem found, plus the rows that could "
                                             "be computed (`layers`)"}})
def summary(services: ServicesDep, body: Any = Body(examples=[SPEC_EXAMPLE])) -> JSONResponse:
    """Takes a network spec (docs/network-spec.md) or `{"preset": id}`. Counts match what
    Keras' `model.summary()` reports (batch norm: 4 per channel, 2 of them trainable)."""
    spec = parse_network(body, services)
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
    spec = parse_network(body, services)
    source = await run_in_threadpool(export_source, spec, name[:80].replace('"', "'"),
                                     services.network_limits)
    return PlainTextResponse(source, media_type="text/x-python")


@router.get("/api/presets", summary="The network presets")
def presets(services: ServicesDep) -> dict[str, Any]:
    return {"presets": [p.describe() for p in services.presets.all()]}


@router.get("/api/presets/{preset_id}", summary="One preset with its spec")
def preset(preset_id: str, services: ServicesDep) -> dict[str, Any]:
    item = services.presets.get(preset_id)
    return {**item.describe(), "spec": item.spec.model_dump(mode="json")}
