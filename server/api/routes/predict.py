"""Classify images with a stored model: one image, or a batch, optionally explained."""

from __future__ import annotations

import time
from typing import Any

import torch
from fastapi import APIRouter, File, Query, UploadFile
from fastapi.concurrency import run_in_threadpool

from server.api.deps import IdentityDep, ServicesDep
from server.api.uploads import read_upload
from server.classroom.access import check_model_readable
from server.classroom.sessions import Identity
from server.errors import Conflict, InvalidInput, ManyErrors, PlaygroundError, TooLarge
from server.imaging import decode_image
from server.inference import explain as explaining
from server.inference.predictor import Loaded, top_k
from server.inference.preprocess import PreparedInput, describe, prepare
from server.services import Services

router = APIRouter(tags=["models"])

TOP_K = Query(5, ge=1, le=1000, alias="top_k",
              description="how many classes to return, most likely first")


def _check(services: Services, identity: Identity, model_id: str) -> None:
    """Before anything is loaded: another session's private model is simply not there.
    A model already in memory answers from its manifest there (reading manifest.json,
    with its training history, costs ~0.3 ms a request)."""
    loaded = services.predictor.cached(model_id)
    manifest = loaded.manifest if loaded is not None else services.models.manifest(model_id)
    check_model_readable(services, identity, model_id, manifest)


def _failed(loaded: Loaded, exc: Exception) -> Conflict:
    return Conflict(f"model {loaded.id!r} failed to run: {exc}; it may be damaged: delete it "
                    "or import it again", ["model_id"])


async def _probabilities(services: Services, loaded: Loaded, x: Any) -> Any:
    try:
        return await services.predictor.batcher(loaded)(x)
    except RuntimeError as exc:  # a model that cannot run on its own input shape
        raise _failed(loaded, exc) from exc


def _extras(loaded: Loaded, prepared: PreparedInput, class_index: int, explain: bool,
            activations: bool) -> dict[str, Any]:
    extras: dict[str, Any] = {"input_png": explaining.png_data_url(prepared.pixels)}
    if explain:
        extras["explanation"] = explaining.explain(loaded, prepared.tensor, prepared.pixels,
                                                   class_index)
    if activations:
        extras["activations"] = explaining.activations(loaded, prepared.tensor)
    return extras


@router.post("/api/models/{model_id}/predict", summary="Classify one image")
async def predict(
        model_id: str, services: ServicesDep, identity: IdentityDep,
        file: UploadFile = File(...), top_k_: int = TOP_K,
        explain: bool = Query(False, description="add a saliency map for the top class "
                                                 "(Grad-CAM or gradient x input)"),
        activations: bool = Query(False, description="add per-layer activation summaries"),
        input: bool = Query(False, description="add the preprocessed input as a PNG")
) -> dict[str, Any]:
    """The image (PNG, JPEG, WebP, BMP, GIF, TIFF) goes through the model's own stored
    preprocessing, every step listed in `preprocessing.steps`: channels converted, a photo
    of dark ink on paper inverted for MNIST-like models, the content cropped and centred as
    the dataset did, resized keeping the aspect ratio, then normalized. Probabilities of all
    classes sum to 1. The saliency map and activations are approximations of what the
    model looks at, not proofs of why it decided."""
    started = time.perf_counter()
    data = await read_upload(file, services.images.limits.max_bytes)
    await run_in_threadpool(_check, services, identity, model_id)
    loaded = await run_in_threadpool(services.predictor.get, model_id)
    limits = services.images.limits

    def prepared_input() -> PreparedInput:
        return prepare(decode_image(data, limits, "file").pixels, loaded.preprocessing)

    try:
        prepared, output = await services.predictor.batcher(loaded).prepare_and_run(
            prepared_input, lambda p: p.tensor)
    except RuntimeError as exc:  # a model that cannot run on its own input shape
        raise _failed(loaded, exc) from exc
    probabilities = output[0]
    predictions = top_k(loaded, probabilities, top_k_)
    result: dict[str, Any] = {"model_id": loaded.id, "predictions": predictions,
                              "preprocessing": describe(loaded.preprocessing, prepared)}
    if explain or activations or input:
        result |= await run_in_threadpool(_extras, loaded, prepared, predictions[0]["index"],
                                          explain, activations)
    result["time_ms"] = round((time.perf_counter() - started) * 1000, 3)
    return result


def _prepare_batch(services: Services, identity: Identity, model_id: str,
                   files: list[tuple[str, bytes]]) -> tuple[Loaded, list[PreparedInput]]:
    _check(services, identity, model_id)
    loaded = services.predictor.get(model_id)
    prepared, errors = [], []
    for i, (name, data) in enumerate(files):
        try:
            decoded = decode_image(data, services.images.limits, "files")
            prepared.append(prepare(decoded.pixels, loaded.preprocessing))
        except PlaygroundError as exc:
            errors.append(type(exc)(f"{name or f'file {i}'}: {exc.msg}", ["files", i]))
    if errors:
        raise errors[0] if len(errors) == 1 else ManyErrors(errors)
    return loaded, prepared


@router.post("/api/models/{model_id}/predict/batch", summary="Classify several images at once")
async def predict_batch(
        model_id: str, services: ServicesDep, identity: IdentityDep,
        files: list[UploadFile] = File(...), top_k_: int = TOP_K) -> dict[str, Any]:
    """Several `files` fields (up to CNNPG_MAX_BATCH_FILES), classified in one pass on the
    device. If any file is not a usable image, nothing is classified and every bad file is
    reported (`loc`: ["files", i]), so results always line up with the files sent."""
    started = time.perf_counter()
    limit = services.settings.max_batch_files
    if len(files) > limit:
        raise TooLarge(f"{len(files)} files sent; at most {limit} per request (setting "
                       "CNNPG_MAX_BATCH_FILES): split them into several requests", ["files"])
    if not files:
        raise InvalidInput("no files sent; add one or more `files` fields", ["files"])
    uploads = [(f.filename or "", await read_upload(f, services.images.limits.max_bytes))
               for f in files]
    loaded, prepared = await run_in_threadpool(_prepare_batch, services, identity, model_id,
                                               uploads)
    probabilities = await _probabilities(services, loaded,
                                         torch.cat([p.tensor for p in prepared]))
    results = [{"filename": name, "predictions": top_k(loaded, row, top_k_),
                "preprocessing_steps": p.steps}
               for (name, _), p, row in zip(uploads, prepared, probabilities, strict=True)]
    return {"model_id": loaded.id, "results": results,
            "time_ms": round((time.perf_counter() - started) * 1000, 3)}
