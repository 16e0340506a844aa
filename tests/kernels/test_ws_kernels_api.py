"""/ws/kernels: result header + KLR1 binary frame, error frames, last edit wins."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from typing import Any

import anyio
import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from pictures import decode_png, noise, png
from starlette.testclient import WebSocketTestSession

SPEC = {"steps": [{"kernel": "sobel_y"}], "output": "abs"}


def receive(ws: WebSocketTestSession, seconds: float = 20) -> dict[str, Any]:
    """The next frame, or a failure after `seconds` (TestClient's own receive waits forever)."""

    async def next_message() -> dict[str, Any]:
        with anyio.fail_after(seconds):
            return await ws._send_rx.receive()  # type: ignore[no-any-return]

    message = ws.portal.call(next_message)
    assert message["type"] == "websocket.send", message
    return message


def receive_json(ws: WebSocketTestSession) -> dict[str, Any]:
    message = receive(ws)
    assert message.get("text") is not None, "expected a text frame"
    return json.loads(message["text"])  # type: ignore[no-any-return]


def receive_result(ws: WebSocketTestSession) -> tuple[dict[str, Any], np.ndarray]:
    header = receive_json(ws)
    assert header["type"] == "result", header
    frame = receive(ws).get("bytes")
    assert frame is not None, "a result header is followed by a binary frame"
    magic, (rid, width, height) = frame[:4], struct.unpack("<III", frame[4:16])
    assert magic == b"KLR1"
    assert (rid, width, height) == (header["id"], header["width"], header["height"])
    assert len(frame) == 16 + width * height * 4
    return header, np.frombuffer(frame[16:], np.uint8).reshape(height, width, 4)


def request(rid: int, source: dict[str, Any] | None = None, spec: dict[str, Any] | None = None,
            **extra: Any) -> str:
    return json.dumps({"type": "apply", "id": rid, "source": source or {"sample": "camera"},
                       "spec": spec or SPEC, **extra})


def as_rgba(pixels: np.ndarray) -> np.ndarray:
    rgb = np.repeat(pixels, 3, axis=2) if pixels.shape[2] == 1 else pixels
    return np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])


@pytest.mark.parametrize("source", ["sample", "upload"])
def test_result_frame_equals_the_rest_png(client: TestClient, source: str) -> None:
    if source == "sample":
        src: dict[str, Any] = {"sample": "coffee"}
        form: dict[str, Any] = {"sample": "coffee"}
    else:
        up = client.post("/api/images", files={"file": ("a.png", png(noise(37, 41, 3)), "x")})
        src = form = {"image_id": up.json()["image_id"]}
    spec = {"steps": [{"kernel": "emboss", "stride": 2}], "output": "clip"}
    rest = client.post("/api/kernels/apply", data={**form, "spec": json.dumps(spec)})
    expected = as_rgba(decode_png(rest.content))
    with client.websocket_connect("/ws/kernels") as ws:
        ws.send_text(request(42, src, spec))
        header, rgba = receive_result(ws)
    assert header["id"] == 42
    assert header["channels"] == 3
    assert header["preview"] is False
    assert (header["height"], header["width"]) == expected.shape[:2]
    assert set(header["stats"]) == {"min", "max", "mean"}
    assert np.array_equal(rgba, expected)


def test_grayscale_results_are_grey_rgba(client: TestClient) -> None:
    spec = {"steps": [{"kernel": "box_blur_3"}], "channels": "grayscale"}
    rest = decode_png(client.post("/api/kernels/apply", data={
        "sample": "chelsea", "spec": json.dumps(spec)}).content)
    with client.websocket_connect("/ws/kernels") as ws:
        ws.send_text(request(1, {"sample": "chelsea"}, spec))
        header, rgba = receive_result(ws)
    assert header["channels"] == 1
    assert rest.shape[2] == 1
    assert np.array_equal(rgba, as_rgba(rest))


def test_preview_is_the_area_downscaled_image(client: TestClient) -> None:
    sample = decode_png(client.get("/api/samples/camera").content)
    with client.websocket_connect("/ws/kernels") as ws:
        ws.send_text(request(3, spec={"steps": [{"kernel": "identity"}]}, preview_max_side=64))
        header, rgba = receive_result(ws)
    small = cv2.resize(sample, (64, 64), interpolation=cv2.INTER_AREA)
    assert header["preview"] is True
    assert (header["width"], header["height"]) == (64, 64)
    assert np.array_equal(rgba, as_rgba(small[..., None] if small.ndim == 2 else small))


