"""YOLO label files, as Ultralytics, Darknet, LabelImg, CVAT and Roboflow write them.

One text file per picture, one line per object: `class cx cy w h`, the class a 0-based
integer and the box its centre, width and height as fractions of the picture (0..1). An
empty file is a picture with no objects. The class names come from `classes.txt` (LabelImg),
a `*.names` file (Darknet) or the `names:` of a `data.yaml` (Ultralytics: a list, or a map
from index to name); without one, the classes are named by their numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import yaml

MAX_CLASSES = 100
MAX_OBJECTS = 200  # per picture
EDGE = 0.01  # a box may stick out of the picture this much (rounding in labelling tools)


class BadLabel(ValueError):
    """A label file that cannot be used, with the line, the value and the fix."""


@dataclass(frozen=True)
class Objects:
    classes: np.ndarray  # (N,) int64
    boxes: np.ndarray  # (N, 4) float64: cx, cy, w, h as fractions of the picture


def parse_labels(text: str, classes: int | None) -> Objects:
    """One label file's objects. `classes`: how many there are (None: not known yet)."""
    found: list[int] = []
    boxes: list[list[float]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 5:
            what = "a segmentation polygon" if len(fields) > 5 and len(fields) % 2 else (
                f"{len(fields)} values")
            raise BadLabel(f"line {number} holds {what}; a detection label is 5 values: "
                           "class cx cy w h")
        label = _class(fields[0], number, classes)
        box = [_fraction(value, name, number) for value, name in
               zip(fields[1:], ("cx", "cy", "w", "h"), strict=True)]
        cx, cy, w, h = box
        if w <= 0 or h <= 0:
            raise BadLabel(f"line {number}: the box has width {w} and height {h}; both must "
                           "be above 0")
        if cx - w / 2 < -EDGE or cy - h / 2 < -EDGE or cx + w / 2 > 1 + EDGE or (
                cy + h / 2 > 1 + EDGE):
            raise BadLabel(f"line {number}: the box {cx} {cy} {w} {h} reaches outside the "
                           "picture; YOLO boxes are the centre, width and height as fractions "
                           "of the picture (0 to 1), not pixels")
        found.append(label)
        boxes.append(box)
        if len(found) > MAX_OBJECTS:
            raise BadLabel(f"more than {MAX_OBJECTS} objects in one picture")
    return Objects(np.asarray(found, np.int64), np.asarray(boxes, np.float64).reshape(-1, 4))


def _class(text: str, number: int, classes: int | None) -> int:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value.is_integer() or value < 0:
        raise BadLabel(f"line {number}: the class {text!r} is not a class number (0, 1, 2, "
                       "...); the first value of a line is the class")
    label = int(value)
    limit = MAX_CLASSES if classes is None else classes
    if label >= limit:
        names = (f"the {classes} class names listed" if classes is not None
                 else f"at most {MAX_CLASSES} classes")
        raise BadLabel(f"line {number}: class {label} is past {names}; numbers go from 0 to "
                       f"{limit - 1}")
    return label


def _fraction(text: str, name: str, number: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise BadLabel(f"line {number}: {name} is {text!r}, not a number") from None
    if not math.isfinite(value):
        raise BadLabel(f"line {number}: {name} is {text!r}; give a number from 0 to 1")
    return value


def parse_names(file_name: str, text: str) -> list[str]:
    """The class names of a classes.txt / *.names (one per line) or a data.yaml (`names`)."""
    if file_name.lower().endswith((".yaml", ".yml")):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise BadLabel(f"{file_name} is not readable YAML ({exc})") from None
        names = data.get("names") if isinstance(data, dict) else None
        if isinstance(names, dict):
            keys = sorted(names, key=lambda k: int(k) if str(k).isdigit() else -1)
            if [str(k) for k in keys] != [str(i) for i in range(len(keys))]:
                raise BadLabel(f"{file_name}: names are keyed {keys}; number them 0, 1, 2, ...")
            names = [names[k] for k in keys]
        if not isinstance(names, list) or not names:
            raise BadLabel(f"{file_name} has no `names:` list of the classes; add one, "
                           "for example names: [cat, dog]")
        found = [str(n) for n in names]
    else:
        found = [line.strip() for line in text.splitlines() if line.strip()]
    if not found:
        raise BadLabel(f"{file_name} names no class; write one class name per line")
    if len(found) > MAX_CLASSES:
        raise BadLabel(f"{file_name} names {len(found)} classes; at most {MAX_CLASSES}")
    return found
