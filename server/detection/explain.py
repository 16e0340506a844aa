"""IoU of two boxes, exact and explained: the arithmetic written out with its numbers.

The sums are done in rational arithmetic (fractions.Fraction) on the numbers as given, so
the answer is exact and rounded once, at the end, to a float. When every input is an integer
the text writes the exact fractions (IoU = 1/7); otherwise it writes decimals (10 digits).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from server.detection.boxes import FIELDS, Format

HOW = {  # how each corner comes from the box's own fields ({0}..{3}: the fields)
    "xyxy": [],
    "xywh": [(2, "x2 = x + w = {0} + {2}"), (3, "y2 = y + h = {1} + {3}")],
    "cxcywh": [(0, "x1 = cx - w/2 = {0} - {2}/2"), (1, "y1 = cy - h/2 = {1} - {3}/2"),
               (2, "x2 = cx + w/2 = {0} + {2}/2"), (3, "y2 = cy + h/2 = {1} + {3}/2")]}


def corners(box: Sequence[Fraction], fmt: Format) -> list[Fraction]:
    """(x1, y1, x2, y2), exact."""
    if fmt == "xyxy":
        return list(box)
    a, b, w, h = box
    if fmt == "xywh":
        return [a, b, a + w, b + h]
    return [a - w / 2, b - h / 2, a + w / 2, b + h / 2]


def number(value: Fraction, exact: bool) -> int | float:
    return int(value) if value.denominator == 1 and exact else float(value)


class Writer:
    """Numbers as the text writes them: exact fractions when every input is an integer."""

    def __init__(self, exact: bool) -> None:
        self.exact = exact

    def __call__(self, value: Fraction) -> str:
        if self.exact:
            return str(value)  # Fraction's own text: "7", "1/7", "-3/2"
        return f"{float(value):.10g}"


def box_lines(name: str, box: Sequence[int | float], fmt: Format, show: Writer,
              lines: list[str]) -> list[Fraction]:
    """The box's corners, exact; its lines (how the corners come from its format) added."""
    given = [Fraction(v) for v in box]
    corner = corners(given, fmt)
    lines.append(f"Box {name} ({', '.join(FIELDS[fmt])}) = ({', '.join(show(v) for v in given)})"
                 + ("" if fmt == "xyxy" else " -> corners (x1, y1, x2, y2) = ("
                    + ", ".join(show(v) for v in corner) + ")"))
    for index, step in HOW[fmt]:
        lines.append("  " + step.format(*(show(v) for v in given)) + f" = {show(corner[index])}")
    return corner


def overlap_lines(first: list[Fraction], second: list[Fraction], show: Writer,
                  lines: list[str]) -> tuple[list[Fraction], Fraction]:
    """The intersection's corners (max of the top-left corners, min of the bottom-right
    ones) and its area, with their lines."""
    lines.append("Intersection corners:")
    box = []
    for i, (label, how) in enumerate((("x1", max), ("y1", max), ("x2", min), ("y2", min))):
        value = how(first[i], second[i])
        box.append(value)
        lines.append(f"  {label} = {how.__name__}({show(first[i])}, {show(second[i])}) "
                     f"= {show(value)}")
    ix1, iy1, ix2, iy2 = box
    width, height = max(Fraction(0), ix2 - ix1), max(Fraction(0), iy2 - iy1)
    lines.append(f"  width = max(0, x2 - x1) = max(0, {show(ix2)} - {show(ix1)}) "
                 f"= {show(width)}")
    lines.append(f"  height = max(0, y2 - y1) = max(0, {show(iy2)} - {show(iy1)}) "
                 f"= {show(height)}")
    inter = width * height
    lines.append(f"Intersection I = width x height = {show(width)} x {show(height)} "
                 f"= {show(inter)}" + ("" if inter else ": the boxes do not overlap"))
    return box, inter


def iou_explained(a: Sequence[int | float], b: Sequence[int | float],
                  fmt: Format) -> dict[str, Any]:
    exact = all(type(v) is int for v in [*a, *b])
    show = Writer(exact)
    lines: list[str] = []
    first, second = box_lines("A", a, fmt, show, lines), box_lines("B", b, fmt, show, lines)
    box_areas = []
    for name, (x1, y1, x2, y2) in (("A", first), ("B", second)):
        box_areas.append((x2 - x1) * (y2 - y1))
        lines.append(f"Area {name} = width x height = {show(x2 - x1)} x {show(y2 - y1)} "
                     f"= {show(box_areas[-1])}")
    area_a, area_b = box_areas
    box, inter = overlap_lines(first, second, show, lines)
    union = area_a + area_b - inter
    iou = inter / union
    lines.append(f"Union U = A + B - I = {show(area_a)} + {show(area_b)} - {show(inter)} "
                 f"= {show(union)}")
    ratio = " / ".join(show(v) if v.denominator == 1 or not exact else f"({show(v)})"
                       for v in (inter, union))
    lines.append(f"IoU = I / U = {ratio} = "
                 + (f"{show(iou)} = {float(iou):.6g}" if exact and iou.denominator != 1
                    else f"{show(iou)}" if exact else f"{float(iou):.10g}"))
    shared = None if inter == 0 else [number(v, exact) for v in box]
    return {"iou": float(iou), "iou_exact": show(iou) if exact else None,
            "intersection": number(inter, exact), "union": number(union, exact),
            "area_a": number(area_a, exact), "area_b": number(area_b, exact),
            "intersection_box": shared, "text": "\n".join(lines)}
