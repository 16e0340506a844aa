"""POST /api/detection/iou: the lecture's example, exact fractions, three formats, 422s."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from .brute_force import iou, iou_by_cells

SMALL = st.tuples(st.integers(-6, 6), st.integers(-6, 6), st.integers(1, 6), st.integers(1, 6))


def post(client: TestClient, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = client.post("/api/detection/iou", json=body)
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]


def half(v: int) -> float:
    return v // 2 if v % 2 == 0 else v / 2  # an integer when it is one: JSON 1, not 1.0


def as_format(box: tuple[int, int, int, int], fmt: str) -> list[float]:
    x, y, w, h = box
    forms: dict[str, list[float]] = {"xywh": [x, y, w, h], "xyxy": [x, y, x + w, y + h],
             "cxcywh": [x + half(w), y + half(h), w, h]}
    return forms[fmt]


def test_lecture_example_one_seventh(client: TestClient) -> None:
    out = post(client, {"a": [0, 0, 2, 2], "b": [1, 1, 2, 2], "format": "xywh"})
    assert out["iou_exact"] == "1/7"
    assert out["iou"] == 1 / 7
    assert (out["intersection"], out["union"]) == (1, 7)
    assert out["intersection_box"] == [1, 1, 2, 2]
    lines = out["text"].splitlines()
    assert "  x1 = max(0, 1) = 1" in lines
    assert "  x2 = min(2, 3) = 2" in lines
    assert "Union U = A + B - I = 4 + 4 - 1 = 7" in lines
    assert lines[-1] == "IoU = I / U = 1 / 7 = 1/7 = 0.142857"


def test_half_integers_from_centres_stay_exact(client: TestClient) -> None:
    out = post(client, {"a": [1, 1, 3, 2], "b": [2, 2, 2, 2], "format": "cxcywh"})
    assert out["iou_exact"] == "3/17"
    assert (out["intersection"], out["union"]) == (1.5, 8.5)
    assert out["intersection_box"] == [1, 1, 2.5, 2]
    assert "IoU = I / U = (3/2) / (17/2) = 3/17 = 0.176471" in out["text"]


@pytest.mark.parametrize("b", [[5, 5, 2, 2], [2, 0, 2, 2]], ids=["apart", "touching"])
def test_no_overlap_has_no_intersection_box(client: TestClient, b: list[int]) -> None:
    out = post(client, {"a": [0, 0, 2, 2], "b": b})
    assert (out["iou"], out["intersection"], out["union"]) == (0.0, 0, 8)
    assert out["intersection_box"] is None
    assert "the boxes do not overlap" in out["text"]


def test_float_inputs_are_written_as_decimals(client: TestClient) -> None:
    out = post(client, {"a": [0.5, 0, 2, 2], "b": [1, 1, 2, 2.25]})
    assert out["iou_exact"] is None
    assert out["iou"] == pytest.approx(iou([0.5, 0, 2, 2], [1, 1, 2, 2.25], "xywh"), rel=1e-15)
    assert "Intersection I = width x height = 1.5 x 1 = 1.5" in out["text"]


@settings(max_examples=60, deadline=None)
@given(a=SMALL, b=SMALL)
def test_every_format_agrees_with_counted_cells(client: TestClient,
                                                a: tuple[int, int, int, int],
                                                b: tuple[int, int, int, int]) -> None:
    expected = iou_by_cells(a, b)
    for fmt in ("xywh", "xyxy", "cxcywh"):
        out = post(client, {"a": as_format(a, fmt), "b": as_format(b, fmt), "format": fmt})
        assert out["iou"] == float(expected), fmt
        if fmt != "cxcywh" or all(v % 2 == 0 for v in (*a[2:], *b[2:])):
            assert Fraction(out["iou_exact"]) == expected, fmt


@pytest.mark.parametrize(("body", "loc", "words"), [
    ({"a": [0, 0, 0, 2], "b": [1, 1, 2, 2]}, ["a"], "width is 0; a box needs a positive width"),
    ({"a": [0, 0, 2, 2], "b": [1, 1, 2, -1]}, ["b"], "height is -1; a box needs a positive"),
    ({"a": [0, 0, 2], "b": [1, 1, 2, 2]}, ["a"], "has 3 numbers; a xywh box is 4 numbers"),
    ({"a": [3, 0, 2, 2], "b": [1, 1, 2, 2], "format": "xyxy"}, ["a"],
     "x2 = 2 is not greater than x1 = 3"),
    ({"a": [0, 0, 2, 2], "b": [1, 1e10, 2, 2]}, ["b"], "coordinates are at most 1e+09"),
])
def test_bad_boxes_are_named(client: TestClient, body: dict[str, Any], loc: list[str],
                             words: str) -> None:
    detail = post(client, body, 422)["detail"]
    assert [d["loc"] for d in detail] == [loc]
    assert words in detail[0]["msg"]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e400"])
def test_not_finite_is_named(client: TestClient, value: str) -> None:
    body = f'{{"a": [0, 0, 2, 2], "b": [1, 1, {value}, 2]}}'
    response = client.post("/api/detection/iou", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["b"]
    assert detail[0]["msg"].startswith("b [1, 1, ")
    assert "w is" in detail[0]["msg"]
    assert detail[0]["msg"].endswith("give a finite number")
