"""The model store over HTTP: list, inspect, rename, delete, export and import."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Any, Literal

from fastapi import APIRouter, File, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from server.api.deps import IdentityDep, ServicesDep
from server.api.uploads import read_upload
from server.classroom.access import (
    can_read_model,
    check_model_owned,
    check_model_quota,
    check_model_readable,
)
from server.classroom.sessions import Identity
from server.errors import InvalidInput
from server.nn.analysis import analyze
from server.services import Services
from server.store.disk import Entry
from server.store.listing import listing, public_manifest
from server.store.naming import name_index

router = APIRouter(tags=["models"])


@router.get("/api/models", summary="Your models and the public ones (damaged with the reason)")
async def list_models(services: ServicesDep, identity: IdentityDep) -> dict[str, Any]:
    """Public models (shipped, published, the server's) and your own private ones, plus
    those broadcast in rooms you joined. A damaged model (missing file, failed checksum) is
    listed with `damaged` set to the reason and is never served; delete it or import it."""
    entries = await run_in_threadpool(services.models.entries)
    index = await run_in_threadpool(name_index, services.models, entries)
    sid = identity.session_id
    return {"models": [listing(e, sid, index.get(e.id)) for e in entries
                       if can_read_model(services, identity, e.id, e.manifest)]}


def _row(services: Services, identity: Identity, model_id: str) -> dict[str, Any]:
    """A model's listing row, as GET /api/models shows it (no checksums: no hashing)."""
    index = name_index(services.models, services.models.entries())
    return listing(services.models.entry(model_id, verify=False), identity.session_id,
                   index.get(model_id))


def _details(services: Services, identity: Identity, model_id: str) -> dict[str, Any]:
    _readable(services, identity, model_id)
    loaded = services.predictor.get(model_id)  # checksums verified when it was loaded
    analysis = analyze(loaded.spec)
    entry = Entry(model_id, loaded.manifest, None)
    index = name_index(services.models, services.models.entries())
    return {**listing(entry, identity.session_id, index.get(model_id)),
            "manifest": public_manifest(loaded.manifest),
            "spec": loaded.spec.model_dump(mode="json"), "summary": analysis.summary()}


@router.get("/api/models/{model_id}", summary="A model's manifest, spec and layer summary")
async def get_model(model_id: str, services: ServicesDep,
                    identity: IdentityDep) -> dict[str, Any]:
    """404 for an unknown id or another session's private model; 409 (with the reason) for
    a damaged model."""
    return await run_in_threadpool(_details, services, identity, model_id)


class ModelPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, description="free text, 1 to 200 characters")
    description: str | None = Field(default=None, description="up to 2000 characters")


@router.patch("/api/models/{model_id}", summary="Rename a model or change its description")
async def patch_model(model_id: str, patch: ModelPatch, services: ServicesDep,
                      identity: IdentityDep) -> dict[str, Any]:
    """Yours only (403 for a public model of someone else). The shipped model is read-only
    (403): export it and import a copy to change it."""
    if patch.name is None and patch.description is None:
        raise InvalidInput("nothing to change: send \"name\" and/or \"description\"", ["body"])
    await run_in_threadpool(check_model_owned, services, identity, model_id, "rename")
    await run_in_threadpool(services.models.update, model_id, patch.name, patch.description)
    return await run_in_threadpool(_row, services, identity, model_id)


@router.post("/api/models/{model_id}/publish", summary="Make your model readable by everyone")
async def publish_model(model_id: str, services: ServicesDep, identity: IdentityDep,
                        public: bool = True) -> dict[str, Any]:
    """Every session can then list it, predict with it, export it and fork it; only you can
    rename or delete it. `?public=false` makes it private again."""
    await run_in_threadpool(check_model_owned, services, identity, model_id, "publish")
    await run_in_threadpool(services.models.update, model_id, None, None,
                            "public" if public else "private")
    return await run_in_threadpool(_row, services, identity, model_id)


@router.delete("/api/models/{model_id}", status_code=204, response_class=Response,
               summary="Delete a model (damaged ones too)")
async def delete_model(model_id: str, services: ServicesDep, identity: IdentityDep) -> Response:
    """Yours only: 403 for a public model of someone else, 404 for their private ones."""
    await run_in_threadpool(check_model_owned, services, identity, model_id, "delete")
    await run_in_threadpool(services.models.delete, model_id)
    services.predictor.forget(model_id)
    return Response(status_code=204)


@router.get("/api/models/{model_id}/export", response_class=Response,
            summary="Download a model: a zip of spec, weights and manifest, or ONNX",
            responses={200: {"content": {"application/zip": {}, "application/onnx": {}}}})
async def export_model(model_id: str, services: ServicesDep, identity: IdentityDep,
                       format: Literal["zip", "onnx"] = "zip") -> Response:
    """`format=zip` (default) can be imported again with `POST /api/models/import`;
    `format=onnx` opens in other tools (Netron, ONNX Runtime)."""
    await run_in_threadpool(_readable, services, identity, model_id)
    if format == "onnx":
        data = await run_in_threadpool(_onnx, services, model_id)
        return Response(data, media_type="application/onnx", headers={
            "Content-Disposition": f'attachment; filename="{model_id}.onnx"'})
    spooled = await run_in_threadpool(_spooled_zip, services, model_id)
    return StreamingResponse(_pieces(spooled), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{model_id}.zip"'})


def _spooled_zip(services: Services, model_id: str) -> IO[bytes]:
    """The export in a temporary file (memory up to 8 MB), rewound."""
    from server.store.archive import write_zip

    spooled = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 - closed by _pieces
    try:
        write_zip(services.models, model_id, spooled)
    except BaseException:
        spooled.close()
        raise
    spooled.seek(0)
    return spooled


def _pieces(spooled: IO[bytes]) -> Iterator[bytes]:
    """1 MB at a time (read in a thread by StreamingResponse): one huge write would copy
    the whole archive on the event loop."""
    with spooled:
        while piece := spooled.read(1 << 20):
            yield piece


def _readable(services: Services, identity: Identity, model_id: str) -> None:
    check_model_readable(services, identity, model_id, services.models.manifest(model_id))


def _onnx(services: Services, model_id: str) -> bytes:
    from server.store.onnx import export_onnx

    loaded = services.predictor.get(model_id)
    return export_onnx(loaded.spec, loaded.model)


@router.post("/api/models/import", status_code=201, summary="Import a model exported as zip")
async def import_model(services: ServicesDep, identity: IdentityDep,
                       file: UploadFile = File(...)) -> dict[str, Any]:
    """Everything is checked before anything is written: no pickle (weights are safetensors),
    no paths outside the archive, sizes within CNNPG_MAX_MODEL_BYTES, the weights' names
    and shapes exactly those of the spec, the classes those of the last layer. The model
    gets a new id; its name is kept."""
    from server.store.archive import import_zip

    limit = services.settings.max_model_bytes
    await run_in_threadpool(check_model_quota, services, identity)  # before the upload
    data = await read_upload(file, limit)

    def checked_import() -> str:
        with services.models.owner_lock(identity.session_id):
            check_model_quota(services, identity)
            return import_zip(services.models, data, services.network_limits, limit,
                              identity.session_id)

    model_id = await run_in_threadpool(checked_import)
    return await run_in_threadpool(_row, services, identity, model_id)

