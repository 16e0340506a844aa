"""Independent references for the detection maths: plain Python, one pair at a time.

`iou` uses the same float64 formula as the server ((A + B) - I, then I / U), so NMS
decisions agree bit for bit; `iou_by_cells` counts unit cells and shares nothing with it."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

Box = Sequence[float]


def corners(box: Box, fmt: str) -> tuple[float, float, float, float]:
    a, b, c, d = box
    if fmt == "xyxy":
        return a, b, c, d
    if fmt == "xywh":
        return a, b, a + c, b + d
    return a - c / 2, b - d / 2, a + c / 2, b + d / 2


def iou(a: Box, b: Box, fmt: str) -> float:
    ax1, ay1, ax2, ay2 = corners(a, fmt)
    bx1, by1, bx2, by2 = corners(b, fmt)
    inter = max(0.0, min(ax2, bx2) - max(ax1, bx1)) * max(0.0, min(ay2, by2) - max(ay1, by1))
    union = ((ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1)) - inter
    return inter / union


def iou_by_cells(a: Sequence[int], b: Sequence[int]) -> Fraction:
    """Integer xywh boxes: count the unit cells each covers; IoU = shared / either."""
    def cells(box: Sequence[int]) -> set[tuple[int, int]]:
        x, y, w, h = box
        return {(i, j) for i in range(x, x + w) for j in range(y, y + h)}

    first, second = cells(a), cells(b)
    return Fraction(len(first & second), len(first | second))


def nms(boxes: list[list[float]], scores: list[float], classes: list[int] | None,
        iou_threshold: float, score_threshold: float, fmt: str
        ) -> tuple[list[int], list[int], dict[int, list[tuple[int, float]]]]:
    """(keep, dropped, removed): the greedy loop as the lecture states it."""
    labels = classes if classes is not None else [0] * len(boxes)
    dropped = [i for i, s in enumerate(scores) if s < score_threshold]
    order = sorted((i for i, s in enumerate(scores) if s >= score_threshold),
                   key=lambda i: (-scores[i], i))
    standing = set(order)
    keep: list[int] = []
    removed: dict[int, list[tuple[int, float]]] = {}
    for position, i in enumerate(order):
        if i not in standing:
            continue
        keep.append(i)
        removed[i] = []
        for j in order[position + 1:]:
            if j in standing and labels[j] == labels[i]:
                value = iou(boxes[i], boxes[j], fmt)
                if value > iou_threshold:
                    standing.discard(j)
                    removed[i].append((j, value))
    return keep, dropped, {k: sorted(v) for k, v in removed.items()}
