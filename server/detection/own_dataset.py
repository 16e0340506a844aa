"""Your own detection dataset as the API shows it: import a zip of pictures with YOLO labels,
describe it, export it (the Ultralytics layout, importable again) and fork it.

A detection dataset is made by one import. Its pictures come with boxes, so the picture-by-
picture changes of a classification dataset (add to a class, delete a class or a picture)
answer 409: import a corrected zip instead (export, edit the labels, import).
"""

from __future__ import annotations

import base64
import shutil
import zipfile
from pathlib import PurePosixPath
from typing import IO, Any

import numpy as np

from server.datasets.user_files import DatasetRecord
from server.datasets.user_store import UserDatasets
from server.detection import own_scenes
from server.detection.own_import import Imported, read_detection_zip
from server.detection.scene_files import images_file
from server.errors import Conflict
from server.imaging.codec import encode_png

THUMBNAILS = 8


def import_detection(store: UserDatasets, record: DatasetRecord, stream: IO[bytes]
                     ) -> dict[str, Any]:
    imported = read_detection_zip(stream, record.size, record.channels, store.limits)
    extra = imported.pictures[store.quotas.images:]
    if extra:
        del imported.pictures[store.quotas.images:]
        imported.skipped += [{"file": p.file, "reason": f"over a limit: a dataset holds at "
                              f"most {store.quotas.images} images (CNNPG_DATASET_MAX_IMAGES)"}
                             for p in extra]
    store.put_scenes(record, imported)
    return describe_detection(store, store.get(record.id)) | _outcome(imported)


def _outcome(imported: Imported) -> dict[str, Any]:
    return {"stored": len(imported.pictures), "backgrounds": imported.backgrounds,
            "skipped": imported.skipped[:1000], "skipped_count": len(imported.skipped),
            "notes": imported.notes[:100]}


def describe_detection(store: UserDatasets, record: DatasetRecord) -> dict[str, Any]:
    """Its classes with how many boxes each, its pictures per split, and the first few
    pictures with their boxes."""
    folder = store.root / record.id
    scenes = own_scenes.load(folder, "all", [c.name for c in record.classes])
    held = own_scenes.held_out(folder)
    boxes = own_scenes.box_counts(folder, [c.name for c in record.classes])
    thumbnails = []
    for index in range(min(THUMBNAILS, len(scenes))):
        found, classes = scenes.targets(index)
        png = encode_png(np.asarray(scenes.images[index]), compression=6)
        thumbnails.append({"png": "data:image/png;base64," + base64.b64encode(png).decode(),
                           "boxes": [[round(v, 1) for v in b] for b in found.tolist()],
                           "classes": classes.tolist()})
    return {"id": record.id, "name": record.name, "kind": "yours", "task": "detection",
            "size": record.size, "channels": record.channels, "fit": "letterbox",
            "created": record.created,
            "classes": [{"name": name, "boxes": count, "thumbnails": []}
                        for name, count in boxes.items()],
            "counts": boxes,
            "total": len(scenes), "pictures": {"train": int((~held).sum()),
                                               "test": int(held.sum())},
            "thumbnails": thumbnails}


def refuse_change(record: DatasetRecord) -> None:
    if record.task == "detection":
        raise Conflict(f"dataset {record.id} is a detection dataset: its pictures came with "
                       "their boxes in one import, so they are not changed one by one; export "
                       "it, edit the pictures or labels, and import the zip again",
                       ["dataset_id"])


def export_detection(store: UserDatasets, record: DatasetRecord,
                     archive: zipfile.ZipFile) -> None:
    """images/{train,val}/NAME.png and labels/{train,val}/NAME.txt (class cx cy w h over
    the stored square picture), and classes.txt: the Ultralytics layout, importable again
    with the same split."""
    folder = store.root / record.id
    scenes = own_scenes.load(folder, "all", [c.name for c in record.classes])
    names, held = own_scenes.files(folder), own_scenes.held_out(folder)
    archive.writestr("classes.txt", "".join(f"{c.name}\n" for c in record.classes))
    size = scenes.size
    for index in range(len(scenes)):
        split = "val" if held[index] else "train"
        stem = f"{index:05d}-{_safe(PurePosixPath(str(names[index])).stem)}"
        png = encode_png(np.asarray(scenes.images[index]), compression=6)
        archive.writestr(f"images/{split}/{stem}.png", png)
        found, classes = scenes.targets(index)
        archive.writestr(f"labels/{split}/{stem}.txt", "".join(
            f"{c} {(x + w / 2) / size:.6f} {(y + h / 2) / size:.6f} {w / size:.6f} "
            f"{h / size:.6f}\n" for (x, y, w, h), c in zip(found.tolist(), classes.tolist(),
                                                           strict=True)))


def _safe(stem: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)[:80] or "picture"


def fork_detection(store: UserDatasets, source: DatasetRecord, owner: str,
                   name: str) -> DatasetRecord:
    """A copy of `source`'s scene files in a new dataset of `owner`'s called `name`."""
    copy = store.create(owner, name, [c.name for c in source.classes], source.size,
                        source.channels, source.fit, task="detection")
    try:
        path = store.root / source.id / own_scenes.FILE
        for file in (images_file(path), path):  # the pictures first, as written
            shutil.copyfile(file, store.root / copy.id / file.name)
    except BaseException:
        store.delete(copy.id)
        raise
    return copy
