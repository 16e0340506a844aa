"""The Open Inference Protocol (KServe v2) over REST, for every model you may read: the
routes programs written for Triton, KServe, BentoML or Ray Serve already speak. Beside the
/api routes, which are unchanged. Errors answer {"error": "..."} (the protocol's shape, added
by server/api/protocol_errors.py to every error under /v2) with the project's `detail` list
beside it; the message names the field, the value and the fix."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

import server
from server.api.deps import IdentityDep, ServicesDep
from server.classroom.sessions import Identity
from server.errors import Conflict
from server.inference.answers import run_failed
from server.inference.predictor import Loaded
from server.services import Services
from server.serving import signature, tensors
from server.serving.names import Resolved, resolve, resolve_loaded

# An answer is written on the event loop when that takes about 0.1 ms at most, else in a
# thread. Measured: 64 images of 10 classes, 0.04 ms with binary outputs (raw bytes and the
# labels) and 0.3 ms as JSON (each number written as text); 1,024 images, 0.27 and 4.9 ms.
SMALL_JSON = 256  # numbers written as JSON text
SMALL_BINARY = 256  # images whose outputs are all binary


def small_answer(outputs: dict[str, bool], images: int, classes: int) -> bool:
    """outputs: the asked outputs' names -> binary. Cheap enough to write on the loop?"""
    in_json = sum(images * (classes if name == signature.PROBABILITIES else 1)
                  for name, binary in outputs.items() if not binary)
    return in_json <= SMALL_JSON and images <= SMALL_BINARY


router = APIRouter(tags=["open inference protocol"])
VERSIONED = "/v2/models/{name}/versions/{version}"
REQUEST_BODY = {"required": True, "content": {
    "application/json": {"schema": {"type": "object", "required": ["inputs"], "properties": {
        "id": {"type": "string"},
        "parameters": {"type": "object"},
        "inputs": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "datatype": {"type": "string"},
            "shape": {"type": "array", "items": {"type": "integer"}},
            "parameters": {"type": "object"}, "data": {"type": "array"}}}},
        "outputs": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "parameters": {"type": "object"}}}}}}},
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}


@router.get("/v2/health/live", summary="Liveness (Open Inference Protocol)")
async def live() -> dict[str, bool]:
    return {"live": True}


@router.get("/v2/health/ready", summary="Readiness (Open Inference Protocol)",
            responses={503: {"description": "not ready: `error` names each model missing"}})
def ready(services: ServicesDep) -> JSONResponse:
    """200 once the models in CNNPG_PRELOAD_MODELS are loaded and warm (as GET /api/ready),
    503 before, naming what is missing (a thread: it reads the models' file stamps)."""
    state = services.preloader.readiness()
    if state.ready:
        return JSONResponse({"ready": True})
    return JSONResponse({"ready": False, "error": "; ".join(m for _, m in state.missing_at())},
                        status_code=503, headers={"Retry-After": "5"})


@router.get("/v2", summary="Server metadata (Open Inference Protocol)")
async def server_metadata() -> dict[str, Any]:
    return {"name": "cnn-playground", "version": server.__version__,
            "extensions": ["binary_tensor_data"]}


def _loaded(services: Services, identity: Identity, name: str,
            version: str | None) -> tuple[Resolved, Loaded]:
    resolved = resolve(services, identity, name, version)
    return resolved, _classifier(services.predictor.get(resolved.model_id))


async def _usable(services: Services, identity: Identity, name: str,
                  version: str | None) -> tuple[Resolved, Loaded]:
    """A model named by its id, already loaded and unchanged, public or the caller's own,
    with its version in its manifest is answered on the event loop (no I/O: resolving
    reads every manifest of the store, ~0.5 ms a model). Anything else: in a thread."""
    known = resolve_loaded(services, identity, name, version)
    if known is not None:
        return known[0], _classifier(known[1])
    return await run_in_threadpool(_loaded, services, identity, name, version)


def _classifier(loaded: Loaded) -> Loaded:
    if loaded.detector:  # its output is a grid of boxes, not the signature below
        raise Conflict(f"model {loaded.id!r} is a detector: these routes serve classifiers "
                       "(probabilities and labels); find its boxes with POST "
                       f"/api/models/{loaded.id}/detect", ["name"])
    return loaded


async def _metadata(services: Services, identity: Identity, name: str,
                    version: str | None) -> dict[str, Any]:
    resolved, loaded = await _usable(services, identity, name, version)
    return signature.metadata(loaded, name, resolved)


