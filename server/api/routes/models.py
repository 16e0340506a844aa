"""The model store over HTTP: list, inspect, rename, delete, export and import."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, File, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from server.api.deps import ServicesDep
from server.api.routes.images import read_upload
from server.errors import InvalidInput
from server.nn.analysis import analyze
from server.services import Services
from server.store import Entry

router = APIRouter(tags=["models"])


def listing(entry: Entry) -> dict[str, Any]:
    """One row of GET /api/models: enough to choose a model and to see what it needs."""
    manifest = entry.manifest or {}
    metrics = manifest.get("metrics") or {}
    return {"id": entry.id, "name": manifest.get("name", entry.id),
            "description": manifest.get("description", ""),
            "dataset": manifest.get("dataset"), "classes": manifest.get("classes", []),
            "input_shape": manifest.get("input_shape"),
            "test_accuracy": metrics.get("test_accuracy"),
            "created": manifest.get("created"), "size_bytes": manifest.get("size_bytes"),
            "shipped": bool(manifest.get("shipped")), "network": manifest.get("network"),
            "damaged": entry.damaged}


@router.get("/api/models", summary="Every model in the store (damaged ones with the reason)")
async def list_models(services: ServicesDep) -> dict[str, Any]:
    """A damaged model (missing file, failed checksum) is listed with `damaged` set to the
    reason and is never served; delete it or import it again."""
    entries = await run_in_threadpool(services.models.entries)
    return {"models": [listing(e) for e in entries]}


def _details(services: Services, model_id: str) -> dict[str, Any]:
    loaded = services.predictor.get(model_id)
    analysis = analyze(loaded.spec)
    entry = services.models.entry(model_id)
    return {**listing(entry), "manifest": loaded.manifest,
            "spec": loaded.spec.model_dump(mode="json"), "summary": analysis.summary()}


@router.get("/api/models/{model_id}", summary="A model's manifest, spec and layer summary")
async def get_model(model_id: str, services: ServicesDep) -> dict[str, Any]:
    """404 for an unknown id; 409 (with the reason) for a damaged model."""
    return await run_in_threadpool(_details, services, model_id)


class ModelPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, description="free text, 1 to 200 characters")
    description: str | None = Field(default=None, description="up to 2000 characters")


@router.patch("/api/models/{model_id}", summary="Rename a model or change its description")
async def patch_model(model_id: str, patch: ModelPatch, services: ServicesDep) -> dict[str, Any]:
    """The shipped model is read-only (403): export it and import a copy to change it."""
    if patch.name is None and patch.description is None:
        raise InvalidInput("nothing to change: send \"name\" and/or \"description\"", ["body"])
    await run_in_threadpool(services.models.update, model_id, patch.name, patch.description)
    return listing(services.models.entry(model_id))


@router.delete("/api/models/{model_id}", status_code=204, response_class=Response,
               summary="Delete a model (damaged ones too)")
async def delete_model(model_id: str, services: ServicesDep) -> Response:
    await run_in_threadpool(services.models.delete, model_id)
    services.predictor.forget(model_id)
    return Response(status_code=204)


@router.get("/api/models/{model_id}/export", response_class=Response,
            summary="Download a model: a zip of spec, weights and manifest, or ONNX",
            responses={200: {"content": {"application/zip": {}, "application/onnx": {}}}})
async def export_model(model_id: str, services: ServicesDep,
                       format: Literal["zip", "onnx"] = "zip") -> Response:
    """`format=zip` (default) can be imported again with `POST /api/models/import`;
    `format=onnx` opens in other tools (Netron, ONNX Runtime)."""
    if format == "onnx":
        data = await run_in_threadpool(_onnx, services, model_id)
        return Response(data, media_type="application/onnx", headers={
            "Content-Disposition": f'attachment; filename="{model_id}.onnx"'})
    from server.model_archive import export_zip

    data = await run_in_threadpool(export_zip, services.models, model_id)
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{model_id}.zip"'})


def _onnx(services: Services, model_id: str) -> bytes:
    from server.onnx_export import export_onnx

    loaded = services.predictor.get(model_id)
    return export_onnx(loaded.spec, loaded.model)


@router.post("/api/models/import", status_code=201, summary="Import a model exported as zip")
async def import_model(services: ServicesDep, file: UploadFile = File(...)) -> dict[str, Any]:
    """Everything is checked before anything is written: no pickle (weights are safetensors),
    no paths outside the archive, sizes within CNNPG_MAX_MODEL_BYTES, the weights' names
    and shapes exactly those of the spec, the classes those of the last layer. The model
    gets a new id; its name is kept."""
    from server.model_archive import import_zip

    limit = services.settings.max_model_bytes
    data = await read_upload(file, limit)
    model_id = await run_in_threadpool(import_zip, services.models, data,
                                       services.network_limits, limit)
    return listing(services.models.entry(model_id))