@pytest.mark.parametrize(("message", "rid", "status", "words"), [
    ("{oops", None, 400, ["not JSON", "send a JSON object"]),
    ("[1, 2]", None, 422, []),
    ('{"id": 5, "source": {"sample": "camera"}}', 5, 422, ["spec is required"]),
    (request(6, spec={"steps": [{"kernel": "blurry"}]}), 6, 422, ["unknown kernel 'blurry'"]),
    (request(7, spec={"steps": [{"kernel": "median", "stride": 2}]}), 7, 422,
     ["set stride to 1"]),
    ('{"id": 8, "source": {"sample": "camera"}, "spec": {"steps": [{"matrix": [[NaN]]}]}}',
     None, 400, ["NaN", "finite numbers"]),
    (request(9, {"image_id": "gone"}), 9, 404, ["'gone'", "upload it again"]),
    (request(10, {"sample": "nope"}), 10, 404, ["no sample named 'nope'"]),
    (request(11, colour="red"), 11, 422, ["colour is not a known field"]),
    (request(-1), -1, 422, ["id"]),
])
def test_errors_keep_the_socket_open(client: TestClient, message: str, rid: int | None,
                                     status: int, words: list[str]) -> None:
    with client.websocket_connect("/ws/kernels") as ws:
        ws.send_text(message)
        error = receive_json(ws)
        assert error["type"] == "error"
        assert error["id"] == rid
        assert error["status"] == status
        msg = " ".join(d["msg"] for d in error["detail"])
        for word in words:
            assert word in msg
        ws.send_text(request(100))  # the same socket still works
        header, _ = receive_result(ws)
        assert header["id"] == 100


def test_output_over_the_pixel_limit_is_a_413_frame(
        make_client: Callable[..., TestClient]) -> None:
    small = make_client(max_image_pixels=2000)
    up = small.post("/api/images", files={"file": ("a.png", png(noise(40, 45, 3)), "x")})
    spec = {"steps": [{"kernel": "box_blur_5", "padding_amount": 4}]}
    with small.websocket_connect("/ws/kernels") as ws:
        ws.send_text(request(2, {"image_id": up.json()["image_id"]}, spec))
        error = receive_json(ws)
    assert error["status"] == 413
    assert "larger stride" in error["detail"][0]["msg"]


def test_last_edit_wins(client: TestClient) -> None:
    ids = list(range(1, 13))
    with client.websocket_connect("/ws/kernels") as ws:
        for rid in ids:  # a burst, as a slider drag produces
            spec = {"steps": [{"kernel": "gaussian", "params": {"size": 2 * (rid % 7) + 1,
                                                                  "sigma": 2.0}}]}
            ws.send_text(request(rid, {"sample": "astronaut"}, spec))
        seen: list[int] = []
        while not seen or seen[-1] != ids[-1]:
            header, _ = receive_result(ws)
            seen.append(header["id"])
            assert len(seen) <= len(ids)
    assert seen == sorted(set(seen)), f"a stale result arrived after a newer one: {seen}"
    assert seen[-1] == ids[-1]


def test_last_edit_wins_result_is_the_last_request(client: TestClient) -> None:
    final = {"steps": [{"kernel": "sobel_x"}], "output": "offset"}
    rest = as_rgba(decode_png(client.post("/api/kernels/apply", data={
        "sample": "coins", "spec": json.dumps(final)}).content))
    with client.websocket_connect("/ws/kernels") as ws:
        for rid in range(1, 6):
            ws.send_text(request(rid, {"sample": "coins"}, {"steps": [{"kernel": "median"}]}))
        ws.send_text(request(6, {"sample": "coins"}, final))
        while True:
            header, rgba = receive_result(ws)
            if header["id"] == 6:
                break
    assert np.array_equal(rgba, rest)


def test_binary_frames_are_read_as_json_or_refused(client: TestClient) -> None:
    with client.websocket_connect("/ws/kernels") as ws:
        ws.send_bytes(b"\x00\xffnot json")
        error = receive_json(ws)
        assert (error["type"], error["status"]) == ("error", 400)
        assert "not JSON" in error["detail"][0]["msg"]
        ws.send_bytes(request(12).encode())  # JSON sent as a binary frame still works
        assert receive_result(ws)[0]["id"] == 12


def test_fuzz_every_message_is_answered_and_the_socket_survives(client: TestClient) -> None:
    import random

    rng = random.Random(5)
    hostile: list[Any] = [None, 1, -1, 2**40, "x", [], {}, [[1]], 1e308, {"steps": []},
                          {"steps": [{"matrix": [[1e308]]}]}, {"sample": 5}]
    with client.websocket_connect("/ws/kernels") as ws:
        for i in range(25):
            body: dict[str, Any] = {"type": "apply", "id": i, "source": {"sample": "coins"},
                                    "spec": {"steps": [{"kernel": "identity"}]}}
            for key in rng.sample(["type", "id", "source", "spec", "preview_max_side"], 2):
                body[key] = rng.choice(hostile)
            ws.send_text(json.dumps(body))
            reply = receive_json(ws)
            assert reply["type"] in ("result", "error")
            if reply["type"] == "result":
                receive(ws)  # its binary frame
            else:
                assert reply["status"] < 500
        ws.send_text(request(999))
        assert receive_result(ws)[0]["id"] == 999
