"""Rate limits shared by API replicas through a real Redis (CNNPG_REDIS_URL), and what a
replica does when that Redis goes away or stops answering: it counts in its own memory,
never failing or holding up a request, and goes back to Redis when Redis is back."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from redis_server import RedisServer

from server.api import rate_limits
from server.api.rate_limits import redact, storage_uri

pytestmark = pytest.mark.cluster

Factory = Callable[..., TestClient]


def mint(client: TestClient, times: int) -> list[int]:
    """New sessions from the same address (every TestClient is "testclient")."""
    statuses = []
    for _ in range(times):
        client.cookies.clear()
        statuses.append(client.post("/api/sessions").status_code)
    return statuses


def test_two_replicas_sharing_redis_share_the_counters(make_client: Factory,
                                                        redis_server: RedisServer) -> None:
    a = make_client(redis_url=redis_server.url, rate_sessions="3/minute")
    b = make_client(redis_url=redis_server.url, rate_sessions="3/minute")
    assert mint(a, 2) + mint(b, 2) == [201, 201, 201, 429]
    refused = b.post("/api/sessions")
    assert refused.status_code == 429
    assert 55 <= int(refused.headers["retry-after"]) <= 60
    assert "CNNPG_RATE_SESSIONS" in refused.json()["detail"][0]["msg"]
    assert mint(a, 1) == [429]  # A sees B's refusals' window too: the same counters
    keys = redis.Redis.from_url(redis_server.url).keys("LIMITS:*")
    assert keys, "the counters are not in Redis"
    # Without the shared Redis each replica counts on its own: 4 pass.
    c, d = make_client(rate_sessions="3/minute"), make_client(rate_sessions="3/minute")
    assert mint(c, 2) + mint(d, 2) == [201] * 4


def test_an_explicit_rate_storage_wins_over_the_redis_url(
        make_client: Factory, redis_server: RedisServer,
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="cnn_playground"):
        a = make_client(redis_url=redis_server.url, rate_storage="memory://",
                        rate_sessions="3/minute")
    assert "each server counts rate limits on its own" in caplog.text
    b = make_client(redis_url=redis_server.url, rate_storage="memory://",
                    rate_sessions="3/minute")
    assert mint(a, 2) + mint(b, 2) == [201] * 4
    assert redis.Redis.from_url(redis_server.url).keys("LIMITS:*") == []


def test_the_storage_address() -> None:
    assert storage_uri("memory://", "", explicit=False) == "memory://"
    assert storage_uri("memory://", "redis://r:6379/0", explicit=False) == "redis://r:6379/0"
    assert storage_uri("memory://", "unix:///run/redis.sock?db=1",
                       explicit=False) == "redis+unix:///run/redis.sock?db=1"
    assert storage_uri("redis://other:6379", "redis://r:6379/0",
                       explicit=True) == "redis://other:6379"
    assert redact("redis://:hunter2@r:6379/0") == "redis://***@r:6379/0"
    assert redact("redis://r:6379/0") == "redis://r:6379/0"


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Seconds added to the limiter's monotonic clock: when it asks Redis again."""
    offset = [0.0]
    monkeypatch.setattr(rate_limits, "monotonic", lambda: time.monotonic() + offset[0])
    return offset


def test_a_redis_outage_falls_back_to_each_replicas_memory_and_back(
        make_client: Factory, redis_server: RedisServer, later: list[float],
        caplog: pytest.LogCaptureFixture) -> None:
    a = make_client(redis_url=redis_server.url, rate_sessions="3/minute")
    b = make_client(redis_url=redis_server.url, rate_sessions="3/minute")
    assert mint(a, 1) == [201]  # in Redis
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="cnn_playground"):
        started = time.monotonic()
        # Still limited, by each replica on its own (a fresh budget in its memory).
        assert mint(a, 4) == [201, 201, 201, 429]
        assert mint(b, 4) == [201, 201, 201, 429]
        assert time.monotonic() - started < 5
    failed = [r for r in caplog.records if "failed" in r.getMessage()]
    assert len(failed) == 2  # once per replica, not once per request
    assert redis_server.url.removesuffix("/0") in failed[0].getMessage()
    caplog.clear()
    redis_server.start()  # the same port, its append-only file: A's first hit is kept
    assert mint(a, 1) == [429]  # not asked again yet: A's memory is full
    later[0] += 6
    with caplog.at_level(logging.WARNING, logger="cnn_playground"):
        assert mint(a, 3) == [201, 201, 429]  # Redis again: 1 + 2 = 3
        assert mint(b, 1) == [429]
    assert "answers again" in caplog.text


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """A port that accepts connections and never answers (a hung or black-holed Redis)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


def test_a_redis_that_does_not_answer_holds_no_request_up(make_client: Factory,
                                                          silent_redis: str) -> None:
    client = make_client(redis_url=silent_redis, rate_sessions="3/minute")
    took = []
    statuses = []
    for _ in range(5):
        started = time.monotonic()
        statuses += mint(client, 1)
        took.append(time.monotonic() - started)
    assert statuses == [201, 201, 201, 429, 429]
    assert took[0] < 2.5  # one wait for Redis's answer (0.5 s), then none
    assert max(took[1:]) < 0.5
