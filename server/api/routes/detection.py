"""POST /api/detection/iou and /api/detection/nms: the detection maths, exact and explained."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Path, Query, UploadFile
from fastapi.concurrency import run_in_threadpool

from server.api.deps import IdentityDep, ServicesDep
from server.api.detection_scenes import dataset_scene
from server.api.model_access import usable_model
from server.api.uploads import read_upload
from server.detection.boxes import box_errors, check_box
from server.detection.explain import iou_explained
from server.detection.nms import describe, nms
from server.detection.spec import IoURequest, NMSRequest
from server.errors import Conflict, InvalidInput, ManyErrors, PlaygroundError
from server.imaging import decode_image
from server.inference.detect import detect_picture
from server.inference.explain import png_data_url
from server.inference.preprocess import describe as describe_input
from server.inference.preprocess import prepare

router = APIRouter(tags=["detection"])


@router.post("/api/detection/iou", summary="Intersection over union of two boxes, explained")
def iou(req: IoURequest) -> dict[str, Any]:
    """Computed in exact rational arithmetic. `text` writes out the areas, the intersection's
    corners (max of the top-left corners, min of the bottom-right ones), I, U = A + B - I and
    IoU = I / U; with integer inputs it writes exact fractions (`iou_exact`: "1/7").
    `intersection_box` (x1, y1, x2, y2) is null when the boxes do not overlap (I = 0, which
    includes boxes that only touch)."""
    check_box(req.a, req.format, ["a"])
    check_box(req.b, req.format, ["b"])
    return iou_explained(req.a, req.b, req.format)


@router.post("/api/detection/nms", summary="Non-maximum suppression, step by step")
async def non_maximum_suppression(req: NMSRequest, services: ServicesDep) -> dict[str, Any]:
    """Boxes scoring below `score_threshold` are dropped first (`dropped`). The rest are taken
    highest score first (equal scores: the lower index first); each box still standing is
    kept, and removes every later box of its class whose IoU with it is greater than
    `iou_threshold`. `keep` lists the kept indices in that order; `steps` has one entry per
    kept box, naming the boxes it removed and their IoU (float64)."""
    limit = services.settings.max_detection_boxes
    if len(req.boxes) > limit:
        raise InvalidInput(f"boxes has {len(req.boxes)} boxes; at most {limit} per request "
                           "(CNNPG_MAX_DETECTION_BOXES): send fewer, e.g. only those above a "
                           "score threshold", ["boxes"])

    def run() -> dict[str, Any]:  # CPU work proportional to N^2: off the event loop
        errors = _length_errors(req) + box_errors(req.boxes, req.format)
        if errors:
            raise ManyErrors(errors)
        result = nms(req.boxes, req.scores, req.classes, req.iou_threshold,
                     req.score_threshold, req.format)
        return {"keep": result.keep, "dropped": result.dropped,
                "steps": describe(result, req.scores, req.classes, req.iou_threshold)}

    return await run_in_threadpool(run)


def _length_errors(req: NMSRequest) -> list[PlaygroundError]:
    errors: list[PlaygroundError] = []
    n = len(req.boxes)
    if len(req.scores) != n:
        errors.append(InvalidInput(f"scores has {len(req.scores)} numbers but boxes has {n} "
                                   "boxes; give one score per box", ["scores"]))
    if req.classes is not None and len(req.classes) != n:
        errors.append(InvalidInput(f"classes has {len(req.classes)} numbers but boxes has {n} "
                                   "boxes; give one class per box, or leave classes out",
                                   ["classes"]))
    return errors


@router.get("/api/detection/scenes/{split}/{index}",
            summary="One scene of a detection dataset: picture, boxes, YOLO labels and "
            "proposals")
async def scene(split: Literal["train", "test"],
                index: Annotated[int, Path(ge=0, le=10**6, description="0-based scene number")],
                services: ServicesDep, identity: IdentityDep,
                dataset: str = Query("mnist-detect", max_length=64, description=(
                    "mnist-detect, or the id of a detection dataset of yours (or one "
                    "broadcast in a room you joined)"))) -> dict[str, Any]:
    """mnist-detect: 96x96 scenes of 1 to 4 MNIST digits, test scenes made of test digits
    only; or your own detection dataset's pictures (`test`: those held out) (docs/
    detection.md). The answer holds the picture (`image`, a PNG data URL), the true
    `objects` (xywh pixel box, class, name, and `source`: the digit's index in MNIST's
    split, or the picture's number in your dataset), the `grid` the detector uses (cells,
    cell size, anchors in cells, the slot layout; for your data, the grid the yolo-tiny
    preset takes on it, with anchors chosen from your boxes), the label grid `labels` (S x
    S x B x (5 + C): what training asks of each cell and anchor), and `proposals`:
    candidate boxes with scores and classes to step NMS through. The first request for a
    mnist-detect split generates and caches it (about a second for test)."""
    return await run_in_threadpool(dataset_scene, services, identity, dataset, split, index)


@router.post("/api/models/{model_id}/detect", summary="Find the objects in one image")
async def detect(
        model_id: str, services: ServicesDep, identity: IdentityDep,
        file: UploadFile = File(...),
        score_threshold: float = Query(0.25, ge=0.0, le=1.0, allow_inf_nan=False,
                                       description="drop boxes whose class confidence "
                                       "(P x class probability) is below this"),
        iou_threshold: float = Query(0.5, ge=0.0, le=1.0, allow_inf_nan=False,
                                     description="NMS removes a box whose IoU with a kept "
                                     "box of its class is above this")) -> dict[str, Any]:
    """For a model that ends in a detection_head (trained on mnist-detect): the picture goes
    through the model's stored preprocessing (fitted into its square input, light ink on
    dark), then `detections` lists the boxes kept after NMS, highest score first, each in
    the model's input frame (`box`, xywh pixels of the `input_size` square) and in the
    uploaded picture's pixels (`picture_box`), with its class, label and score;
    `before_nms` the boxes above the score threshold before NMS; `grid` the cells, anchors
    and each cell's objectness. A classifier answers 409 (use /predict)."""
    data = await read_upload(file, services.images.limits.max_bytes)
    loaded = await usable_model(services, identity, model_id)
    if not loaded.detector:
        raise Conflict(f"model {loaded.id!r} is a classifier: it says what one picture shows, "
                       f"not where; use POST /api/models/{loaded.id}/predict, or a model "
                       "trained from the yolo-tiny-mnist preset", ["model_id"],
                       code="model_is_classifier", params={"model": loaded.id})
    limits = services.images.limits

    def answer() -> dict[str, Any]:
        pixels = decode_image(data, limits, "file").pixels
        prepared = prepare(pixels, loaded.preprocessing)
        result = detect_picture(loaded, prepared, pixels.shape[:2], score_threshold,
                                iou_threshold)
        return {**result, "preprocessing": describe_input(loaded.preprocessing, prepared),
                "input_png": png_data_url(prepared.pixels)}

    return await run_in_threadpool(answer)