async def _ready(services: Services, identity: Identity, name: str,
                 version: str | None) -> dict[str, Any]:
    """Ready when it loads (its files pass their checksums): a damaged model is 409."""
    await _usable(services, identity, name, version)
    return {"name": name, "ready": True}


@router.get("/v2/models/{name}", summary="Model metadata (Open Inference Protocol)")
async def model_metadata(name: str, services: ServicesDep,
                         identity: IdentityDep) -> dict[str, Any]:
    """The input (`input`, UINT8, [-1, height, width, channels]: raw pixels at the model's
    size) and the outputs (`probabilities`, FP32 [-1, classes]; `labels`, BYTES [-1, 1]).
    `name`: a model id, or a model name (its newest model; see docs/api.md)."""
    return await _metadata(services, identity, name, None)


@router.get(VERSIONED, summary="Model version metadata (Open Inference Protocol)")
async def version_metadata(name: str, version: str, services: ServicesDep,
                           identity: IdentityDep) -> dict[str, Any]:
    return await _metadata(services, identity, name, version)


@router.get("/v2/models/{name}/ready", summary="Model readiness (Open Inference Protocol)")
async def model_ready(name: str, services: ServicesDep, identity: IdentityDep) -> dict[str, Any]:
    return await _ready(services, identity, name, None)


@router.get(VERSIONED + "/ready", summary="Model version readiness (Open Inference Protocol)")
async def version_ready(name: str, version: str, services: ServicesDep,
                        identity: IdentityDep) -> dict[str, Any]:
    return await _ready(services, identity, name, version)


async def _infer(request: Request, services: Services, identity: Identity, name: str,
                 version: str | None) -> Response:
    body = await request.body()  # bounded by the body limit (CNNPG_MAX_UPLOAD_BYTES)
    resolved, loaded = await _usable(services, identity, name, version)
    limit = services.settings.max_infer_batch
    header = request.headers.get(tensors.HEADER)

    held: list[Any] = []  # the model's input: whoever clears the list frees it (a thread)

    def parsed() -> tensors.Request:
        document, binary = tensors.split_body(body, header)
        asked = tensors.parse(document, binary, signature.INPUT,
                              signature.input_shape(loaded), signature.OUTPUTS, limit)
        held.append(signature.model_input(loaded, asked.pixels))
        return asked

    try:
        asked, probabilities = await services.predictor.batcher(loaded).prepare_and_run(
            parsed, lambda _: held[0])
    except RuntimeError as exc:  # a model that cannot run on its own input shape
        raise run_failed(loaded, exc) from exc

    def answer() -> Response:  # encoding up to a batch of outputs: in a thread
        held.clear()
        head: dict[str, Any] = {"model_name": name, "model_version": resolved.version}
        if asked.id is not None:
            head["id"] = asked.id
        content, json_length = tensors.answer(signature.outputs(loaded, probabilities),
                                              asked.outputs, head)
        if json_length is None:
            return Response(content, media_type="application/json")
        return Response(content, media_type="application/octet-stream",
                        headers={tensors.HEADER: str(json_length)})

    if small_answer(asked.outputs, len(probabilities), len(loaded.classes)):
        return answer()  # ~0.1 ms at most: a hop to a thread and back would cost more
    return await run_in_threadpool(answer)


INFER_DOC = """Classify a batch of images: `input`, UINT8 of shape [N, height, width,
channels] at the model's size (GET /v2/models/{name} says which), as JSON `data` or as raw
bytes after the JSON (header `Inference-Header-Content-Length`, input parameter
`binary_data_size`). The model's stored scaling and normalization are applied as POST
/api/models/{id}/predict applies them. Outputs: `probabilities` (FP32 [N, classes]) and
`labels` (BYTES [N, 1], the most likely class's name); binary when asked
(`binary_data_output`, or an output's `binary_data`). At most CNNPG_MAX_INFER_BATCH images."""


@router.post("/v2/models/{name}/infer", summary="Inference (Open Inference Protocol)",
             description=INFER_DOC, openapi_extra={"requestBody": REQUEST_BODY})
async def infer(name: str, request: Request, services: ServicesDep,
                identity: IdentityDep) -> Response:
    return await _infer(request, services, identity, name, None)


@router.post(VERSIONED + "/infer", summary="Version inference (Open Inference Protocol)",
             description=INFER_DOC, openapi_extra={"requestBody": REQUEST_BODY})
async def version_infer(name: str, version: str, request: Request, services: ServicesDep,
                        identity: IdentityDep) -> Response:
    return await _infer(request, services, identity, name, version)
