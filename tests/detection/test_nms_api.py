"""POST /api/detection/nms: the lecture-style example, classes, score threshold, ties, the
422s and the box cap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

# Three cars (class 0) around one car, and a person (class 1) on top of the first car.
CARS: dict[str, Any] = {
    "boxes": [[10, 10, 40, 40], [12, 12, 40, 40], [30, 30, 40, 40], [11, 11, 40, 40]],
    "scores": [0.9, 0.8, 0.7, 0.6], "classes": [0, 0, 0, 1]}


def post(client: TestClient, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = client.post("/api/detection/nms", json=body)
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]


def test_lecture_example_per_class(client: TestClient) -> None:
    out = post(client, CARS)
    assert out["keep"] == [0, 2, 3]
    assert out["dropped"] == []
    first, second, third = out["steps"]
    # Box 1 against box 0: I = 38 x 38 = 1444, U = 1600 + 1600 - 1444 = 1756.
    assert (first["kept"], first["removed"]) == (0, [{"index": 1, "iou": 1444 / 1756}])
    assert first["text"] == "keep box 0 (score 0.9, class 0); remove box 1 (IoU 0.8223 > 0.5)"
    # Box 2 overlaps box 0 by 20 x 20 = 400 of 2800: IoU 1/7, under the threshold.
    assert (second["kept"], second["removed"]) == (2, [])
    assert (third["kept"], third["class"], third["removed"]) == (3, 1, [])


def test_without_classes_the_person_goes_too(client: TestClient) -> None:
    out = post(client, {**CARS, "classes": None})
    assert out["keep"] == [0, 2]
    assert out["steps"][0]["removed"] == [{"index": 1, "iou": 1444 / 1756},
                                          {"index": 3, "iou": 1521 / 1679}]
    assert out["steps"][0]["class"] is None


def test_score_threshold_drops_first_and_keeps_equal(client: TestClient) -> None:
    out = post(client, {**CARS, "score_threshold": 0.7})
    assert out["dropped"] == [3]
    assert out["keep"] == [0, 2]  # 0.7 is not below 0.7


def test_equal_scores_lower_index_first(client: TestClient) -> None:
    same = post(client, {"boxes": [[0, 0, 2, 2], [0, 0, 2, 2]], "scores": [0.5, 0.5]})
    assert same["keep"] == [0]
    assert same["steps"][0]["removed"] == [{"index": 1, "iou": 1.0}]
    apart = post(client, {"boxes": [[0, 0, 1, 1], [5, 5, 1, 1], [9, 9, 1, 1]],
                          "scores": [0.5, 0.9, 0.5]})
    assert apart["keep"] == [1, 0, 2]


def test_formats_agree(client: TestClient) -> None:
    xyxy = [[x, y, x + w, y + h] for x, y, w, h in CARS["boxes"]]
    centres = [[x + w // 2, y + h // 2, w, h] for x, y, w, h in CARS["boxes"]]
    expected = post(client, CARS)
    assert post(client, {**CARS, "boxes": xyxy, "format": "xyxy"}) == expected
    assert post(client, {**CARS, "boxes": centres, "format": "cxcywh"}) == expected


def test_bad_boxes_and_lengths_named_together(client: TestClient) -> None:
    body = {"boxes": [[0, 0, 2, 2], [0, 0, 2, 2], [0, 0, 2], [1, 1, 0, 5]],
            "scores": [0.5, 0.5, 0.5], "classes": [0, 0, 0, 0, 1]}
    detail = post(client, body, 422)["detail"]
    assert [d["loc"] for d in detail] == [["scores"], ["classes"], ["boxes", 2], ["boxes", 3]]
    assert "scores has 3 numbers but boxes has 4 boxes; give one score per box" in detail[0]["msg"]
    assert detail[2]["msg"] == ("boxes[2] [0, 0, 2] has 3 numbers; a xywh box is 4 numbers "
                                "[x, y, w, h]")
    assert detail[3]["msg"] == ("boxes[3] [1, 1, 0, 5] width is 0; a box needs a positive "
                                "width (greater than 0)")


def test_not_finite_box_is_named(client: TestClient) -> None:
    response = client.post("/api/detection/nms", headers={"content-type": "application/json"},
                           content='{"boxes": [[0, 0, 2, 2], [0, NaN, 2, 2]], "scores": [1, 1]}')
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["boxes", 1]
    assert detail[0]["msg"] == "boxes[1] [0, nan, 2, 2] y is nan; give a finite number"


def test_many_bad_boxes_are_reported_up_to_twenty(client: TestClient) -> None:
    detail = post(client, {"boxes": [[0, 0, -1, 1]] * 50, "scores": [0.5] * 50}, 422)["detail"]
    assert [d["loc"] for d in detail] == [["boxes", i] for i in range(20)]


@pytest.mark.parametrize(("field", "value", "loc", "words"), [
    ("iou_threshold", 1.5, ["iou_threshold"], "less than or equal to 1 (got 1.5)"),
    ("score_threshold", -0.1, ["score_threshold"], "greater than or equal to 0 (got -0.1)"),
    ("scores", [0.5, 2.0], ["scores", 1], "less than or equal to 1 (got 2.0)")])
def test_thresholds_and_scores_in_zero_one(client: TestClient, field: str, value: Any,
                                           loc: list[Any], words: str) -> None:
    body = {"boxes": [[0, 0, 2, 2], [1, 1, 2, 2]], "scores": [0.5, 0.5], field: value}
    detail = post(client, body, 422)["detail"]
    assert detail[0]["loc"] == loc
    assert words in detail[0]["msg"]


def test_box_cap_is_a_setting(make_client: Callable[..., TestClient]) -> None:
    small = make_client(max_detection_boxes=3)
    detail = post(small, {**CARS}, 422)["detail"]
    assert detail[0]["loc"] == ["boxes"]
    assert "boxes has 4 boxes; at most 3 per request (CNNPG_MAX_DETECTION_BOXES)" in \
        detail[0]["msg"]


def test_ten_thousand_distinct_boxes_all_kept_and_one_more_refused(client: TestClient) -> None:
    boxes = [[(i % 100) * 20, (i // 100) * 20, 10, 10] for i in range(10_000)]
    scores = [(i * 7919 % 10_000) / 10_000 for i in range(10_000)]
    out = post(client, {"boxes": boxes, "scores": scores})
    assert sorted(out["keep"]) == list(range(10_000))
    assert [scores[k] for k in out["keep"]] == sorted(scores, reverse=True)
    assert all(step["removed"] == [] for step in out["steps"])
    detail = post(client, {"boxes": [*boxes, [0, 0, 1, 1]], "scores": [*scores, 0.5]},
                  422)["detail"]
    assert "boxes has 10001 boxes; at most 10000" in detail[0]["msg"]
