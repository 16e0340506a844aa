"""The Host allow-list (against DNS rebinding), security headers and HEAD on pages."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
import websockets
from app_settings import make_settings
from fastapi.testclient import TestClient
from live_server import serving

from server.api.pages import PAGES
from server.main import create_app

PAGE_PATHS = [path.replace("{code}", "ABC123") for path in PAGES]


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "localhost.evil.example",
                                  "127.0.0.1.nip.io"])
def test_a_name_the_server_does_not_answer_to_is_refused(make_client: Callable[..., TestClient],
                                                         host: str) -> None:
    client = make_client()
    response = client.get("/api/health", headers={"host": host})
    assert response.status_code == 400
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["header", "host"]
    assert host in detail["msg"]
    assert "CNNPG_ALLOWED_HOSTS" in detail["msg"]
    assert client.post("/api/sessions", headers={"host": host}).status_code == 400


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1", "[::1]:8000",
                                  "192.168.1.20:8000", "10.0.0.7", "class.school.example",
                                  "PLAYGROUND.example.org:443"])
def test_addresses_and_configured_names_are_answered(make_client: Callable[..., TestClient],
                                                     host: str) -> None:
    client = make_client(allowed_hosts=["testserver", "class.school.example"],
                         public_url="https://playground.example.org")
    assert client.get("/api/health", headers={"host": host}).status_code == 200


def test_a_socket_to_a_foreign_name_is_closed_with_a_reason() -> None:
    app = create_app(make_settings())

    async def scenario(address: str) -> None:
        url = f"ws://{address}/ws/kernels"
        port = int(address.rsplit(":", 1)[1])
        # As after DNS rebinding: the browser connects to this server under the page's name.
        with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
            async with websockets.connect(f"ws://evil.example:{port}/ws/kernels",
                                          host="127.0.0.1", port=port):
                pass
        assert refused.value.response.status_code == 403  # closed before accept
        async with websockets.connect(url) as ws:  # by its address: served
            assert ws.state.name == "OPEN"

    with serving(app) as address:
        asyncio.run(scenario(address))


@pytest.mark.parametrize("path", [*PAGE_PATHS, "/docs", "/api/health"])
def test_every_response_carries_the_security_headers(make_client: Callable[..., TestClient],
                                                     path: str) -> None:
    response = make_client().get(path)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, no other site
    assert directives["frame-ancestors"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


@pytest.mark.parametrize("path", [*PAGE_PATHS, "/static/favicon.svg"])
def test_head_is_answered_on_every_page(make_client: Callable[..., TestClient],
                                        path: str) -> None:
    client = make_client()
    head = client.head(path)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == client.get(path).headers["content-type"]
