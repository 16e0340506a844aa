"""Pages on other sites cannot change things here or open websockets; programs can."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from app_settings import make_settings
from fastapi.testclient import TestClient
from live_server import serving
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from server.main import create_app

SPEC = {"input": {"channels": 1, "height": 8, "width": 8},
        "layers": [{"type": "flatten"}, {"type": "dense", "units": 2}]}


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 200),  # curl, scripts: no Origin
    ({"origin": "http://testserver"}, 200),  # the server's own pages
    ({"origin": "http://evil.example"}, 403),
    ({"origin": "null"}, 403),  # sandboxed iframes, file:// pages
    ({"origin": "http://testserver.evil.example"}, 403),
    ({"sec-fetch-site": "cross-site"}, 403),
    ({"sec-fetch-site": "same-origin"}, 200),
])
def test_state_changing_requests(client: TestClient, headers: dict[str, str],
                                 status: int) -> None:
    answer = client.post("/api/networks/summary", json=SPEC, headers=headers)
    assert answer.status_code == status, answer.text
    if status == 403:
        problem = answer.json()["detail"][0]
        assert problem["loc"] == ["header", "origin"]
        assert "pages on other sites cannot change things here" in problem["msg"]


def test_reading_is_never_refused(client: TestClient) -> None:
    answer = client.get("/api/health", headers={"origin": "http://evil.example"})
    assert answer.status_code == 200


def test_a_cross_site_upload_is_refused_before_its_body_is_read(client: TestClient) -> None:
    answer = client.post("/api/images", headers={"origin": "http://evil.example"},
                         files={"file": ("big.png", b"0" * (9 * 1024 * 1024))})
    assert answer.status_code == 403  # not 413: refused on the headers alone


def test_the_allow_list(make_client: Callable[..., TestClient]) -> None:
    client = make_client(allowed_origins=["https://class.example.org"])
    allowed = client.post("/api/networks/summary", json=SPEC,
                          headers={"origin": "https://class.example.org"})
    assert allowed.status_code == 200
    other = client.post("/api/networks/summary", json=SPEC,
                        headers={"origin": "https://other.example.org"})
    assert other.status_code == 403
    assert "CNNPG_ALLOWED_ORIGINS" in other.json()["detail"][0]["msg"]


def test_websockets_in_process(client: TestClient) -> None:
    with client.websocket_connect("/ws/kernels", headers={"origin": "http://testserver"}):
        pass
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(
            "/ws/kernels", headers={"origin": "http://evil.example"}):
        pass
    assert refused.value.code == 1008


@pytest.fixture(scope="module")
def live() -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1, for a real websocket client."""
    with serving(create_app(make_settings())) as host:
        yield host


def test_a_real_websocket_client(live: str) -> None:
    with connect(f"ws://{live}/ws/kernels", origin=f"http://{live}") as ws:  # type: ignore[arg-type]
        ws.send(json.dumps({"type": "nonsense"}))
        assert json.loads(ws.recv(timeout=10))["type"] == "error"
    with connect(f"ws://{live}/ws/kernels") as ws:  # a program: no Origin at all
        ws.send(json.dumps({"type": "nonsense"}))
        assert json.loads(ws.recv(timeout=10))["type"] == "error"
    with pytest.raises(InvalidStatus) as refused:
        connect(f"ws://{live}/ws/kernels", origin="http://evil.example")  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403
