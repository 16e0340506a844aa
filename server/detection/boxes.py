"""Box formats, their checks, and IoU of one box against many (vectorised, float64).

Formats: ``xywh`` (top-left corner, width, height: the lecture's "origin, width, height"),
``cxcywh`` (centre, width, height) and ``xyxy`` (top-left and bottom-right corners). Every
computation converts to corners first, so the three formats give the same answer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import torch

from server.errors import InvalidInput, PlaygroundError

Format = Literal["xywh", "cxcywh", "xyxy"]
FIELDS: dict[str, tuple[str, str, str, str]] = {
    "xywh": ("x", "y", "w", "h"), "cxcywh": ("cx", "cy", "w", "h"),
    "xyxy": ("x1", "y1", "x2", "y2")}
COORD_LIMIT = 1e9  # |coordinate| at most this: areas stay far inside float64's exact range
MAX_REPORTED = 20  # bad boxes named in one 422


def box_problem(box: Sequence[float], fmt: Format) -> str | None:
    """Why this box cannot be used (naming the field and the fix), or None."""
    names = FIELDS[fmt]
    if len(box) != 4:
        return (f"has {len(box)} numbers; a {fmt} box is 4 numbers "
                f"[{', '.join(names)}]")
    for name, value in zip(names, box, strict=True):
        if not math.isfinite(value):
            return f"{name} is {value}; give a finite number"
        if abs(value) > COORD_LIMIT:
            return f"{name} is {value:g}; coordinates are at most {COORD_LIMIT:g} in size"
    if fmt == "xyxy":
        for low, high in ((0, 2), (1, 3)):
            if box[high] <= box[low]:
                return (f"{names[high]} = {box[high]:g} is not greater than {names[low]} = "
                        f"{box[low]:g}; give the top-left corner first, then the bottom-right "
                        f"(a box needs a positive {'width' if low == 0 else 'height'})")
        return None
    for name, value in zip(("width", "height"), box[2:], strict=True):
        if value <= 0:
            return f"{name} is {value:g}; a box needs a positive {name} (greater than 0)"
    return None


def check_box(box: Sequence[float], fmt: Format, loc: Sequence[str | int]) -> None:
    problem = box_problem(box, fmt)
    if problem is not None:
        raise InvalidInput(f"{_name(loc)} {list(box)!r} {problem}", loc)


def box_errors(boxes: Sequence[Sequence[float]], fmt: Format) -> list[PlaygroundError]:
    """Every bad box named by its index (the first MAX_REPORTED of them)."""
    errors: list[PlaygroundError] = []
    for i, box in enumerate(boxes):
        problem = box_problem(box, fmt)
        if problem is not None:
            errors.append(InvalidInput(f"boxes[{i}] {_short(box)} {problem}", ["boxes", i]))
            if len(errors) == MAX_REPORTED:
                break
    return errors


def _name(loc: Sequence[str | int]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc)


def _short(box: Sequence[float]) -> str:
    text = repr(list(box))
    return text if len(text) <= 80 else text[:77] + "..."


def to_corners(boxes: torch.Tensor, fmt: Format) -> torch.Tensor:
    """N x 4 in ``fmt`` -> N x 4 corners (x1, y1, x2, y2)."""
    if fmt == "xyxy":
        return boxes
    if fmt == "xywh":
        return torch.cat([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]], dim=1)
    half = boxes[:, 2:] / 2
    return torch.cat([boxes[:, :2] - half, boxes[:, :2] + half], dim=1)


def areas(corners: torch.Tensor) -> torch.Tensor:
    return (corners[:, 2] - corners[:, 0]) * (corners[:, 3] - corners[:, 1])


def iou_block(rows: torch.Tensor, row_areas: torch.Tensor, cols: torch.Tensor,
              col_areas: torch.Tensor) -> torch.Tensor:
    """IoU of R corner boxes against C corner boxes: R x C, float64, in three R x C buffers.
    The caller bounds R x C (NMS works in row blocks), so the N x N matrix is never held."""
    r, c = rows.T.contiguous(), cols.T.contiguous()
    low = torch.maximum(r[0, :, None], c[0, None, :])
    width = torch.minimum(r[2, :, None], c[2, None, :]).sub_(low).clamp_(min=0)
    torch.maximum(r[1, :, None], c[1, None, :], out=low)
    height = torch.minimum(r[3, :, None], c[3, None, :]).sub_(low).clamp_(min=0)
    inter = width.mul_(height)
    union = torch.add(row_areas[:, None], col_areas[None, :], out=height).sub_(inter)
    return inter.div_(union)
