"""The warm pool and its scheduler, with real worker processes: replacement, concurrency,
admission by memory, fairness, queue positions, truthful rates, clean shutdown."""

from __future__ import annotations

import itertools
import json
import os
import signal
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from app_settings import make_settings
from fastapi.testclient import TestClient

from server.main import create_app
from training.run_helpers import alive, start, wait_for

pytestmark = pytest.mark.slow
FINAL = ("finished", "stopped", "failed")


def engine(make_client: Callable[..., TestClient], tmp_path: Path, **settings: Any
           ) -> TestClient:
    defaults: dict[str, Any] = {"models_dir": tmp_path / "models", "stream_interval": 0.05,
                                "warm_start": True}
    return make_client(**{**defaults, **settings})


def wait_ready(client: TestClient, count: int, timeout: float = 90) -> dict[str, Any]:
    services = client.app.state.services  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    while True:
        state = services.runs.pool_state()
        if state.ready >= count:
            return {"ready": state.ready, "replaced": state.replaced,
                    "pids": [w["pid"] for w in state.workers]}
        assert time.monotonic() < deadline, f"workers not ready: {state}"
        time.sleep(0.1)


def session_client(client: TestClient) -> TestClient:
    """A second TestClient on the same app: another browser, another session."""
    other = TestClient(client.app)
    other.__enter__()
    return other


