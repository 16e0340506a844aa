"""The session cookie against its neighbours: another app on the same host (cookies are not
kept apart by port), a sibling path, or a page's script may set cookies that arrive with
ours. None of them may replace a valid session or cause a 500."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable

import pytest
from app_settings import make_settings
from fastapi.testclient import TestClient
from live_server import serving

from server.classroom.sessions import COOKIE, Signer, cookie_values
from server.main import create_app

FORGED = "v1.s-0123456789abcdef01234567.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
OTHER_SERVER = Signer(b"another server's secret!").token("s-0123456789abcdef01234567")

NEIGHBOURS = {
    "malformed quoting before": 'theme="dark; lang=en"x; {REAL}',
    "unterminated quote after": '{REAL}; note="unterminated',
    "no equals sign": "flag; ;;; =; {REAL}; =novalue",
    "forged session before": f"{COOKIE}={FORGED}; {{REAL}}",
    "forged session after": f"{{REAL}}; {COOKIE}={FORGED}",
    "another server's session before": f"{COOKIE}={OTHER_SERVER}; {{REAL}}",
    "empty session before": f"{COOKIE}=; {{REAL}}",
    "quoted": f'{COOKIE}="{{TOKEN}}"',
    "old-style attributes": "$Version=1; {REAL}; $Path=/",
    "spaces and unicode junk": "  a = b ; é=ü; {REAL} ;x=\x7f",
    "150 forged sessions before": "; ".join([f"{COOKIE}={FORGED}"] * 150) + "; {REAL}",
    "60 kB of junk": "junk=" + "x" * 60_000 + "; {REAL}",
}


def session_of(client: TestClient, cookie: str) -> tuple[int, str, bool]:
    """(status, session id, whether a new cookie was set) for a request with this header."""
    client.cookies.clear()
    response = client.get("/api/sessions/me", headers={"cookie": cookie.encode()})
    minted = "set-cookie" in response.headers
    return response.status_code, response.json().get("session_id", ""), minted


@pytest.mark.parametrize("header", list(NEIGHBOURS.values()), ids=list(NEIGHBOURS))
def test_neighbouring_cookies_never_replace_a_valid_session(
        make_client: Callable[..., TestClient], header: str) -> None:
    client = make_client()
    real = client.post("/api/sessions").json()
    cookie = header.replace("{REAL}", f"{COOKIE}={real['token']}").replace(
        "{TOKEN}", real["token"])
    assert session_of(client, cookie) == (200, real["session_id"], False)


@pytest.mark.parametrize("header", [
    f"{COOKIE}={FORGED}", f'{COOKIE}="unterminated', f"{COOKIE}={OTHER_SERVER}",
    'a="b; c', "x" * 70_000, "; ".join([f"{COOKIE}={FORGED}"] * 5000), "=" * 100])
def test_only_junk_gets_a_new_session_and_never_an_error(
        make_client: Callable[..., TestClient], header: str) -> None:
    client = make_client(raise_server_exceptions=False)
    status, session_id, minted = session_of(client, header)
    assert (status, minted) == (200, True)
    assert session_id.startswith("s-")
    assert session_id not in header


def test_several_cookie_headers_are_read_together() -> None:
    """HTTP/2 sends cookies as several headers (and a client may send HTTP/1.1 so): a
    forged one in the second header does not hide the real one in the first."""
    with serving(create_app(make_settings())) as base:
        host, port = base.rsplit(":", 1)
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            connection.request("POST", "/api/sessions")
            real = json.loads(connection.getresponse().read())
            connection.putrequest("GET", "/api/sessions/me")
            connection.putheader("Cookie", f"other=1; {COOKIE}={real['token']}")
            connection.putheader("Cookie", f"{COOKIE}={FORGED}")
            connection.endheaders()
            response = connection.getresponse()
            me = json.loads(response.read())
        finally:
            connection.close()
    assert response.status == 200
    assert me["session_id"] == real["session_id"]
    assert response.getheader("set-cookie") is None
    assert cookie_values(f"a=1; {COOKIE}=x; {COOKIE}=\"y\"") == ["x", "y"]
