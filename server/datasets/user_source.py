"""A session's dataset (server/datasets/user_store.py) as the registry serves a built-in one:
its classes, its preprocessing and its train and test splits.

- **Test split**: a tenth of each class (at least one picture of a class with 5 or more),
  held out the same way every time: pictures are ordered by their id, a hash, so "the
  last in id order" is a fixed random pick. Training never sees them; the saved model's
  `test_accuracy` is measured on them.
- **Preprocessing** is the dataset's own: its size and channels, its `fit` ("pad" on the
  border colour, or "crop"), and the mean and standard deviation of its own pixels; not
  MNIST's digit centring or inversion. Prediction replays exactly this.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np

from server.datasets.info import Arrays, DatasetInfo, Preprocessing
from server.datasets.user_files import DatasetRecord, load_record
from server.datasets.user_packs import arrays
from server.detection import own_scenes
from server.errors import InvalidInput

HOLD_OUT = 0.1
RESIZE = {"pad": "pad_border", "crop": "crop"}  # the dataset's fit -> Preprocessing.resize


def held_out(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(train indexes, test indexes): per class, the last tenth (rounded, at least 1 of a
    class with 5 or more pictures)."""
    train, test = [], []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        count = len(members)
        n_test = max(1, round(count * HOLD_OUT)) if count >= 5 else 0
        train.append(members[:count - n_test])
        test.append(members[count - n_test:])
    if not train:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(train), np.concatenate(test)


def detection_dataset(folder: Path, record: DatasetRecord) -> DatasetInfo:
    """Pictures with boxes: read as scenes by a detection run (own_scenes.load), never as
    a classifier's arrays."""
    held = own_scenes.held_out(folder) if own_scenes.stored_bytes(folder) else np.zeros(0, bool)
    stats = own_scenes.stats(folder) if len(held) else (
        (0.5,) * record.channels, (0.25,) * record.channels)
    pre = Preprocessing(record.channels, record.size, record.size, *stats, resize="fit_pad",
                        background="any", content="photo")

    def refuse(_folder: Path, _split: str) -> Arrays:
        raise InvalidInput(f"dataset {record.name!r} holds boxes (a detection dataset): "
                           "train a network that ends in a detection_head on it",
                           ["dataset"])

    return DatasetInfo(folder.name, record.name, tuple(c.name for c in record.classes), pre,
                       "yours (made in this playground)",
                       {"train": int((~held).sum()), "test": int(held.sum())}, folder.name,
                       refuse, task="detection")


def user_dataset(root: Path, name: str) -> tuple[DatasetInfo, dict[str, Arrays]]:
    """Reads every picture once: the caller caches the result (by the dataset's stamp)."""
    record = load_record(root, name)
    with contextlib.suppress(OSError):  # read for a run: in use (data retention)
        os.utime(root / name / "dataset.json")
    if record.task == "detection":
        return detection_dataset(root / name, record), {}
    images, labels = arrays(root, record)
    train, test = held_out(labels)
    splits = {"train": (images[train], labels[train]), "test": (images[test], labels[test])}
    if len(images):
        scaled = images.reshape(-1, record.channels).astype(np.float64) / 255
        mean = tuple(round(float(v), 4) for v in scaled.mean(axis=0))
        std = tuple(round(max(float(v), 1e-3), 4) for v in scaled.std(axis=0))
    else:
        mean, std = (0.5,) * record.channels, (0.25,) * record.channels
    pre = Preprocessing(record.channels, record.size, record.size, mean, std,
                        resize=RESIZE[record.fit], background="any", content="photo")
    info = DatasetInfo(name, record.name, tuple(c.name for c in record.classes), pre,
                       "yours (made in this playground)",
                       {split: len(arrays[1]) for split, arrays in splits.items()}, name,
                       lambda _folder, split: splits[split])
    return info, splits
