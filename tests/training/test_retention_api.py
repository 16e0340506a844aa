"""Finished runs are pruned after CNNPG_RUN_RETENTION_HOURS: their memory is freed and
GET /api/runs, GET /api/runs/{id} and /ws/runs/{id} answer with the summary."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.services import Services

from .run_helpers import start, wait_for

HOUR = 3600.0


@pytest.fixture
def app_client(tmp_path: Path, make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(models_dir=tmp_path / "models", max_concurrent_runs=1,
                       stream_interval=0.05, train_threads=1)


def services_of(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


def next_text(ws: Any) -> dict[str, Any]:
    message = ws.receive()
    while "text" not in message:  # a binary frame
        message = ws.receive()
    event: dict[str, Any] = json.loads(message["text"])
    return event


def finished(client: TestClient) -> dict[str, Any]:
    run_id = start(client)
    return wait_for(client, run_id, lambda r: r["status"] in ("finished", "failed"), 120)


def test_a_finished_run_is_pruned_to_its_summary(app_client: TestClient,
                                                 tmp_path: Path) -> None:
    run = finished(app_client)
    assert run["status"] == "finished", run
    services = services_of(app_client)
    services.pruner.clock = lambda: run["ended"] + 23.9 * HOUR
    assert services.pruner.run_once()["runs"] == 0  # within the retention period
    with app_client.websocket_connect(f"/ws/runs/{run['id']}") as ws:
        assert ws.receive_json()["type"] == "snapshot"
        assert services.hub.count(f"run:{run['id']}") == 1
        services.pruner.clock = lambda: run["ended"] + 24.1 * HOUR
        assert services.pruner.run_once()["runs"] == 1
        pruned = next_text(ws)  # a viewer still watching gets the summary
        while pruned["type"] != "pruned":  # the latest frames, sent after the snapshot
            pruned = next_text(ws)
        assert pruned["type"] == "pruned"
        assert pruned["run"]["pruned"] is True
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 1000
    assert services.hub.count(f"run:{run['id']}") == 0
    assert all(r.id != run["id"] for r in services.runs.list())
    summary = app_client.get(f"/api/runs/{run['id']}").json()
    assert summary["pruned"] is True
    assert summary["yours"] is True
    assert summary["status"] == "finished"
    assert summary["model_id"] == run["model_id"]
    assert summary["final"]["val_accuracy"] == run["metrics"]["val_accuracy"]
    assert summary["final"]["test_accuracy"] is not None
    assert summary["spec"]["layers"][0]["type"] == "conv2d"
    steps = summary["curves"]["steps"]
    assert 2 <= len(steps) <= 200
    assert steps[-1]["step"] == run["step"]
    assert [e["epoch"] for e in summary["curves"]["epochs"]] == [1]
    assert "owner" not in summary
    listed = app_client.get("/api/runs").json()["runs"]
    assert [r["id"] for r in listed] == [run["id"]]
    assert listed[0]["pruned"] is True
    assert app_client.get("/api/sessions/me").json()["usage"]["run_summaries"] == 1
    stop = app_client.post(f"/api/runs/{run['id']}/stop")
    assert stop.status_code == 409
    assert "pruned" in stop.json()["detail"][0]["msg"]
    with app_client.websocket_connect(f"/ws/runs/{run['id']}") as ws:  # a late viewer
        assert ws.receive_json()["run"]["id"] == run["id"]
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 1000
    saved = json.loads((tmp_path / "models" / ".runs" / f"{run['id']}.json").read_text())
    assert saved["curves"] == summary["curves"]


def test_summaries_are_private_and_survive_a_restart(
        app_client: TestClient, make_client: Callable[..., TestClient],
        tmp_path: Path) -> None:
    run = finished(app_client)
    services = services_of(app_client)
    services.pruner.clock = lambda: time.time() + 25 * HOUR
    services.pruner.run_once()
    other = make_client(models_dir=tmp_path / "models")  # another session, another server
    assert other.get(f"/api/runs/{run['id']}").status_code == 404
    assert other.get("/api/runs").json()["runs"] == []
    with other.websocket_connect(f"/ws/runs/{run['id']}") as ws:
        assert ws.receive_json()["status"] == 404
    other.cookies = app_client.cookies  # the owner, after the restart
    assert other.get(f"/api/runs/{run['id']}").json()["pruned"] is True


def test_the_pruner_runs_in_the_background(make_client: Callable[..., TestClient],
                                           tmp_path: Path) -> None:
    client = make_client(models_dir=tmp_path / "models", max_concurrent_runs=1,
                         train_threads=1, run_retention_hours=0.5 / HOUR,
                         prune_interval_seconds=0.1)
    run_id = start(client)
    summary = wait_for(client, run_id, lambda r: r.get("pruned") is True, 120)
    assert summary["status"] == "finished"
