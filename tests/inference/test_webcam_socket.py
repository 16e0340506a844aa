"""/ws/classify (the Classify page's webcam), from a real websocket client to a real uvicorn
server: answers equal POST /api/models/{id}/predict's for the same picture, the newest frame
wins while the server is slow, the socket's rate holds, and hostile frames are answered with
an error naming the field while the socket stays open."""

from __future__ import annotations

import io
import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import numpy as np
import pytest
from api.test_fanout import http_post, session
from app_settings import make_settings
from live_server import serving
from PIL import Image
from websockets.sync.client import ClientConnection, connect

from inference.conftest import png
from server.config import Settings
from server.datasets.registry import DatasetRegistry
from server.inference.predictor import Loaded
from server.main import create_app
from server.services import Services


@pytest.fixture(scope="module")
def live(models_dir: Path) -> Iterator[tuple[str, Services]]:
    app = create_app(make_settings(models_dir=models_dir, webcam_max_fps=1000.0,
                                   webcam_max_frame_bytes=64 * 1024, webcam_max_pixels=4096))
    with serving(app) as host:
        yield host, app.state.services


def model_ids(host: str) -> dict[str, str]:
    with urllib.request.urlopen(f"http://{host}/api/models", timeout=10) as answer:
        rows = json.load(answer)["models"]
    return {("shipped" if r["id"].startswith("lenet") else r["name"]): r["id"] for r in rows}


def send_frame(ws: ClientConnection, picture: bytes, **header: Any) -> None:
    ws.send(json.dumps({"type": "frame", **header}))
    ws.send(picture)


def rgba_of(image_png: bytes) -> tuple[bytes, int, int]:
    with Image.open(io.BytesIO(image_png)) as image:
        rgba = image.convert("RGBA")
        return rgba.tobytes(), rgba.width, rgba.height


def probabilities(predictions: list[dict[str, Any]], classes: int) -> np.ndarray:
    out = np.zeros(classes)
    for p in predictions:
        out[p["index"]] = p["probability"]
    return out


def pictures() -> list[tuple[str, bytes, list[str]]]:
    """(model name, a PNG, its classes): an MNIST test digit and a colour photo."""
    digits, _ = DatasetRegistry(Settings().datasets_dir).load("mnist", "test")
    rng = np.random.default_rng(4)
    photo = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    return [("shipped", png(digits[0][..., 0]), [str(i) for i in range(10)]),
            ("rgb photos", png(photo), ["red", "green", "blue"])]


def test_answers_equal_predict_for_the_same_picture(live: tuple[str, Services]) -> None:
    host, _ = live
    ids = model_ids(host)
    with connect(f"ws://{host}/ws/classify") as ws:
        for name, picture, classes in pictures():
            rest = httpx2.post(f"http://{host}/api/models/{ids[name]}/predict",
                              params={"top_k": len(classes), "explain": "true"},
                              files={"file": ("p.png", picture, "image/png")}).json()
            rgba, width, height = rgba_of(picture)
            send_frame(ws, picture, id=1, model_id=ids[name], top_k=len(classes))
            answers = [json.loads(ws.recv(timeout=20))]  # one at a time: the newest wins
            send_frame(ws, rgba, id=2, model_id=ids[name], top_k=len(classes), format="rgba",
                       width=width, height=height)
            answers.append(json.loads(ws.recv(timeout=20)))
            for frame_id, answer in enumerate(answers, start=1):
                assert answer["type"] == "result", answer
                assert answer["id"] == frame_id
                assert [p["label"] for p in answer["predictions"]] == [
                    p["label"] for p in rest["predictions"]]
                assert set(classes) == {p["label"] for p in answer["predictions"]}
                np.testing.assert_allclose(
                    probabilities(answer["predictions"], len(classes)),
                    probabilities(rest["predictions"], len(classes)), atol=1e-5)
                assert answer["explanation"]["method"] == rest["explanation"]["method"]
                np.testing.assert_allclose(answer["explanation"]["values"],
                                           rest["explanation"]["values"], atol=1e-4)
                assert answer["explanation"]["overlay_png"].startswith("data:image/png;base64,")
                assert answer["time_ms"] > 0


