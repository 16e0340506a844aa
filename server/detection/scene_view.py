"""One scene of a detection dataset (mnist-detect, or one of your own) as the Detection page
and the API show it."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from server.detection.proposals import proposals
from server.detection.scenes import Scenes
from server.detection.yolo import Grid, encode
from server.errors import NotFound
from server.imaging.codec import encode_png


def scene_view(scenes: Scenes, grid: Grid, split: str, index: int) -> dict[str, Any]:
    """The picture, its objects, the grid and label grid a detector with `grid` is taught,
    and NMS proposals around the objects."""
    count = len(scenes)
    if index >= count:
        last = f"numbered 0 to {count - 1}" if count else "none"
        raise NotFound(f"index {index} is past the last scene: {split} has {count} scenes, "
                       f"{last}", ["path", "index"])
    boxes, classes = scenes.targets(index)
    low = int(scenes.starts[index])
    labels = encode(grid, boxes, classes)
    guess_boxes, guess_scores, guess_classes = proposals(boxes, classes, index, scenes.size,
                                                         len(scenes.names))
    png = encode_png(np.asarray(scenes.images[index]), compression=6)
    names = scenes.names
    return {
        "split": split, "index": index, "count": count, "size": scenes.size,
        "image": "data:image/png;base64," + base64.b64encode(png).decode(),
        "objects": [{"box": box, "class": int(label), "name": names[int(label)],
                     "source": int(scenes.sources[low + k])}
                    for k, (box, label) in enumerate(zip(boxes.tolist(), classes.tolist(),
                                                         strict=True))],
        "grid": {"cells": grid.cells, "cell_size": grid.cell,
                 "boxes_per_cell": len(grid.anchors), "classes": list(names),
                 "anchors": [list(a) for a in grid.anchors],
                 "slot": ["P", "x", "y", "w", "h", *(f"c{name}" for name in names)]},
        "labels": [[[[round(v, 4) for v in slot] for slot in cell] for cell in row]
                   for row in labels.tolist()],
        "proposals": {"boxes": guess_boxes, "scores": guess_scores, "classes": guess_classes},
    }
