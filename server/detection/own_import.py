"""Your own detection data: a zip of pictures with YOLO label files, made into scenes.

Labels are found where the tools put them: beside the picture (`cat1.jpg` + `cat1.txt`), or
in the Ultralytics layout, where `images/` becomes `labels/` (`images/train/a.jpg` +
`labels/train/a.txt`). A picture without a label file is a background picture (no objects),
as in YOLO. Each picture is fitted into the dataset's square, keeping its aspect ratio and
padding with black (server/imaging/fit.py: the same fit /detect uses), and its boxes move
with it. A picture or label that cannot be used is skipped with its reason; the rest go on.

Held-out pictures: those under a `val/`, `valid/`, `validation/` or `test/` folder when the
zip has both such a folder and a training one; otherwise a tenth of the pictures (at least
one of five or more), picked by the hash of the file, so the same zip splits the same way.
"""

from __future__ import annotations

import hashlib
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any

import numpy as np

from server.datasets.folder import IMAGE_SUFFIXES, ZipLimits, checked_entries, open_zip
from server.datasets.normalize import to_channels
from server.datasets.user_pictures import unreadable
from server.detection.yolo_files import (
    MAX_CLASSES,
    BadLabel,
    Objects,
    parse_labels,
    parse_names,
)
from server.errors import InvalidInput, PlaygroundError
from server.imaging import IntakeLimits, decode_image
from server.imaging.fit import fit_geometry, letterbox

NAME_FILES = ("classes.txt", "data.yaml", "dataset.yaml", "data.yml")
TEST_FOLDERS = {"val", "valid", "validation", "test"}
MIN_BOX = 1.0  # pixels, after fitting: a smaller box is dropped (noted)
CHUNK = 32


@dataclass
class Picture:
    """One picture fitted into the dataset's square, with its boxes in pixels (xywh)."""

    file: str
    digest: str
    pixels: np.ndarray
    boxes: np.ndarray
    classes: np.ndarray
    held_out: bool


@dataclass
class Imported:
    names: list[str]
    pictures: list[Picture] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)  # {file, reason, type, ctx}
    notes: list[str] = field(default_factory=list)
    backgrounds: int = 0
    digests: set[str] = field(default_factory=set)

    def nbytes(self) -> int:
        """What keeping the pictures takes on disk (pixels, and 20 bytes a box)."""
        return sum(p.pixels.nbytes + 20 * len(p.boxes) for p in self.pictures)


def label_path(parts: tuple[str, ...]) -> tuple[str, ...]:
    """Where a picture's labels are in the Ultralytics layout (the last `images` folder
    named `labels`); beside the picture when there is none."""
    stem = (*parts[:-1], PurePosixPath(parts[-1]).stem + ".txt")
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == "images":
            return (*stem[:i], "labels", *stem[i + 1:])
    return stem


def _text(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int = 2**20) -> str:
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise BadLabel(f"{info.filename} is over {limit // 1024} KB; a label file is a few "
                       "lines")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadLabel(f"{info.filename} is not UTF-8 text") from None


def _names(archive: zipfile.ZipFile, entries: dict[tuple[str, ...], zipfile.ZipInfo]
           ) -> list[str] | None:
    found = sorted((len(p), p) for p in entries
                   if p[-1].lower() in NAME_FILES or p[-1].lower().endswith(".names"))
    if not found:
        return None
    parts = found[0][1]
    try:
        return parse_names(parts[-1], _text(archive, entries[parts]))
    except BadLabel as bad:
        raise InvalidInput(f"file: {'/'.join(parts)}: {bad}", ["file"]) from None


def _split_folders(images: list[tuple[str, ...]]) -> bool:
    """Whether the zip splits its pictures by folder (train and val/test both present)."""
    folders = {part.lower() for parts in images for part in parts[:-1]}
    return "train" in folders and bool(folders & TEST_FOLDERS)


