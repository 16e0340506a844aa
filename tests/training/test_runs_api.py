"""Runs end to end: real worker processes, the REST lifecycle, websockets, failures."""

from __future__ import annotations

import json
import math
import os
import signal
import struct
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from training.run_helpers import TINY, start, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def app_client(tmp_path: Any, make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(models_dir=tmp_path / "models", max_concurrent_runs=1,
                       stream_interval=0.05, train_threads=1)


def receive(ws: Any) -> dict[str, Any]:
    """The next event; a binary frame is attached to the header before it as "frame"."""
    message = ws.receive()
    assert "text" in message, "a binary frame must follow its header"
    event: dict[str, Any] = json.loads(message["text"])
    if event["type"] in ("activations", "filters"):
        event["frame"] = ws.receive()["bytes"]
    return event


def check_frame(event: dict[str, Any]) -> None:
    frame = event["frame"]
    assert frame[:4] == b"CNR1"
    assert struct.unpack("<I", frame[4:8])[0] == event["seq"]
    assert len(frame) == 8 + event["bytes"]
    ends = [b["offset"] + b["length"] for b in event["blocks"]]
    assert ends == sorted(ends)
    assert (ends[-1] if ends else 0) == event["bytes"]
    for block in event["blocks"]:
        assert block["length"] == math.prod(block["shape"])
        assert block["min"] <= block["max"]


def test_a_run_trains_saves_its_model_and_streams(app_client: TestClient) -> None:
    run_id = start(app_client)
    with app_client.websocket_connect(f"/ws/runs/{run_id}") as ws:
        snapshot = ws.receive_json()
        assert snapshot["type"] == "snapshot"
        events = []
        while True:
            event = receive(ws)
            events.append(event)
            if event["type"] == "status" and event["status"] in ("finished", "failed"):
                break
    assert events[-1]["status"] == "finished", events[-1]
    maps = [e for e in events if e["type"] == "activations"]
    assert maps, "no activation maps were streamed"
    check_frame(maps[-1])
    assert [b["shape"] for b in maps[-1]["blocks"]] == [[4, 14, 14], [4, 7, 7], [196], [10]]
    convs = [e for e in events if e["type"] == "filters"][-1]
    check_frame(convs)
    assert convs["blocks"][0]["shape"] == [4, 1, 5, 5]
    assert convs["blocks"][0]["min"] == -convs["blocks"][0]["max"]
    assert {n["index"] for n in convs["norms"]} == {0, 3}
    prediction = [e for e in events if e["type"] == "prediction"][-1]
    assert sum(prediction["probabilities"]) == pytest.approx(1.0, abs=1e-5)
    assert prediction["true_label"] in range(10)
    shown = [e for e in events if e["type"] == "samples"][-1]["samples"]
    wrong = [s["predicted"] != s["true_label"] for s in shown]
    assert wrong == sorted(wrong, reverse=True)  # misclassified first
    assert shown[0]["png"].startswith("data:image/png;base64,")
    seqs = [snapshot["seq"], *[e["seq"] for e in events]]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
    kinds = {e["type"] for e in events}
    assert {"step", "epoch", "model"} <= kinds
    run = app_client.get(f"/api/runs/{run_id}").json()
    assert run["status"] == "finished"
    assert run["model_id"]
    assert run["metrics"]["val_accuracy"] > 0.3  # 1 epoch on 480 images; chance is 0.1
    # A late joiner gets the whole history in its snapshot.
    with app_client.websocket_connect(f"/ws/runs/{run_id}") as ws:
        late = ws.receive_json()
    assert [s["seq"] for s in late["steps"]] == [e["seq"] for e in events if e["type"] == "step"]
    assert late["run"]["status"] == "finished"


def test_queue_pause_step_resume_lr_and_stop(app_client: TestClient) -> None:
    first = start(app_client, epochs=50)
    second = start(app_client)
    assert app_client.get(f"/api/runs/{second}").json()["status"] == "queued"
    wait_for(app_client, first, lambda r: r["step"] > 0)
    assert app_client.post(f"/api/runs/{first}/pause").status_code == 200
    paused = wait_for(app_client, first, lambda r: r["status"] == "paused")
    app_client.post(f"/api/runs/{first}/step")
    wait_for(app_client, first, lambda r: r["step"] == paused["step"] + 1)
    assert app_client.patch(f"/api/runs/{first}", json={"learning_rate": 0.02}).status_code == 200
    conflict = app_client.post(f"/api/runs/{first}/pause")
    assert conflict.status_code == 409
    assert "cannot pause a run that is paused" in conflict.json()["detail"][0]["msg"]
    app_client.post(f"/api/runs/{first}/resume")
    wait_for(app_client, first, lambda r: r["metrics"].get("learning_rate") == 0.02)
    started = time.monotonic()
    app_client.post(f"/api/runs/{first}/stop")
    stopped = wait_for(app_client, first, lambda r: r["status"] == "stopped")
    assert time.monotonic() - started < 5
    assert stopped["ended"] is not None
    wait_for(app_client, second, lambda r: r["status"] == "finished")  # the queue moved on


def test_nan_loss_fails_with_a_reason_and_the_server_stays_healthy(
        app_client: TestClient) -> None:
    run_id = start(app_client, optimizer="sgd", learning_rate=10.0)
    run = wait_for(app_client, run_id, lambda r: r["status"] in ("failed", "finished"))
    if run["status"] == "finished":  # the tiny net survived lr 10: make it certain
        run_id = start(app_client, optimizer="sgd_momentum", learning_rate=10.0, momentum=0.99)
        run = wait_for(app_client, run_id, lambda r: r["status"] in ("failed", "finished"))
    assert run["status"] == "failed"
    assert "probably too high" in run["message"]
    assert app_client.get("/api/health").json()["status"] == "ok"


def test_a_killed_worker_ends_as_failed(app_client: TestClient) -> None:
    run_id = start(app_client, epochs=50)
    wait_for(app_client, run_id, lambda r: r["step"] > 0)
    services = app_client.app.state.services  # type: ignore[attr-defined]
    pid = services.runs.bound[run_id].process.pid
    os.kill(pid, signal.SIGKILL)
    run = wait_for(app_client, run_id, lambda r: r["status"] == "failed")
    assert "worker process died" in run["message"]
    assert app_client.get("/api/health").status_code == 200


@pytest.mark.parametrize(("body", "loc", "fragment"), [
    ({"network": {**TINY, "input": {"channels": 2, "height": 28, "width": 28}},
      "dataset": "mnist"}, ["network", "input", "channels"], "set the network's input "
                                                             "channels to 1"),
    ({"network": {"preset": "lenet-mnist"}, "dataset": "cifar10"}, ["dataset"],
     "datasets download cifar10"),
    ({"network": {**TINY, "layers": [*TINY["layers"][:-1], {"type": "dense", "units": 3}]},
      "dataset": "mnist"}, ["network", "layers", 3], "make the last dense layer 10 units"),
    ({"network": {"preset": "lenet-mnist"}, "dataset": "mnist",
      "training": {"learning_rate": -1}}, ["training", "learning_rate"], "(got -1)"),
    ({"network": {**TINY, "layers": [{"type": "conv2d", "filters": 4, "kernel_size": 40},
                                     *TINY["layers"]]}, "dataset": "mnist"},
     ["network", "layers", 0, "kernel_size"], "larger than"),
])
def test_bad_run_requests(client: TestClient, body: dict[str, Any], loc: list[Any],
                          fragment: str) -> None:
    response = client.post("/api/runs", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["loc"] == loc
    assert fragment in detail["msg"]


def test_probe_and_layer_subscription(app_client: TestClient) -> None:
    run_id = start(app_client, epochs=50)
    wait_for(app_client, run_id, lambda r: r["step"] > 0)
    with app_client.websocket_connect(f"/ws/runs/{run_id}") as ws:
        ws.receive_json()  # the snapshot (its binary frames, if any, are skipped below)
        ws.send_text(json.dumps({"type": "subscribe", "max_fps": 10, "layers": [1]}))
        ws.send_text(json.dumps({"type": "probe", "index": 7}))
        ws.send_text(json.dumps({"type": "probe", "index": 10**6}))
        maps, error = None, None
        deadline = time.monotonic() + 30
        while (maps is None or error is None) and time.monotonic() < deadline:
            message = ws.receive()
            if "bytes" in message:
                continue
            event = json.loads(message["text"])
            if event["type"] == "activations" and event["probe"] == {"index": 7}:
                event["frame"] = ws.receive()["bytes"]
                maps = event
            elif event["type"] == "error":
                error = event
        app_client.post(f"/api/runs/{run_id}/stop")
    assert maps is not None
    assert [b["index"] for b in maps["blocks"]] == [1]  # only the layer asked for
    check_frame(maps)
    assert error is not None
    assert "probe index 1000000 is outside" in error["message"]


def test_the_operators_network_limits_apply_to_training(
        make_client: Callable[..., TestClient], tmp_path: Any) -> None:
    """CNNPG_MAX_PARAMS held for the Builder and imports, but a run trained any preset."""
    client = make_client(models_dir=tmp_path / "models", max_params=10_000)
    body = {"network": {"preset": "lenet-mnist"}, "dataset": "mnist"}
    response = client.post("/api/runs", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["loc"][-1] == "network"
    assert "CNNPG_MAX_PARAMS" in detail["msg"]
    assert client.post("/api/runs", json={**body, "network": TINY}).status_code == 201
