"""One mnist-detect scene as the Detection page and the API show it."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from server.datasets.registry import DatasetRegistry
from server.detection.detector import GRID
from server.detection.proposals import proposals
from server.detection.scene_cache import CLASSES, COUNTS, load_scenes
from server.detection.scenes import SIZE
from server.detection.yolo import encode
from server.errors import NotFound
from server.imaging.codec import encode_png

SLOT = ["P", "x", "y", "w", "h", *(f"c{name}" for name in CLASSES)]


def scene_view(folder: Path, datasets: DatasetRegistry, split: str, index: int
               ) -> dict[str, Any]:
    count = COUNTS[split]
    if index >= count:
        raise NotFound(f"index {index} is past the last scene: {split} has {count} scenes, "
                       f"numbered 0 to {count - 1}", ["path", "index"])
    scenes = load_scenes(folder, datasets, split)
    boxes, classes = scenes.targets(index)
    low = int(scenes.starts[index])
    labels = encode(GRID, boxes, classes)
    guess_boxes, guess_scores, guess_classes = proposals(boxes, classes, index)
    png = encode_png(scenes.images[index], compression=6)
    return {
        "split": split, "index": index, "count": count, "size": SIZE,
        "image": "data:image/png;base64," + base64.b64encode(png).decode(),
        "objects": [{"box": box, "class": int(label), "name": CLASSES[int(label)],
                     "source": int(scenes.sources[low + k])}
                    for k, (box, label) in enumerate(zip(boxes.tolist(), classes.tolist(),
                                                         strict=True))],
        "grid": {"cells": GRID.cells, "cell_size": GRID.cell,
                 "boxes_per_cell": len(GRID.anchors), "classes": list(CLASSES),
                 "anchors": [list(a) for a in GRID.anchors], "slot": SLOT},
        "labels": [[[[round(v, 4) for v in slot] for slot in cell] for cell in row]
                   for row in labels.tolist()],
        "proposals": {"boxes": guess_boxes, "scores": guess_scores, "classes": guess_classes},
    }
