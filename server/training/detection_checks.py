"""What POST /api/runs checks at once for a detection run (a network ending in a
detection_head, or the mnist-detect dataset), before any scene is loaded."""

from __future__ import annotations

from server.detection.detector import grid_of
from server.detection.scene_cache import CLASSES, NAME
from server.detection.scenes import SIZE
from server.detection.yolo import Grid
from server.errors import InvalidInput
from server.nn.spec import NetworkSpec
from server.training.spec import RunRequest


def is_detection(request: RunRequest, spec: NetworkSpec) -> bool:
    return request.dataset == NAME or spec.layers[-1].type == "detection_head"


def validate_detection(request: RunRequest, spec: NetworkSpec) -> Grid:
    """The checks POST /api/runs makes at once for a detection run (422s naming the field)."""
    last = len(spec.layers) - 1
    if request.dataset != NAME:
        raise InvalidInput(f"a network ending in a detection_head finds boxes, and trains on "
                           f"the detection dataset {NAME!r}, not {request.dataset!r}; set "
                           f"dataset to {NAME!r}", ["dataset"])
    grid = grid_of(spec)  # 422 when the network ends otherwise
    size = spec.input
    if (size.channels, size.height, size.width) != (1, SIZE, SIZE):
        raise InvalidInput(f"{NAME} scenes are 1 x {SIZE} x {SIZE} (grey) but the network "
                           f"takes {size.channels} x {size.height} x {size.width}; set its "
                           f"input to 1 channel, {SIZE} x {SIZE}", ["network", "input"])
    if grid.classes != len(CLASSES):
        raise InvalidInput(f"{NAME} has {len(CLASSES)} classes (the digits) but the "
                           f"detection_head has classes {grid.classes}; set it to "
                           f"{len(CLASSES)}", ["network", "layers", last, "classes"])
    if request.training.augment.active:
        raise InvalidInput("augmentation moves pictures but not their boxes, so a detection "
                           "run cannot use it; turn augment off (mnist-detect already places "
                           "and scales every digit at random)", ["training", "augment"])
    return grid
