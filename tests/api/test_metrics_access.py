"""Who may scrape GET /metrics: this machine (loopback, not through a proxy) always; anyone
else only with CNNPG_METRICS_TOKEN as a bearer token (403 naming the setting while it is
unset). And what the request counters call a request refused before routing."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from app_settings import make_settings
from fastapi.testclient import TestClient
from live_server import serving
from pydantic import ValidationError
from scrape import parse, scrape, value

from server.main import create_app

TOKEN = "s3cret-metrics-token-0123456789"
OUTSIDE = ("10.0.0.5", 123)


def test_from_elsewhere_without_a_token_set_the_answer_names_the_setting() -> None:
    answer = TestClient(create_app(make_settings()), client=OUTSIDE).get("/metrics")
    assert answer.status_code == 403
    detail = answer.json()["detail"][0]
    assert detail["loc"] == ["header", "authorization"]
    assert "came from 10.0.0.5" in detail["msg"]
    assert "Set CNNPG_METRICS_TOKEN" in detail["msg"]
    assert "cnnpg_" not in answer.text


@pytest.mark.parametrize(("header", "why"), [
    (None, "no bearer token was sent"),
    (f"Bearer {TOKEN}x", "the bearer token sent is not CNNPG_METRICS_TOKEN"),
    (f"Basic {TOKEN}", "no bearer token was sent")])
def test_from_elsewhere_a_wrong_or_missing_token_is_refused(header: str | None,
                                                            why: str) -> None:
    client = TestClient(create_app(make_settings(metrics_token=TOKEN)), client=OUTSIDE)
    answer = client.get("/metrics", headers={"Authorization": header} if header else {})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == 'Bearer realm="metrics"'
    assert answer.json()["detail"][0]["msg"].startswith(why)
    assert "cnnpg_" not in answer.text


def test_from_elsewhere_the_token_opens_it_and_no_session_is_made() -> None:
    client = TestClient(create_app(make_settings(metrics_token=TOKEN)), client=OUTSIDE)
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    assert "set-cookie" not in answer.headers  # a scraper keeps no session
    assert value(parse(answer.text), "cnnpg_ready") == 1


@pytest.mark.parametrize("peer", ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"])
def test_loopback_is_open_without_a_token(peer: str) -> None:
    client = TestClient(create_app(make_settings(metrics_token=TOKEN)), client=(peer, 5))
    assert client.get("/metrics").status_code == 200
    # A session's bearer token (or any other) does not get in the way.
    assert client.get("/metrics", headers={"Authorization": "Bearer x.y"}).status_code == 200


def test_loopback_through_a_proxy_needs_the_token() -> None:
    client = TestClient(create_app(make_settings()), client=("127.0.0.1", 5))
    answer = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert answer.status_code == 403
    assert "came from 127.0.0.1 through a proxy" in answer.json()["detail"][0]["msg"]


def test_over_tcp_behind_a_trusted_proxy_the_real_client_counts() -> None:
    app = create_app(make_settings(trusted_proxies=["127.0.0.1"]))
    with serving(app) as base:
        with urllib.request.urlopen(f"http://{base}/metrics", timeout=10) as answer:
            assert answer.status == 200  # this machine
        request = urllib.request.Request(f"http://{base}/metrics",
                                         headers={"X-Forwarded-For": "203.0.113.7"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 403
        assert "came from 203.0.113.7 through a proxy" in refused.value.read().decode()


def test_a_short_token_setting_is_refused_with_the_fix() -> None:
    with pytest.raises(ValidationError, match="a token of 5 characters: write 16 to 512"):
        make_settings(metrics_token="short")


def test_requests_refused_before_routing_are_counted_under_their_route() -> None:
    app = create_app(make_settings())
    client = TestClient(app)
    assert client.get("/api/health", headers={"host": "evil.example"}).status_code == 400
    assert client.request("PROPFIND", "/api/health").status_code == 405
    assert client.delete("/api/health").status_code == 405
    samples = scrape(app)
    counted = "cnnpg_http_requests_total"
    assert value(samples, counted, route="/api/health", method="GET", status="4xx") == 1
    assert value(samples, counted, route="/api/health", method="other", status="4xx") == 1
    assert value(samples, counted, route="/api/health", method="DELETE", status="4xx") == 1
