"""GET /api/detection/scenes/{split}/{index}: a scene, its labels, its proposals, and 4xx."""

from __future__ import annotations

import base64
import io

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image

from server.detection.scenes import INK

from .brute_force import iou


def test_a_scene_comes_with_its_boxes_its_label_grid_and_proposals(client: TestClient) -> None:
    answer = client.get("/api/detection/scenes/test/3")
    assert answer.status_code == 200, answer.text
    scene = answer.json()
    assert (scene["split"], scene["index"], scene["count"], scene["size"]) == ("test", 3, 1000, 96)
    picture = Image.open(io.BytesIO(base64.b64decode(scene["image"].split(",", 1)[1])))
    pixels = np.asarray(picture)
    assert pixels.shape == (96, 96)
    objects = scene["objects"]
    assert 1 <= len(objects) <= 4
    rows, cols = np.nonzero(pixels >= INK)
    # Every ink pixel lies in some object's box.
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        assert any(o["box"][0] <= c < o["box"][0] + o["box"][2]
                   and o["box"][1] <= r < o["box"][1] + o["box"][3] for o in objects)
    grid = scene["grid"]
    assert (grid["cells"], grid["cell_size"], grid["boxes_per_cell"]) == (6, 16, 2)
    assert grid["slot"][:5] == ["P", "x", "y", "w", "h"]
    assert len(grid["slot"]) == 15
    labels = np.array(scene["labels"])
    assert labels.shape == (6, 6, 2, 15)
    for o in objects:  # each object sits in the cell of its centre, its class one-hot
        x, y, w, h = o["box"]
        row, col = int((y + h / 2) // 16), int((x + w / 2) // 16)
        slots = [s for s in labels[row, col] if s[0] == 1 and s[5 + o["class"]] == 1]
        assert any(abs(s[3] - w / 16) < 1e-3 and abs(s[4] - h / 16) < 1e-3 for s in slots)
    proposals = scene["proposals"]
    assert len(proposals["boxes"]) == 5 * len(objects)
    assert all(0 <= s <= 1 for s in proposals["scores"])
    best = max(iou(p, objects[0]["box"], "xywh") for p in proposals["boxes"])
    assert best > 0.99  # the truth itself is among the guesses


def test_the_same_scene_answers_the_same_and_the_train_split_is_another(
        client: TestClient) -> None:
    first = client.get("/api/detection/scenes/test/10").json()
    assert client.get("/api/detection/scenes/test/10").json() == first
    train = client.get("/api/detection/scenes/train/10").json()
    assert train["count"] == 6000
    assert train["image"] != first["image"]


def test_a_scene_past_the_end_or_an_unknown_split_is_a_4xx_that_says_what_exists(
        client: TestClient) -> None:
    past = client.get("/api/detection/scenes/test/1000")
    assert past.status_code == 404
    assert "0 to 999" in past.text
    assert "index" in past.text
    split = client.get("/api/detection/scenes/validation/0")
    assert split.status_code == 422
    assert "split" in split.text
    assert "test" in split.text
    negative = client.get("/api/detection/scenes/test/-1")
    assert negative.status_code == 422
    assert "index" in negative.text
