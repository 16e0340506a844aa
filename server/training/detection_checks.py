"""What POST /api/runs checks at once for a detection run (a network ending in a
detection_head, or a detection dataset: mnist-detect or one of your own), before any scene
is loaded for training."""

from __future__ import annotations

import numpy as np

from server.datasets.info import DatasetInfo
from server.datasets.registry import DatasetRegistry
from server.detection import own_scenes
from server.detection.anchors import kmeans_anchors
from server.detection.detector import grid_of
from server.detection.scene_cache import CLASSES, NAME
from server.detection.scenes import SIZE
from server.detection.yolo import Grid
from server.errors import InvalidInput
from server.nn.analysis import analyze
from server.nn.spec import NetworkSpec
from server.training.spec import RunRequest


def own_detection(request: RunRequest, datasets: DatasetRegistry) -> DatasetInfo | None:
    """The request's dataset when it is one of your detection datasets."""
    if not datasets.is_user(request.dataset):
        return None
    info = datasets.info(request.dataset)
    return info if info.task == "detection" else None


def is_detection(request: RunRequest, spec: NetworkSpec, datasets: DatasetRegistry) -> bool:
    return (request.dataset == NAME or spec.layers[-1].type == "detection_head"
            or own_detection(request, datasets) is not None)


def validate_detection(request: RunRequest, spec: NetworkSpec, datasets: DatasetRegistry
                       ) -> tuple[NetworkSpec, Grid]:
    """The checks POST /api/runs makes at once for a detection run (422s naming the field);
    a preset is first made to fit your dataset (fit_detector). The network and its grid."""
    own = own_detection(request, datasets)
    if request.dataset != NAME and own is None:
        raise InvalidInput(f"a network ending in a detection_head finds boxes, and trains on "
                           f"a detection dataset ({NAME!r}, or one of yours imported with "
                           f"task=detection), not {request.dataset!r}; set dataset to {NAME!r}",
                           ["dataset"], code="detection_dataset_needed",
                           params={"dataset": request.dataset, "detection_dataset": NAME})
    if own is not None and set(request.network) == {"preset"}:
        spec = fit_detector(spec, own, datasets)
    grid = grid_of(spec)  # 422 when the network ends otherwise
    title, classes = (NAME, CLASSES) if own is None else (repr(own.title), own.classes)
    channels, side = (1, SIZE) if own is None else (own.preprocessing.channels,
                                                    own.preprocessing.height)
    size, last = spec.input, len(spec.layers) - 1
    if (size.channels, size.height, size.width) != (channels, side, side):
        raise InvalidInput(f"{title} pictures are {channels} x {side} x {side} but the network "
                           f"takes {size.channels} x {size.height} x {size.width}; set its "
                           f"input to {channels} channel(s), {side} x {side}",
                           ["network", "input"], code="detection_input_mismatch",
                           params={"dataset": title, "channels": channels, "side": side,
                                   "network": f"{size.channels} x {size.height} x {size.width}"})
    if grid.classes != len(classes):
        raise InvalidInput(f"{title} has {len(classes)} classes but the detection_head has "
                           f"classes {grid.classes}; set it to {len(classes)}",
                           ["network", "layers", last, "classes"],
                           code="detection_classes_mismatch",
                           params={"dataset": title, "classes": len(classes),
                                   "head_classes": grid.classes})
    if own is not None and min(own.full_counts.values()) < 1:
        raise InvalidInput(f"dataset {title} has {own.full_counts['train']} training and "
                           f"{own.full_counts['test']} held-out pictures; a detector needs "
                           "both: import at least 5 pictures", ["dataset"],
                           code="detection_split_empty",
                           params={"dataset": title, "train": own.full_counts["train"],
                                   "test": own.full_counts["test"]})
    if request.training.augment.active:
        raise InvalidInput("augmentation moves pictures but not their boxes, so a detection "
                           "run cannot use it; turn augment off (mnist-detect already places "
                           "and scales every digit at random)", ["training", "augment"],
                           code="detection_no_augment")
    return spec, grid


def fit_detector(spec: NetworkSpec, info: DatasetInfo, datasets: DatasetRegistry
                 ) -> NetworkSpec:
    """A detector preset made to take your dataset: its input the dataset's size and
    channels, its grid the feature map that size gives, one class score per class, and its
    anchors chosen from your boxes (kmeans_anchors, in cells)."""
    pre, raw = info.preprocessing, spec.model_dump()
    raw["input"] = {**raw["input"], "channels": pre.channels, "height": pre.height,
                    "width": pre.width}
    head = raw["layers"][-1]
    if head.get("type") != "detection_head":
        return spec
    body = NetworkSpec.model_validate({**raw, "layers": raw["layers"][:-1]})
    analysis = analyze(body)
    if analysis.errors:
        first = analysis.errors[0]
        # as fit_preset (session.py): the network check's type and ctx, and the size the
        # preset was fitted to, so a page writes the whole sentence (training.js: withPreset)
        raise InvalidInput(f"the preset, made to take {pre.width}x{pre.height} pictures: "
                           f"{first.msg}", ["network", *first.loc], code=first.code,
                           params={**first.params, "preset_size": f"{pre.width}x{pre.height}"})
    cells = analysis.rows[-1]["output_shape"][-1]
    found = datasets.folder(info.name)
    boxes = (own_scenes.load(found[0], "train", list(info.classes)).boxes if found
             else np.zeros((0, 4)))
    if len(boxes):
        cell = pre.height / cells
        head["anchors"] = [[round(float(v) / cell, 3) for v in pair]
                           for pair in kmeans_anchors(boxes[:, 2:], head["boxes"])]
    head.update(grid=cells, classes=len(info.classes))
    return NetworkSpec.model_validate(raw)
