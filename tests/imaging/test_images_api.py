"""POST/GET /api/images, the samples, upload limits (BodyLimit) and temporary files."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pictures import decode_png, encode, noise, png, png_header_only
from PIL import Image

from server.api.body_limit import BodyLimit
from server.config import DATA_DIR

SAMPLES = DATA_DIR / "images"
FORMATS_TEXT = "PNG, JPEG, WebP, BMP, GIF (first frame) and TIFF"


def upload(client: TestClient, data: bytes, name: str = "photo.png") -> Any:
    return client.post("/api/images", files={"file": (name, data, "application/octet-stream")})


def test_upload_then_download_round_trips(client: TestClient) -> None:
    pixels = noise(37, 41, 3, seed=2)
    response = upload(client, png(pixels))
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("width", "height", "channels", "format")} == {
        "width": 41, "height": 37, "channels": 3, "format": "PNG"}
    image = client.get(f"/api/images/{body['image_id']}")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert np.array_equal(decode_png(image.content), pixels)


def test_download_is_exif_rotated(client: TestClient) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(Image.fromarray(noise(20, 30, 3)), "JPEG", exif=exif.tobytes())
    body = upload(client, data, "phone.jpg").json()
    assert (body["width"], body["height"]) == (20, 30)
    assert "rotated by EXIF orientation 6" in body["notes"]
    assert decode_png(client.get(f"/api/images/{body['image_id']}").content).shape == (30, 20, 3)


def test_grayscale_upload_keeps_one_channel(client: TestClient) -> None:
    gray = noise(9, 7, 1, seed=3)
    body = upload(client, png(gray)).json()
    assert body["channels"] == 1
    assert np.array_equal(decode_png(client.get(f"/api/images/{body['image_id']}").content), gray)


@pytest.mark.parametrize(("data", "status", "words"), [
    (b"just some text", 415, ["a text file", FORMATS_TEXT]),
    (b"%PDF-1.4\n", 415, ["a PDF document", FORMATS_TEXT]),
    (b"PK\x03\x04rest-of-zip", 415, ["a zip archive", FORMATS_TEXT]),
    (b"", 422, ["empty", "choose an image file"]),
    (png(noise(30, 30, 3))[:300], 422, ["PNG", "truncated or corrupt", "re-export"]),
    (png_header_only(100_000, 100_000), 413, ["decompression bomb"]),
])
def test_bad_uploads(client: TestClient, data: bytes, status: int, words: list[str]) -> None:
    response = upload(client, data)
    assert response.status_code == status
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["file"]
    for word in words:
        assert word in detail[0]["msg"]


def test_unknown_image_id_is_404(client: TestClient) -> None:
    response = client.get("/api/images/no-such-id")
    assert response.status_code == 404
    msg = response.json()["detail"][0]["msg"]
    assert "'no-such-id'" in msg
    assert "POST /api/images" in msg


def test_upload_over_the_pixel_limit(make_client: Callable[..., TestClient]) -> None:
    small = make_client(max_image_pixels=1000)
    response = upload(small, png(noise(40, 40, 3)))
    assert response.status_code == 413
    assert "40x40" in response.json()["detail"][0]["msg"]
    assert upload(small, png(noise(20, 40, 3))).status_code == 201


def test_file_over_the_limit_but_within_the_framing_allowance(
        make_client: Callable[..., TestClient]) -> None:
    small = make_client(max_upload_bytes=64 * 1024)
    data = png(noise(150, 150, 3))  # ~66 KB: past the file limit, inside the body allowance
    assert 64 * 1024 < len(data) < 128 * 1024
    response = upload(small, data)
    assert response.status_code == 413
    msg = response.json()["detail"][0]["msg"]
    assert "upload limit of 64.0 KB" in msg
    assert "CNNPG_MAX_UPLOAD_BYTES" in msg


def multipart(data: bytes, boundary: str = "b0undary") -> tuple[bytes, dict[str, str]]:
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
            "Content-Type: image/png\r\n\r\n").encode()
    return (head + data + f"\r\n--{boundary}--\r\n".encode(),
            {"content-type": f"multipart/form-data; boundary={boundary}"})


def test_oversized_body_with_content_length(make_client: Callable[..., TestClient]) -> None:
    small = make_client(max_upload_bytes=64 * 1024)
    body, headers = multipart(png(noise(300, 300, 3)))
    response = small.post("/api/images", content=body, headers=headers)
    assert response.status_code == 413
    assert response.request.headers["content-length"] == str(len(body))
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body"]
    assert "the upload limit is 64.0 KB" in detail["msg"]
    assert "CNNPG_MAX_UPLOAD_BYTES" in detail["msg"]


def test_oversized_chunked_body_without_content_length(
        make_client: Callable[..., TestClient]) -> None:
    small = make_client(max_upload_bytes=64 * 1024)
    body, headers = multipart(png(noise(300, 300, 3)))

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 16 * 1024):
            yield body[start:start + 16 * 1024]

    response = small.post("/api/images", content=chunks(), headers=headers)
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 413
    assert "the upload limit is 64.0 KB" in response.json()["detail"][0]["msg"]


def test_body_limit_stops_reading_a_stream_once_over() -> None:
    """The middleware on its own: 16 KB chunks, no Content-Length, a 40 KB limit."""
    reached: list[bool] = []
    received: list[int] = []
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append(True)

    async def receive() -> dict[str, Any]:
        received.append(len(received))
        return {"type": "http.request", "body": b"x" * 16384, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "headers": [(b"content-type", b"x/y")]}
    asyncio.run(BodyLimit(app, max_bytes=40 * 1024, allowance=0)(scope, receive, send))
    assert not reached
    assert len(received) == 3
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["detail"][0]["type"] == "too_large"


def test_body_limit_passes_small_streamed_bodies_through() -> None:
    chunks = [{"type": "http.request", "body": b"ab", "more_body": True},
              {"type": "http.request", "body": b"cd", "more_body": False}]
    seen: list[bytes] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            seen.append(message["body"])
            if not message["more_body"]:
                break

    async def receive() -> dict[str, Any]:
        return chunks.pop(0)

    async def send(message: dict[str, Any]) -> None:
        raise AssertionError("nothing should be sent")

    limit = BodyLimit(app, max_bytes=4, allowance=0)
    asyncio.run(limit({"type": "http", "method": "POST", "headers": []}, receive, send))
    assert seen == [b"ab", b"cd"]


def temp_fds(tmp: str) -> list[str]:
    """Open file descriptors pointing into tmp (an unlinked spool file shows as "... (deleted)")."""
    links = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            links.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    return sorted(link for link in links if link.startswith(tmp))


@pytest.mark.parametrize("route", ["/api/images", "/api/kernels/apply"])
def test_large_uploads_leave_no_temporary_file(client: TestClient, route: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # A private temp dir, so files other processes create in /tmp cannot disturb the count.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    rollovers: list[bool] = []
    original = tempfile.SpooledTemporaryFile.rollover

    def spy(self: Any) -> None:
        rollovers.append(True)
        original(self)

    monkeypatch.setattr(tempfile.SpooledTemporaryFile, "rollover", spy)
    data = png(noise(700, 700, 3))  # ~1.5 MB: Starlette spools it to disk
    assert len(data) > 1024 * 1024
    tmp = tempfile.gettempdir()
    assert tmp == str(tmp_path)
    before, fds_before = sorted(os.listdir(tmp)), temp_fds(tmp)
    fields = {"kernel": "identity"} if route.endswith("apply") else {}
    response = client.post(route, files={"file": ("big.png", data, "image/png")}, data=fields)
    assert response.status_code in (200, 201), response.text
    assert rollovers, "the upload was never spooled to disk: the test proves nothing"
    assert sorted(os.listdir(tmp)) == before
    assert temp_fds(tmp) == fds_before


def test_samples_list(client: TestClient) -> None:
    samples = client.get("/api/samples").json()["samples"]
    names = sorted(p.stem for p in SAMPLES.glob("*.png"))
    assert [s["name"] for s in samples] == names
    assert names
    credits = json.loads((SAMPLES / "samples.json").read_text())
    for sample in samples:
        assert sample["licence"]
        assert sample["licence"] == credits[sample["name"]]["licence"]
        assert sample["title"]
        assert sample["source"]
        assert sample["url"] == f"/api/samples/{sample['name']}"
        with Image.open(SAMPLES / f"{sample['name']}.png") as image:
            assert (sample["width"], sample["height"]) == image.size
        assert sample["channels"] in (1, 3)


@pytest.mark.parametrize("name", sorted(p.stem for p in SAMPLES.glob("*.png")))
def test_sample_bytes_are_the_file(client: TestClient, name: str) -> None:
    response = client.get(f"/api/samples/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == Path(SAMPLES / f"{name}.png").read_bytes()


def test_unknown_sample_is_404_listing_samples(client: TestClient) -> None:
    response = client.get("/api/samples/nope")
    assert response.status_code == 404
    msg = response.json()["detail"][0]["msg"]
    assert "'nope'" in msg
    assert "camera" in msg
    assert "astronaut" in msg
