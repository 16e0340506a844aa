"""Which scenes GET /api/detection/scenes shows: mnist-detect's, or those of a detection
dataset of yours (or one broadcast in a room you joined), with the grid the yolo-tiny preset
would use on it (fit_detector: its cells, your classes, anchors from your boxes)."""

from __future__ import annotations

from typing import Any

from server.classroom.access import readable_dataset
from server.classroom.sessions import Identity
from server.detection import own_scenes
from server.detection.detector import GRID, grid_of, yolo_tiny_spec
from server.detection.scene_cache import NAME, load_scenes
from server.detection.scene_view import scene_view
from server.errors import InvalidInput
from server.services import Services
from server.training.detection_checks import fit_detector


def dataset_scene(services: Services, identity: Identity, dataset: str, split: str,
                  index: int) -> dict[str, Any]:
    registry = services.datasets
    if dataset == NAME:
        view = scene_view(load_scenes(registry.scenes_dir, registry, split), GRID, split, index)
        return view | {"dataset": NAME, "title": NAME}
    record = readable_dataset(services, identity, dataset)  # 404 unless you may see it
    if record.task != "detection":
        raise InvalidInput(f"dataset {dataset!r} is a classification dataset (pictures with "
                           "a class, no boxes); give mnist-detect or one of your detection "
                           "datasets", ["query", "dataset"])
    info = registry.info(dataset)
    grid = grid_of(fit_detector(yolo_tiny_spec(), info, registry))
    scenes = own_scenes.load(services.user_datasets.root / dataset, split, list(info.classes))
    return scene_view(scenes, grid, split, index) | {"dataset": dataset, "title": record.name}
