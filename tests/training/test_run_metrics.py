"""GET /metrics around a real run: runs by status, the queue, time to first step, and the
websockets open while a viewer watches (and the kernel socket) going back down."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from scrape import moved, scrape, value

from .run_helpers import start, wait_for


def test_a_run_and_its_viewer_move_the_gauges(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    app = client.app
    before = scrape(app)
    assert value(before, "cnnpg_runs", status="finished") == 0
    assert value(before, "cnnpg_run_first_step_seconds_count") == 0
    run_id = start(client)
    with client.websocket_connect(f"/ws/runs/{run_id}") as viewer:
        assert viewer.receive_json()["type"] == "snapshot"
        watching = scrape(app)
        assert moved(before, watching, "cnnpg_websockets_open", kind="runs") == 1
        assert value(watching, "cnnpg_runs", status="queued") + value(
            watching, "cnnpg_runs", status="running") == 1
        run = wait_for(client, run_id, lambda r: r["status"] in ("finished", "failed"), 120)
    assert run["status"] == "finished", run
    after = scrape(app)
    assert value(after, "cnnpg_websockets_open", kind="runs") == 0
    assert value(after, "cnnpg_runs", status="finished") == 1
    assert value(after, "cnnpg_runs", status="running") == 0
    assert value(after, "cnnpg_run_queue_length") == 0
    assert value(after, "cnnpg_run_first_step_seconds_count") == 1
    # The same interval the run reports: submission to its first step.
    assert value(after, "cnnpg_run_first_step_seconds_sum") == pytest.approx(
        run["timing"]["first_step_s"], abs=1e-6)


def test_a_queued_run_is_in_the_queue_length(make_client: Callable[..., TestClient]) -> None:
    client = make_client(warm_workers=1, max_concurrent_runs=1)
    # long enough to be seen running (3 epochs of 600 digits could finish between two polls
    # on a warm worker); both runs are stopped below
    first, second = start(client, epochs=100), start(client)
    assert value(scrape(client.app), "cnnpg_run_queue_length") == 2  # the worker warms up
    wait_for(client, first, lambda r: r["status"] == "running", 60)
    samples = scrape(client.app)
    assert value(samples, "cnnpg_run_queue_length") == 1  # one worker: the second waits
    assert value(samples, "cnnpg_runs", status="queued") == 1
    assert value(samples, "cnnpg_runs", status="running") == 1
    for run_id in (first, second):
        assert client.post(f"/api/runs/{run_id}/stop").status_code == 200
    wait_for(client, first, lambda r: r["status"] == "stopped", 60)
    assert value(scrape(client.app), "cnnpg_runs", status="stopped") == 2


def test_the_kernel_socket_is_counted_while_open(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    with client.websocket_connect("/ws/kernels"), client.websocket_connect("/ws/kernels"):
        assert value(scrape(client.app), "cnnpg_websockets_open", kind="kernels") == 2
    assert value(scrape(client.app), "cnnpg_websockets_open", kind="kernels") == 0