def slow_forward(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    original = Loaded.probabilities

    def slowed(self: Loaded, x: Any) -> Any:
        time.sleep(seconds)
        return original(self, x)

    monkeypatch.setattr(Loaded, "probabilities", slowed)


def test_the_newest_frame_wins_while_the_server_is_slow(
        live: tuple[str, Services], monkeypatch: pytest.MonkeyPatch) -> None:
    host, _ = live
    shipped = model_ids(host)["shipped"]
    picture = png(np.zeros((28, 28), np.uint8))
    slow_forward(monkeypatch, 0.5)
    with connect(f"ws://{host}/ws/classify") as ws:
        send_frame(ws, picture, id=1, model_id=shipped, explain=False)
        time.sleep(0.1)  # frame 1 is in the (slowed) forward pass
        for frame_id in range(2, 31):
            send_frame(ws, picture, id=frame_id, model_id=shipped, explain=False)
        first, second = (json.loads(ws.recv(timeout=20)) for _ in range(2))
        assert (first["id"], second["id"]) == (1, 30)  # 2..29 were replaced, never run
        assert first["skipped"] == 0
        assert second["skipped"] == 28
        assert second["stats"] == {"received": 30, "answered": 2, "skipped": 28, "errors": 0}
        with pytest.raises(TimeoutError):
            ws.recv(timeout=1.0)  # nothing older comes after the newest
        send_frame(ws, picture, id=31, model_id=shipped, explain=False)
        assert json.loads(ws.recv(timeout=20))["id"] == 31


def test_a_socket_classifies_at_most_its_rate(models_dir: Path) -> None:
    app = create_app(make_settings(models_dir=models_dir, webcam_max_fps=5.0))
    picture = png(np.zeros((28, 28), np.uint8))
    with serving(app) as host, connect(f"ws://{host}/ws/classify") as ws:
        shipped = model_ids(host)["shipped"]
        started = time.monotonic()
        for frame_id in range(6):
            send_frame(ws, picture, id=frame_id, model_id=shipped, explain=False)
            assert json.loads(ws.recv(timeout=20))["id"] == frame_id
        assert time.monotonic() - started >= 5 * 0.2 - 0.05  # 6 frames at 5 a second


def private_model(host: str, services: Services) -> tuple[str, dict[str, str]]:
    """A model private to a new session, and headers that make another session."""
    _, alice = session(http_post(host))
    bob, _ = session(http_post(host))
    model = services.models.copy(model_ids(host)["shipped"], "alice's webcam model",
                                 {"owner": alice, "visibility": "private"})
    return model, bob


def hostile(shipped: str, private: str) -> list[tuple[str, list[str | bytes], str, list[str]]]:
    """(case, messages sent, the loc answered, words of the message)."""
    digit = png(np.zeros((28, 28), np.uint8))
    frame = {"type": "frame", "id": 7, "model_id": shipped}
    rgba = {**frame, "format": "rgba", "width": 10, "height": 10}
    return [
        ("garbage bytes", [b"\x00\xff garbage"], "header", ["without its header"]),
        ("not an image", [json.dumps(frame), b"\x00\xff garbage"], "frame",
         ["not an accepted image"]),
        ("not JSON", ["{frame", digit], "", ["not JSON"]),
        ("wrong field", [json.dumps({**frame, "colour": 1}), digit], "colour",
         ["colour is not a known field"]),
        ("wrong type", [json.dumps({**frame, "type": "photo"}), digit], "type", ["frame"]),
        ("wrong model", [json.dumps({**frame, "model_id": "no-such"}), digit], "model_id",
         ["no-such", "GET /api/models"]),
        ("private model", [json.dumps({**frame, "model_id": private}), digit], "model_id",
         [private, "GET /api/models"]),
        ("huge", [json.dumps(frame), b"\x89PNG" + bytes(100_000)], "frame",
         ["97.7 KB", "at most 64.0 KB", "CNNPG_WEBCAM_MAX_FRAME_BYTES"]),
        ("too many pixels", [json.dumps({**rgba, "width": 100, "height": 100}),
                             bytes(40_000)], "width", ["10000 pixels", "at most 4096"]),
        ("wrong size", [json.dumps(rgba), bytes(399)], "frame", ["399 bytes", "10x10 has 400"]),
        ("no size", [json.dumps({**frame, "format": "rgba"}), bytes(400)], "width",
         ["needs its width"]),
        ("no picture", [json.dumps(frame), json.dumps({**frame, "id": 8}), digit], "frame",
         ["frame 7 came without its picture"]),
        ("long header", [json.dumps({**frame, "model_id": "x" * 5000}), digit], "header",
         ["characters", "at most 4096"]),
    ]


def test_hostile_frames_are_answered_and_the_socket_stays_open(
        live: tuple[str, Services]) -> None:
    host, services = live
    shipped = model_ids(host)["shipped"]
    private, bob = private_model(host, services)
    digit = png(np.zeros((28, 28), np.uint8))
    with connect(f"ws://{host}/ws/classify", additional_headers=bob) as ws:
        for case, messages, loc, words in hostile(shipped, private):
            for message in messages:
                ws.send(message)
            error = json.loads(ws.recv(timeout=20))
            assert error["type"] == "error", (case, error)
            assert 400 <= error["status"] < 500, (case, error)
            detail = error["detail"][0]
            assert (detail["loc"][-1] if detail["loc"] else "") == loc, (case, detail)
            for word in words:
                assert word in detail["msg"], (case, detail["msg"])
            if case == "no picture":  # the second header got its picture: answered
                assert json.loads(ws.recv(timeout=20))["id"] == 8
            send_frame(ws, digit, id=99, model_id=shipped, explain=False)
            answer = json.loads(ws.recv(timeout=20))
            assert (answer["type"], answer["id"]) == ("result", 99), (case, answer)
