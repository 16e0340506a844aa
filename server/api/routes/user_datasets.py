"""Datasets a session makes: create, import a zip, add pictures, look, delete, export.

Private to the session that made it: another session gets the same 404 as for an unknown
id, unless its teacher broadcasts it in a room the session joined: then it may look (403
for changes; it forks it instead). Every add answers with what was stored and what was
skipped, with a reason per file.
"""

from __future__ import annotations

import base64
import os
import tempfile
import zipfile
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile

from server.api.deps import IdentityDep, ServicesDep
from server.classroom.access import owned_dataset, readable_dataset
from server.datasets.user_files import DatasetRecord
from server.datasets.user_import import Outcome, import_zip
from server.datasets.user_store import UserDatasets
from server.detection.own_dataset import (
    describe_detection,
    export_detection,
    import_detection,
    refuse_change,
)
from server.errors import InvalidInput
from server.text.clean import clean_text

router = APIRouter(tags=["your datasets"])
MAX_FILES = 1000  # pictures in one POST .../images (a burst from the webcam is ~30)
THUMBNAILS = 8  # per class, newest first


class NewDataset(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="My dataset", min_length=1, max_length=200)
    classes: Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]],
                       Field(max_length=100)] = Field(default_factory=list)
    size: int = Field(default=32, ge=8, le=256, description="images are size x size pixels")
    channels: Literal[1, 3] = 1
    fit: Literal["pad", "crop"] = "pad"
    task: Literal["classification", "detection"] = Field(
        default="classification", description="detection: a zip of pictures with YOLO label "
        "files (class cx cy w h per line); pictures are fitted into the size x size square "
        "keeping their aspect ratio (`fit` does not apply)")


