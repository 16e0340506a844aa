"""Classify images with a stored model: one image, or a batch, optionally explained."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from server.api.deps import IdentityDep, ServicesDep
from server.api.model_access import usable_model
from server.api.uploads import read_upload
from server.errors import InvalidInput, TooLarge
from server.imaging import decode_image
from server.inference import explain as explaining
from server.inference.answers import run_failed, top_k
from server.inference.batch_input import prepare_batch
from server.inference.predictor import Loaded
from server.inference.preprocess import PreparedInput, describe, prepare

router = APIRouter(tags=["models"])

TOP_K = Query(5, ge=1, le=1000, alias="top_k",
              description="how many classes to return, most likely first")


# Answers with at most this many classes are encoded on the event loop.
SMALL_ANSWER = 100


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
) -> JSONResponse:
    """The image (PNG, JPEG, WebP, BMP, GIF, TIFF) goes through the model's own stored
    preprocessing, every step listed in `preprocessing.steps`: channels converted, a photo
    of dark ink on paper inverted for MNIST-like models, the content cropped and centred as
    the dataset did, resized keeping the aspect ratio, then normalized. Probabilities of all
    classes sum to 1. The saliency map and activations are approximations of what the
    model looks at, not proofs of why it decided."""
    started = time.perf_counter()
    data = await read_upload(file, services.images.limits.max_bytes)
    loaded = await usable_model(services, identity, model_id)
    limits = services.images.limits

    def prepared_input() -> PreparedInput:
        return prepare(decode_image(data, limits, "file").pixels, loaded.preprocessing)

    try:
        prepared, output = await services.predictor.batcher(loaded).prepare_and_run(
            prepared_input, lambda p: p.tensor)
    except RuntimeError as exc:  # a model that cannot run on its own input shape
        raise run_failed(loaded, exc) from exc
    probabilities = output[0]
    predictions = top_k(loaded, probabilities, top_k_)
    result: dict[str, Any] = {"model_id": loaded.id, "predictions": predictions,
                              "preprocessing": describe(loaded.preprocessing, prepared)}
    def answer() -> JSONResponse:  # saliency maps, PNGs and their JSON: CPU work, in a thread
        if explain or activations or input:
            result.update(_extras(loaded, prepared, predictions[0]["index"], explain,
                                  activations))
        result["time_ms"] = round((time.perf_counter() - started) * 1000, 3)
        return JSONResponse(result)

    if explain or activations or input or top_k_ > SMALL_ANSWER:
        return await run_in_threadpool(answer)
    return answer()  # a few rows of JSON (~50 us): a hop to a thread would cost more


@router.post("/api/models/{model_id}/predict/batch", summary="Classify several images at once")
async def predict_batch(
        model_id: str, services: ServicesDep, identity: IdentityDep,
        files: list[UploadFile] = File(...), top_k_: int = TOP_K) -> JSONResponse:
    """Several `files` fields (up to CNNPG_MAX_BATCH_FILES), classified in one pass on the
    device, in passes that hold at most CNNPG_MAX_PREDICT_BYTES of activations. If any file
    is not a usable image, nothing is classified and every bad file is reported (`loc`:
    ["files", i]), so results always line up with the files sent."""
    started = time.perf_counter()
    limit = services.settings.max_batch_files
    if len(files) > limit:
        raise TooLarge(f"{len(files)} files sent; at most {limit} per request (setting "
                       "CNNPG_MAX_BATCH_FILES): split them into several requests", ["files"])
    if not files:
        raise InvalidInput("no files sent; add one or more `files` fields", ["files"])
    uploads = [(f.filename or "", await read_upload(f, services.images.limits.max_bytes))
               for f in files]
    loaded = await usable_model(services, identity, model_id)
    limits, pre = services.images.limits, loaded.preprocessing
    try:  # decoded in parallel and run in one hand-off to a worker thread when idle
        batch, probabilities = await services.predictor.batcher(loaded).prepare_and_run(
            lambda: prepare_batch(uploads, limits, pre), lambda b: b.held[0])
    except RuntimeError as exc:  # a model that cannot run on its own input shape
        raise run_failed(loaded, exc) from exc
    steps = batch.steps

    def answer() -> JSONResponse:  # up to 64 x top_k rows of JSON: in a thread
        batch.held.clear()  # the last reference: hundreds of MB are freed here, not on the loop
        results = [{"filename": name, "predictions": top_k(loaded, row, top_k_),
                    "preprocessing_steps": image_steps}
                   for (name, _), image_steps, row in zip(uploads, steps, probabilities,
                                                          strict=True)]
        return JSONResponse({"model_id": loaded.id, "results": results,
                             "time_ms": round((time.perf_counter() - started) * 1000, 3)})

    return await run_in_threadpool(answer)
