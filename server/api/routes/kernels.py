"""The kernel catalogue, applying filters to a photo, and explaining one output pixel."""

from __future__ import annotations

import base64
import time
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from server.api.deps import IdentityDep, ServicesDep
from server.api.uploads import read_upload
from server.errors import InvalidInput, ManyErrors, describe_validation, own_type
from server.imaging import decode_image
from server.imaging.codec import encode_png
from server.imaging.store import StoredImage, filter_image
from server.kernels.explain import explain_pixel
from server.kernels.library import CATEGORIES, KERNELS
from server.kernels.pipeline import FilterResult
from server.kernels.spec import Pipeline, Source

router = APIRouter(tags=["kernels"])


@router.get("/api/kernels", summary="The catalogue of named kernels and non-linear filters")
def list_kernels() -> dict[str, Any]:
    kernels = [{
        "name": k.name, "label": k.label, "category": k.category, "kind": k.kind,
        "matrix": [list(r) for r in k.matrix] if k.matrix else None,
        "scale": k.scale_text(), "scale_value": float(k.scale), "explanation": k.explanation,
        "suggested_output": k.suggested_output, "params": k.params,
        "pair": list(k.pair) if k.pair else None} for k in KERNELS.values()]
    categories = [{"id": c, "label": label} for c, label in CATEGORIES.items()]
    return {"kernels": kernels, "categories": categories}


def parse_pipeline(spec: str | None, kernel: str | None) -> Pipeline:
    """The `spec` form field (a Pipeline as JSON) or the `kernel` shortcut."""
    if (spec is None) == (kernel is None):
        raise InvalidInput("give exactly one of 'spec' (a pipeline as JSON) or 'kernel' (a name "
                           "from GET /api/kernels)", ["spec"])
    try:
        if kernel is not None:
            entry = KERNELS.get(kernel)
            output = entry.suggested_output if entry else "clip"
            return Pipeline.model_validate({"steps": [{"kernel": kernel}], "output": output})
        assert spec is not None
        return Pipeline.model_validate_json(spec)
    except ValidationError as exc:
        details = describe_validation(list(exc.errors()))
        errors = [InvalidInput(d["msg"], ["kernel" if kernel else "spec", *d["loc"]],
                               code=d["type"] if own_type(d["type"]) else None,
                               params=d.get("ctx")) for d in details]  # the validators' types
        raise errors[0] if len(errors) == 1 else ManyErrors(errors) from None


@router.post("/api/kernels/apply", summary="Filter a photo with a kernel or a pipeline",
             responses={200: {"content": {"image/png": {}, "application/json": {}}}})
async def apply_kernels(
    services: ServicesDep, identity: IdentityDep,
    file: Annotated[UploadFile | None, File(description="An image to filter.")] = None,
    sample: Annotated[str | None, Form(description="Or a sample name.")] = None,
    image_id: Annotated[str | None, Form(description="Or an id from POST /api/images.")] = None,
    spec: Annotated[str | None, Form(description="A pipeline as JSON (see docs/api.md).")] = None,
    kernel: Annotated[str | None, Form(description="Shortcut: one named kernel.")] = None,
    format: Annotated[Literal["png", "json"], Form()] = "png",
) -> Response:
    """Returns the filtered PNG, or with `format=json` the PNG (base64) plus the statistics of
    the unclipped response (min/max/mean), the output size and the time taken."""
    store = services.images
    started = time.perf_counter()
    if sum(x is not None for x in (file, sample, image_id)) != 1:
        raise InvalidInput("give exactly one image source: 'file', 'sample' or 'image_id'",
                           ["file"])
    pipeline = await run_in_threadpool(parse_pipeline, spec, kernel)  # off the event loop
    if file is not None:
        data = await read_upload(file, store.limits.max_bytes)
        decoded = await run_in_threadpool(decode_image, data, store.limits)
        item = StoredImage("upload", decoded.pixels, decoded.source_format, decoded.notes)
    else:
        item = await run_in_threadpool(store.resolve, image_id, sample, identity.session_id)
    result = await run_in_threadpool(partial(filter_image, max_cost=store.max_filter_cost),
                                     item, pipeline, store.limits.max_pixels)
    # Encoding, base64 and the JSON text of a large image are CPU work: in a thread.
    return await run_in_threadpool(_answer, result, format, started)


def _answer(result: FilterResult, format: str, started: float) -> Response:
    encode_start = time.perf_counter()
    png = encode_png(result.pixels)
    encode_ms = (time.perf_counter() - encode_start) * 1000
    if format == "png":
        return Response(png, media_type="image/png",
                        headers={"X-Compute-Ms": f"{result.compute_ms:.2f}"})
    height, width, channels = result.pixels.shape
    body = {"png": base64.b64encode(png).decode(), "width": width, "height": height,
            "channels": channels, "stats": result.stats(), "notes": result.notes,
            "steps": [s.label for s in result.steps],
            "time_ms": {"compute": result.compute_ms, "encode": encode_ms,
                        "total": (time.perf_counter() - started) * 1000}}
    return JSONResponse(body)


class ExplainRequest(BaseModel):
    """Which output pixel of which filtered image to explain."""

    model_config = ConfigDict(extra="forbid")
    source: Source
    spec: Pipeline
    x: int = Field(ge=0, description="Column in the result.")
    y: int = Field(ge=0, description="Row in the result.")
    preview_max_side: int | None = Field(default=None, ge=16, le=8192)


@router.post("/api/kernels/explain", summary="The weighted sum behind one output pixel")
def explain(req: ExplainRequest, services: ServicesDep, identity: IdentityDep) -> dict[str, Any]:
    """A plain function: FastAPI runs it in a worker thread (filtering is CPU work)."""
    store = services.images
    item = store.resolve(req.source.image_id, req.source.sample, identity.session_id)
    result = filter_image(item, req.spec, store.limits.max_pixels, req.preview_max_side, True,
                          max_cost=store.max_filter_cost)
    return explain_pixel(result, req.x, req.y, req.spec.channels)