def _create(store: UserDatasets, owner: str, spec: NewDataset) -> DatasetRecord:
    name = clean_text("name", spec.name, limit=200, required=True)
    classes = [clean_text("classes", c, limit=64, required=True, loc=["classes", i])
               for i, c in enumerate(spec.classes)]
    if len(set(classes)) != len(classes):
        raise InvalidInput("classes: each class name may appear once", ["classes"])
    if spec.task == "detection" and (spec.size % 16 or spec.size < 32):
        raise InvalidInput(f"size: a detection dataset's size is a multiple of 16 from 32 "
                           f"(the detector's grid cells are 16 pixels), not {spec.size}; try "
                           f"{max(32, spec.size // 16 * 16)} or "
                           f"{max(48, (spec.size // 16 + 1) * 16)}", ["size"],
                           code="detection_dataset_size",
                           params={"size": spec.size, "lower": max(32, spec.size // 16 * 16),
                                   "upper": max(48, (spec.size // 16 + 1) * 16)})
    return store.create(owner, name, classes, spec.size, spec.channels, spec.fit, spec.task)


def _form_spec(form: Any) -> NewDataset:
    """The optional fields of a multipart import, as for the JSON form."""
    fields: dict[str, Any] = {k: form[k] for k in ("name", "size", "channels", "fit", "task")
                              if isinstance(form.get(k), str)}
    if str(fields.get("channels", "")).strip() in ("1", "3"):  # a form sends text; Literal
        fields["channels"] = int(fields["channels"])  # [1, 3] takes only the int
    classes = [c for c in form.getlist("classes") if isinstance(c, str)]
    try:
        return NewDataset(**fields, classes=classes)
    except ValidationError as exc:
        raise InvalidInput("; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors()),
                           [str(exc.errors()[0]["loc"][0])]) from exc


@router.post("/api/datasets", status_code=201, summary="Create a dataset, or import a zip")
async def create_dataset(request: Request, services: ServicesDep,
                         identity: IdentityDep) -> dict[str, Any]:
    """JSON `{"name", "classes", "size", "channels", "fit"}` makes an empty dataset. A
    multipart form with `file` (a zip of class folders: `cats/1.jpg`, `dogs/2.png`; the
    layout of torchvision's ImageFolder and Keras) and the same optional fields imports
    one; the answer lists what was stored and what was skipped, with a reason per file.
    With `task=detection` the zip holds pictures and their YOLO label files (beside each
    picture, or images/ and labels/ as Ultralytics lays them out, with classes.txt or
    data.yaml naming the classes): a detection dataset (docs/detection.md)."""
    store, owner = services.user_datasets, identity.session_id
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        async with request.form(max_files=1, max_fields=120) as form:  # closes the files
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise InvalidInput("file: send the zip as the multipart field 'file', or "
                                   "send JSON to make an empty dataset", ["file"])
            spec = _form_spec(form)
            record = await run_in_threadpool(_create, store, owner, spec)
            try:
                if spec.task == "detection":
                    return await run_in_threadpool(import_detection, store, record,
                                                   upload.file)
                outcome = await run_in_threadpool(import_zip, store, record, upload.file)
            except Exception:
                await run_in_threadpool(store.delete, record.id)  # nothing half-made is left
                raise
        return await run_in_threadpool(outcome.answer, store, record)
    try:
        spec = NewDataset.model_validate_json(await request.body())
    except ValidationError as exc:
        raise InvalidInput("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                     for e in exc.errors()[:5]),
                           list(exc.errors()[0]["loc"])) from exc
    if spec.task == "detection":
        raise InvalidInput("task: a detection dataset is made by importing its pictures with "
                           "their boxes: send a multipart form with `file` (a zip of pictures "
                           "and YOLO .txt labels) and task=detection", ["task"])
    record = await run_in_threadpool(_create, store, owner, spec)
    return await run_in_threadpool(Outcome().answer, store, record)


@router.post("/api/datasets/{dataset_id}/images", status_code=201,
             summary="Add pictures to one class")
async def add_images(dataset_id: str, request: Request, services: ServicesDep,
                     identity: IdentityDep) -> dict[str, Any]:
    """Multipart: `label` (the class; made when new) and one or more `files`."""
    store = services.user_datasets
    record = await run_in_threadpool(owned_dataset, services, identity, dataset_id)
    refuse_change(record)
    outcome = Outcome()
    async with request.form(max_files=MAX_FILES, max_fields=10) as form:  # closes the files
        label = form.get("label")
        if not isinstance(label, str):
            raise InvalidInput("label: name the class these pictures belong to", ["label"])
        label = clean_text("label", label, limit=64, required=True)
        files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
        if not files:
            raise InvalidInput("files: send one or more pictures as multipart 'files'",
                               ["files"])
        for upload in files:
            data = await upload.read(store.limits.max_bytes + 1)
            await run_in_threadpool(outcome.add, store, record, label,
                                    upload.filename or "?", data)
    return await run_in_threadpool(outcome.answer, store, record)


def describe(store: UserDatasets, record: DatasetRecord) -> dict[str, Any]:
    if record.task == "detection":
        return describe_detection(store, record)
    counts = store.counts(record)
    classes = []
    for entry in record.classes:
        newest = store.images(record, entry.name)[-THUMBNAILS:][::-1]
        classes.append({"name": entry.name, "count": counts[entry.name], "thumbnails": [
            {"image_id": p.stem, "png": "data:image/png;base64,"
             + base64.b64encode(p.read_bytes()).decode()} for p in newest]})
    return {"id": record.id, "name": record.name, "kind": "yours", "size": record.size,
            "channels": record.channels, "fit": record.fit, "created": record.created,
            "classes": classes, "counts": counts, "total": sum(counts.values()),
            "task": "classification"}


@router.get("/api/datasets/{dataset_id}", summary="One of your datasets: classes, counts, "
            "thumbnails")
async def get_dataset(dataset_id: str, services: ServicesDep,
                      identity: IdentityDep) -> dict[str, Any]:
    """Also a dataset broadcast in a room you joined (read only: fork it to change it)."""
    record = await run_in_threadpool(readable_dataset, services, identity, dataset_id)
    return await run_in_threadpool(describe, services.user_datasets, record)


@router.post("/api/datasets/{dataset_id}/classes", status_code=201, summary="Add a class")
async def add_class(dataset_id: str, body: dict[str, str], services: ServicesDep,
                    identity: IdentityDep) -> dict[str, Any]:
    record = await run_in_threadpool(owned_dataset, services, identity, dataset_id)
    refuse_change(record)
    name = clean_text("name", str(body.get("name", "")), limit=64, required=True)
    record = await run_in_threadpool(services.user_datasets.add_class, record.id, name)
    return await run_in_threadpool(describe, services.user_datasets, record)


@router.delete("/api/datasets/{dataset_id}", summary="Delete one of your datasets")
async def delete_dataset(dataset_id: str, services: ServicesDep,
                         identity: IdentityDep) -> dict[str, Any]:
    record = await run_in_threadpool(owned_dataset, services, identity, dataset_id)
    await run_in_threadpool(services.user_datasets.delete, record.id)
    return {"deleted": record.id}


@router.delete("/api/datasets/{dataset_id}/classes/{class_name}",
               summary="Delete a class and its pictures")
async def delete_class(dataset_id: str, class_name: str, services: ServicesDep,
                       identity: IdentityDep) -> dict[str, Any]:
    record = await run_in_threadpool(owned_dataset, services, identity, dataset_id)
    refuse_change(record)
    gone = await run_in_threadpool(services.user_datasets.delete_class, record.id,
                                   class_name)
    return {"deleted": class_name, "images": gone}


@router.delete("/api/datasets/{dataset_id}/images/{image_id}", summary="Delete one picture")
async def delete_image(dataset_id: str, image_id: str, services: ServicesDep,
                       identity: IdentityDep) -> dict[str, Any]:
    record = await run_in_threadpool(owned_dataset, services, identity, dataset_id)
    refuse_change(record)
    await run_in_threadpool(services.user_datasets.delete_image, record, image_id)
    return {"deleted": image_id}


def _export(store: UserDatasets, record: DatasetRecord) -> str:
    """A zip of class folders in a temporary file (deleted once sent)."""
    handle, path = tempfile.mkstemp(prefix="cnnpg-dataset-", suffix=".zip")
    with os.fdopen(handle, "wb") as stream, zipfile.ZipFile(stream, "w") as archive:
        if record.task == "detection":
            export_detection(store, record, archive)
        for label, image in () if record.task == "detection" else store.walk(record):
            folder = label.replace("/", "_").replace("\\", "_").strip(".") or "_"
            archive.writestr(f"{folder}/{image.name}", image.read_bytes())  # PNGs: stored
    return path


@router.get("/api/datasets/{dataset_id}/export", summary="Your dataset as a zip of class "
            "folders (importable again)")
async def export_dataset(dataset_id: str, services: ServicesDep,
                         identity: IdentityDep) -> FileResponse:
    record = await run_in_threadpool(owned_dataset, services, identity, dataset_id)
    path = await run_in_threadpool(_export, services.user_datasets, record)
    return FileResponse(path, media_type="application/zip",
                        filename=f"{record.id}.zip",
                        background=BackgroundTask(os.unlink, path))