def _fit(data: bytes, objects: Objects, size: int, channels: int,
         limits: IntakeLimits) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(pixels, boxes in pixels, classes, boxes dropped as too small) of one picture."""
    pixels = to_channels(decode_image(data, limits).pixels, channels)
    height, width = pixels.shape[:2]
    fit_w, fit_h, top, left = fit_geometry(height, width, size, size)
    cx, cy, w, h = objects.boxes.T if len(objects.boxes) else np.zeros((4, 0))
    x0 = np.clip((cx - w / 2), 0, 1) * fit_w + left
    y0 = np.clip((cy - h / 2), 0, 1) * fit_h + top
    x1 = np.clip((cx + w / 2), 0, 1) * fit_w + left
    y1 = np.clip((cy + h / 2), 0, 1) * fit_h + top
    boxes = np.stack([x0, y0, x1 - x0, y1 - y0], axis=1).astype(np.float32).reshape(-1, 4)
    big = (boxes[:, 2] >= MIN_BOX) & (boxes[:, 3] >= MIN_BOX)
    return (letterbox(pixels, size, size), boxes[big], objects.classes[big],
            int((~big).sum()))


def _prepare(job: tuple[str, bytes, Objects, bool], size: int, channels: int,
             limits: IntakeLimits) -> tuple[Picture, int] | dict[str, Any]:
    """(the picture, boxes dropped as too small), or why it is skipped."""
    name, data, objects, held_out = job
    try:
        pixels, boxes, classes, small = _fit(data, objects, size, channels, limits)
    except PlaygroundError as exc:
        return unreadable(exc).entry(name)
    digest = hashlib.sha256(data).hexdigest()[:32]
    return Picture(name, digest, pixels, boxes, classes, held_out), small


def _jobs(archive: zipfile.ZipFile, entries: dict[tuple[str, ...], zipfile.ZipInfo],
          out: Imported, limits: IntakeLimits) -> list[tuple[tuple[str, ...], Objects, bool]]:
    """(picture path, its objects, held out) of every picture whose labels are usable."""
    images = [p for p in entries if PurePosixPath(p[-1]).suffix.lower() in IMAGE_SUFFIXES]
    by_folder = _split_folders(images)
    labelled, jobs = 0, []
    for parts in images:
        name = "/".join(parts)
        beside = (*parts[:-1], PurePosixPath(parts[-1]).stem + ".txt")
        labels = entries.get(label_path(parts)) or entries.get(beside)
        try:
            objects = (parse_labels(_text(archive, labels), len(out.names)) if labels
                       else Objects(np.zeros(0, np.int64), np.zeros((0, 4))))
        except BadLabel as bad:
            out.skipped.append({"file": name, "reason": f"its labels: {bad}",
                                "type": "skip_labels", "ctx": {"reason": str(bad)}})
            continue
        labelled += labels is not None
        if entries[parts].file_size > limits.max_bytes:
            out.skipped.append({"file": name, "reason": f"over a limit: larger than "
                                f"{limits.max_bytes} bytes (CNNPG_MAX_UPLOAD_BYTES)",
                                "type": "skip_too_large", "ctx": {"limit": limits.max_bytes}})
            continue
        held = by_folder and bool({p.lower() for p in parts[:-1]} & TEST_FOLDERS)
        jobs.append((parts, objects, held))
    if images and not labelled:
        raise InvalidInput("file: no picture has a YOLO label file; put `name.txt` beside "
                           "`name.jpg`, or use the Ultralytics layout (images/a.jpg with "
                           "labels/a.txt), one `class cx cy w h` line per object", ["file"],
                           code="detection_zip_no_labels")
    out.backgrounds = sum(len(o.classes) == 0 for _, o, _ in jobs)
    return jobs


def read_detection_zip(stream: IO[bytes], size: int, channels: int, limits: IntakeLimits,
                       zip_limits: ZipLimits | None = None) -> Imported:
    """Every usable picture of the zip, fitted into size x size x channels."""
    archive = open_zip(stream, "zip the pictures with their YOLO .txt label files", "detection")
    entries = dict(checked_entries(archive, zip_limits or ZipLimits()))
    names = _names(archive, entries)
    out = Imported(names or [])
    if names is None:
        out.names = [str(i) for i in range(_highest_class(archive, entries) + 1)]
        out.notes.append("no classes.txt, *.names or data.yaml: the classes are named by "
                         "their numbers")
    jobs = _jobs(archive, entries, out, limits)
    if not jobs and not out.skipped:
        raise InvalidInput("file: the zip holds no pictures (.png, .jpg, .jpeg, .webp, "
                           ".bmp, .gif or .tif)", ["file"], code="detection_zip_no_pictures")
    with ThreadPoolExecutor(2, thread_name_prefix="detection-import") as pool:
        for start in range(0, len(jobs), CHUNK):
            chunk = [("/".join(p), _read(archive, entries[p]), o, h)
                     for p, o, h in jobs[start:start + CHUNK]]
            for made in pool.map(lambda job: _prepare(job, size, channels, limits), chunk):
                _keep(out, made)
    return out


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with archive.open(info) as member:
        return member.read()


def _keep(out: Imported, made: tuple[Picture, int] | dict[str, Any]) -> None:
    if isinstance(made, dict):
        out.skipped.append(made)
        return
    picture, small = made
    if picture.digest in out.digests:
        out.skipped.append({"file": picture.file, "reason": "duplicate: the same file is "
                            "already in the zip", "type": "skip_duplicate_in_zip", "ctx": {}})
        return
    out.pictures.append(picture)
    out.digests.add(picture.digest)
    if small:
        out.notes.append(f"{picture.file}: {small} box(es) under {MIN_BOX:g} pixel after "
                         "fitting the picture were left out")


def _highest_class(archive: zipfile.ZipFile, entries: dict[tuple[str, ...], Any]) -> int:
    """The largest class number in any label file (the classes when none are named)."""
    highest = 0
    for parts, info in entries.items():
        if parts[-1].endswith(".txt"):
            try:
                lines = _text(archive, info).splitlines()
            except BadLabel:
                continue  # said again, with the file, when its picture is read
            for line in lines:
                fields = line.split()
                if fields and fields[0].isdigit():
                    highest = max(highest, int(fields[0]))
    return min(highest, MAX_CLASSES - 1)