def test_killed_worker_is_replaced_and_the_next_run_trains(
        make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    client = engine(make_client, tmp_path, warm_workers=1, max_concurrent_runs=1)
    before = wait_ready(client, 1)
    run_id = start(client, epochs=50)
    wait_for(client, run_id, lambda r: r["step"] > 0)
    os.kill(before["pids"][0], signal.SIGKILL)
    failed = wait_for(client, run_id, lambda r: r["status"] == "failed")
    assert "killed by signal 9" in failed["message"]
    after = wait_ready(client, 1)
    assert after["replaced"] == 1
    assert after["pids"] != before["pids"]
    second = start(client)
    assert wait_for(client, second, lambda r: r["status"] in FINAL)["status"] == "finished"


def test_first_step_on_a_warm_worker_is_quick(make_client: Callable[..., TestClient],
                                              tmp_path: Path) -> None:
    client = engine(make_client, tmp_path, warm_workers=1)
    wait_ready(client, 1)
    run = wait_for(client, start(client), lambda r: r["status"] in FINAL)
    assert run["status"] == "finished"
    timing = run["timing"]
    assert timing["queued_s"] < 0.5, timing  # a warm worker took it at once
    # No process start, no torch import: well under the 4.5 s a cold worker took here.
    assert timing["first_step_s"] < 2.0, timing


def test_two_concurrent_cpu_runs_reach_a_lone_runs_accuracy(
        make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    client = engine(make_client, tmp_path, warm_workers=2, max_concurrent_runs=2)
    wait_ready(client, 2)
    other = session_client(client)
    settings = {"epochs": 2, "max_train_samples": 1500, "seed": 3}
    lone = wait_for(client, start(client, **settings), lambda r: r["status"] in FINAL)
    a, b = start(client, **settings), start(other, **settings)
    both = [wait_for(c, r, lambda r: r["status"] in FINAL) for c, r in ((client, a),
                                                                       (other, b))]
    # They trained at the same time, each on its own worker with its share of the cores.
    assert both[0]["started"] < both[1]["ended"]
    assert both[1]["started"] < both[0]["ended"]
    for run in both:
        assert run["status"] == "finished"
        assert run["metrics"]["val_accuracy"] == pytest.approx(
            lone["metrics"]["val_accuracy"], abs=0.03)
    other.__exit__(None, None, None)


def test_admission_queues_what_does_not_fit_now_and_refuses_what_never_fits(
        make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    # 1.2 GB of host memory for runs (headroom 0.8 of 1.5 GB): one 600 MB run fits at a time.
    client = engine(make_client, tmp_path, warm_workers=2, max_concurrent_runs=2,
                    memory_headroom=0.8)
    wait_ready(client, 2)
    services = client.app.state.services  # type: ignore[attr-defined]
    services.runs.config.memory_bytes = 1_500_000_000
    big = {"batch_size": 2048, "max_train_samples": 2000}  # LeNet: ~700 MB of activations
    body = {"network": {"preset": "lenet-mnist"}, "dataset": "mnist",
            "training": {"epochs": 20, **big}}
    first = client.post("/api/runs", json=body).json()["id"]
    wait_for(client, first, lambda r: r["status"] == "running")
    second = client.post("/api/runs", json=body).json()["id"]
    queued = wait_for(client, second, lambda r: r["queue"] is not None)
    assert queued["status"] == "queued"
    assert "of device memory is free" in queued["queue"]["reason"]
    # ... and what it says, as a type and values a page words in its language
    assert queued["queue"]["reason_type"] == "memory"
    ctx = queued["queue"]["reason_ctx"]
    assert f"it needs about {ctx['needed']} and {ctx['free']} of device memory is free" == (
        queued["queue"]["reason"])
    assert ctx["needed_bytes"] > ctx["free_bytes"] >= 0
    # LeNet at batch 4096 needs ~1.4 GB: more than 0.8 of 1.5 GB, even on an idle machine.
    refused = client.post("/api/runs", json={**body, "training": {"epochs": 1,
                                                                  "batch_size": 4096}})
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"][0]
    assert detail["loc"][-2:] == ["training", "batch_size"]
    assert "smaller batch_size" in detail["msg"]
    client.post(f"/api/runs/{first}/stop")
    started = wait_for(client, second, lambda r: r["status"] != "queued", timeout=60)
    assert started["status"] in ("running", "finished")
    client.post(f"/api/runs/{second}/stop")


def test_queue_is_fair_across_sessions_and_shows_positions(
        make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    client = engine(make_client, tmp_path, warm_workers=1, max_concurrent_runs=1,
                    session_max_active_runs=1, session_max_queued_runs=4)
    wait_ready(client, 1)
    b, c = session_client(client), session_client(client)
    blocker = start(client, epochs=50)
    wait_for(client, blocker, lambda r: r["status"] == "running")
    a2, a3 = start(client), start(client)
    b1 = start(b)
    c1 = start(c)
    positions = {}
    for who, run_id in ((client, a2), (client, a3), (b, b1), (c, c1)):
        run = wait_for(who, run_id, lambda r: r["queue"] is not None and r["queue"][
            "position"] is not None)
        positions[run_id] = run["queue"]["position"]
    # Round robin: B's and C's first runs go before A's second and third.
    assert positions[b1] < positions[a2]
    assert positions[c1] < positions[a2]
    assert sorted(positions.values()) == [1, 2, 3, 4]
    assert positions[a2] < positions[a3]
    # Once the blocker's pace is known, the first in line is told roughly how long it waits
    # (the others too, once a run's length has been measured).
    first = min(positions, key=lambda r: positions[r])
    who = {a2: client, a3: client, b1: b, c1: c}[first]
    waiting = wait_for(who, first, lambda r: r["queue"]["wait_s"] is not None)
    assert 0 < waiting["queue"]["wait_s"] < 600
    client.post(f"/api/runs/{blocker}/stop")
    ends = {}
    for who, run_id in ((client, a2), (client, a3), (b, b1), (c, c1)):
        ends[run_id] = wait_for(who, run_id, lambda r: r["status"] in FINAL, 120)["started"]
    assert sorted(ends, key=lambda r: ends[r]) == sorted(positions, key=lambda r: positions[r])
    for other in (b, c):
        other.__exit__(None, None, None)


def test_samples_per_s_is_the_rate_between_step_events(
        make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    client = engine(make_client, tmp_path, warm_workers=1, stream_interval=0.2)
    wait_ready(client, 1)
    body = {"network": {"preset": "lenet-mnist"}, "dataset": "mnist",  # ~1 s an epoch here
            "training": {"epochs": 2, "batch_size": 32, "max_train_samples": 4000}}
    run_id = client.post("/api/runs", json=body).json()["id"]
    # Seconds on an idle machine; minutes when other test suites share its two cores.
    run = wait_for(client, run_id, lambda r: r["status"] in FINAL, timeout=300)
    assert run["status"] == "finished", run["message"]
    services = client.app.state.services  # type: ignore[attr-defined]
    steps = list(services.runs.get(run_id).steps)
    ratios = []
    for before, after in itertools.pairwise(steps):
        if after["epoch"] != before["epoch"] or after["epoch_step"] == after["steps_per_epoch"]:
            continue  # across an evaluation, or a short last batch
        images = (after["epoch_step"] - before["epoch_step"]) * 32
        # The rate is exactly the images of this event's window over its seconds.
        assert after["samples_per_s"] * after["window_s"] == pytest.approx(images, rel=1e-6)
        seconds = after["time"] - before["time"]  # when the server received them
        if seconds > 0.1:
            ratios.append(after["samples_per_s"] / (images / seconds))
    assert len(ratios) >= 5
    assert statistics.median(ratios) == pytest.approx(1.0, abs=0.10)


def test_shutdown_leaves_no_worker_process(tmp_path: Path) -> None:
    app = create_app(make_settings(models_dir=tmp_path / "models", warm_workers=2,
                                   warm_start=True))
    with TestClient(app) as client:
        pids = wait_ready(client, 2)["pids"]
        run_id = start(client, epochs=50)
        wait_for(client, run_id, lambda r: r["status"] == "running")
        assert all(alive(pid) for pid in pids)
    assert not any(alive(pid) for pid in pids)


@pytest.mark.parametrize(("settings", "names"), [
    ({"warm_workers": 2, "max_concurrent_runs": 5}, ["CNNPG_MAX_CONCURRENT_RUNS=5",
                                                     "CNNPG_WARM_WORKERS"]),
])
def test_settings_that_cannot_work_stop_the_server(settings: dict[str, Any],
                                                   names: list[str]) -> None:
    with pytest.raises(ValueError, match="raise CNNPG_WARM_WORKERS") as caught:
        create_app(make_settings(**settings))
    for name in names:
        assert name in str(caught.value)


def test_a_slow_viewer_gets_every_event_in_seq_order(
        make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    """Heavy frames are skipped, never reordered (they used to overtake later events)."""
    client = engine(make_client, tmp_path, warm_workers=1, probe_interval=0.05)
    wait_ready(client, 1)
    run_id = start(client, epochs=2, max_train_samples=2000)
    seqs, kinds = [], set()
    with client.websocket_connect(f"/ws/runs/{run_id}") as ws:
        snapshot = ws.receive_json()
        assert snapshot["type"] == "snapshot"
        while True:
            message = ws.receive()
            if "text" not in message:
                continue  # the binary frame after an activations/filters header
            event = json.loads(message["text"])
            seqs.append(event["seq"])
            kinds.add(event["type"])
            time.sleep(0.02)  # a slow reader: heavy frames pile up and get replaced
            if event["type"] == "status" and event["status"] in FINAL:
                break
    assert {"step", "activations", "prediction", "epoch"} <= kinds
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)


def test_workers_that_cannot_start_are_not_restarted_forever(
        make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    """A broken install (here: no presets, so the warm-up network is missing) makes every
    worker exit before it is ready; after three tries the pool stops and says why."""
    (tmp_path / "no-presets").mkdir()
    client = engine(make_client, tmp_path, warm_workers=1,
                    presets_dir=tmp_path / "no-presets")
    deadline = time.monotonic() + 90
    while not (engine_state := client.get("/api/health").json()["engine"])["broken"]:
        assert time.monotonic() < deadline, engine_state
        time.sleep(0.2)
    time.sleep(1.0)
    engine_state = client.get("/api/health").json()["engine"]
    assert engine_state["replaced"] == 2  # three starts in all, then no more
    assert engine_state["starting"] == engine_state["ready"] == 0
    assert "lenet-mnist" in engine_state["broken"]


def test_a_run_never_gets_more_threads_than_its_share(
        make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    client = engine(make_client, tmp_path, warm_workers=1)
    wait_ready(client, 1)
    cores = len(os.sched_getaffinity(0))
    greedy = wait_for(client, start(client, threads=64), lambda r: r["status"] in FINAL)
    assert greedy["threads"] == cores  # a lone run: every core, never 64
    modest = wait_for(client, start(client, threads=1), lambda r: r["status"] in FINAL)
    assert modest["threads"] == 1
