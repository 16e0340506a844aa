"""NMS (server/detection/nms.py) against the plain-Python greedy loop, over generated boxes,
in one block and split across many blocks."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.detection.nms import nms

from . import brute_force

COORD = st.integers(0, 30) | st.floats(0, 30, allow_nan=False)
SIDE = st.integers(1, 12) | st.floats(0.25, 12, allow_nan=False)
SCORE = st.sampled_from([0.1, 0.5, 0.9]) | st.floats(0, 1, allow_nan=False)  # ties likely
FORMAT = st.sampled_from(["xywh", "cxcywh", "xyxy"])


@st.composite
def problems(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(0, 40))
    fmt = draw(FORMAT)
    boxes: list[list[float]] = []
    for _ in range(n):
        x, y, w, h = draw(COORD), draw(COORD), draw(SIDE), draw(SIDE)
        boxes.append([x, y, x + w, y + h] if fmt == "xyxy" else [x, y, w, h])
    return {"boxes": boxes, "scores": [draw(SCORE) for _ in range(n)],
            "classes": draw(st.none() | st.lists(st.integers(0, 2), min_size=n, max_size=n)),
            "iou_threshold": draw(st.sampled_from([0.0, 0.5, 1.0]) | st.floats(0, 1)),
            "score_threshold": draw(st.sampled_from([0.0, 0.5]) | st.floats(0, 1)),
            "fmt": fmt}


@settings(max_examples=300, deadline=None)
@given(problem=problems(), rows_per_block=st.sampled_from([1, 2, 3, 7, 10_000]))
def test_matches_the_brute_force_loop(problem: dict[str, Any], rows_per_block: int) -> None:
    n = max(1, len(problem["boxes"]))
    result = nms(**problem, block_elements=rows_per_block * n)
    keep, dropped, removed = brute_force.nms(**problem)
    assert result.keep == keep
    assert result.dropped == dropped
    assert {k: sorted(v) for k, v in result.removed.items()} == removed


def test_zero_threshold_removes_any_overlap_but_not_touching() -> None:
    boxes = [[0.0, 0, 2, 2], [1.999, 0, 2, 2], [2.0, 0, 2, 2]]
    result = nms(boxes, [0.9, 0.8, 0.7], None, 0.0, 0.0, "xywh")
    assert result.keep == [0, 2]
    assert [j for j, _ in result.removed[0]] == [1]


def test_threshold_one_removes_nothing_even_identical_boxes() -> None:
    boxes = [[0, 0, 2, 2]] * 3
    assert nms(boxes, [0.5, 0.5, 0.5], None, 1.0, 0.0, "xywh").keep == [0, 1, 2]
    assert nms(boxes, [0.5, 0.5, 0.5], None, 0.999, 0.0, "xywh").keep == [0]
