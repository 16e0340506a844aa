"""The Ray executor on a real local Ray cluster (2 CPUs): runs train in warm actors shared
by every API replica, commands are actor calls, a killed actor fails its run with the
reason and is replaced, and a run the cluster cannot place fails after the timeout."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from training.run_helpers import start, wait_for

pytestmark = pytest.mark.cluster
FINAL = ("finished", "stopped", "failed")
NAMESPACE = "cnnpg-test"


def ray_client(make_client: Callable[..., TestClient], ray_address: str, models: Path,
               **settings: Any) -> TestClient:
    defaults: dict[str, Any] = {
        "executor": "ray", "ray_address": ray_address, "ray_namespace": NAMESPACE,
        "warm_workers": 2, "warm_start": True, "models_dir": models,
        "stream_interval": 0.05}
    return make_client(**{**defaults, **settings})


def pool(client: TestClient) -> Any:
    return client.app.state.services.runs  # type: ignore[attr-defined]


def wait_ready(client: TestClient, count: int, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state = pool(client).pool_state()
        if state.ready >= count:
            return {"ready": state.ready, "replaced": state.replaced,
                    "actors": {w.get("actor", w["worker"]): w["pid"] for w in state.workers}}
        assert time.monotonic() < deadline, f"actors not ready: {state}"
        time.sleep(0.1)


def test_lenet_trains_through_ray_to_the_local_pools_accuracy(
        make_client: Callable[..., TestClient], ray_address: str, tmp_path: Path) -> None:
    lenet = {"network": {"preset": "lenet-mnist"}, "dataset": "mnist",
             "training": {"epochs": 1, "batch_size": 64, "max_train_samples": 1500,
                          "seed": 5, "threads": 1}}
    results = {}
    for executor in ("local", "ray"):
        client = ray_client(make_client, ray_address, tmp_path / executor,
                            executor=executor, warm_workers=1)
        wait_ready(client, 1, timeout=90)
        run_id = client.post("/api/runs", json=lenet).json()["id"]
        results[executor] = wait_for(client, run_id, lambda r: r["status"] in FINAL, 90)
        assert results[executor]["status"] == "finished", results[executor]
        model = results[executor]["model_id"]
        assert client.get(f"/api/models/{model}").status_code == 200
    assert results["ray"]["metrics"]["val_accuracy"] == pytest.approx(
        results["local"]["metrics"]["val_accuracy"], abs=0.02)
    assert list((tmp_path / "ray").glob(f"*{results['ray']['model_id']}*"))


def actor(name: str, namespace: str = NAMESPACE) -> Any:
    import ray

    return ray.get_actor(name, namespace=namespace)


def test_a_killed_actor_fails_its_run_with_the_reason_and_a_fresh_one_takes_over(
        make_client: Callable[..., TestClient], ray_address: str, tmp_path: Path) -> None:
    import ray

    client = ray_client(make_client, ray_address, tmp_path)
    before = wait_ready(client, 2)
    run_id = start(client, epochs=50)
    running = wait_for(client, run_id, lambda r: r["step"] > 0)
    name = next(w["actor"] for w in pool(client).pool_state().workers
                if w["run_id"] == running["id"])
    ray.kill(actor(name), no_restart=True)
    failed = wait_for(client, run_id, lambda r: r["status"] == "failed")
    assert f"the Ray actor {name}" in failed["message"]
    assert "killed by `ray.kill`" in failed["message"]
    after = wait_ready(client, 2)
    assert after["replaced"] == before["replaced"] + 1
    assert after["actors"][name] != before["actors"][name]  # a new process, same name
    second = start(client)
    assert wait_for(client, second, lambda r: r["status"] in FINAL)["status"] == "finished"


def test_commands_reach_the_run_through_actor_calls(
        make_client: Callable[..., TestClient], ray_address: str, tmp_path: Path) -> None:
    client = ray_client(make_client, ray_address, tmp_path)
    wait_ready(client, 2)
    run_id = start(client, epochs=50)
    wait_for(client, run_id, lambda r: r["step"] > 0)
    assert client.post(f"/api/runs/{run_id}/pause").status_code == 200
    paused = wait_for(client, run_id, lambda r: r["status"] == "paused")
    assert client.patch(f"/api/runs/{run_id}", json={"learning_rate": 0.003}
                        ).status_code == 200
    time.sleep(0.5)
    assert client.get(f"/api/runs/{run_id}").json()["step"] == paused["step"]  # held
    assert client.post(f"/api/runs/{run_id}/resume").status_code == 200
    wait_for(client, run_id, lambda r: r["status"] == "running" and r["step"] > paused["step"])
    assert client.post(f"/api/runs/{run_id}/stop").status_code == 200
    stopped = wait_for(client, run_id, lambda r: r["status"] in FINAL)
    assert stopped["status"] == "stopped"
    assert stopped["metrics"]["learning_rate"] == pytest.approx(0.003)


def test_cuda_is_checked_against_the_clusters_actors_not_this_replica(
        make_client: Callable[..., TestClient], ray_address: str, tmp_path: Path) -> None:
    client = ray_client(make_client, ray_address, tmp_path)
    wait_ready(client, 2)  # the actors said which device they have: a CPU
    body = {"network": {"preset": "lenet-mnist"}, "dataset": "mnist",
            "training": {"epochs": 1, "device": "cuda"}}
    refused = client.post("/api/runs", json=body)
    assert refused.status_code == 422
    assert "the Ray cluster's actors have no CUDA GPU" in refused.json()["detail"][0]["msg"]
    assert refused.json()["detail"][0]["loc"][-1] == "device"


def test_a_second_replica_finds_the_same_warm_actors(
        make_client: Callable[..., TestClient], ray_address: str, tmp_path: Path) -> None:
    first = ray_client(make_client, ray_address, tmp_path)
    second = ray_client(make_client, ray_address, tmp_path)
    actors = wait_ready(first, 2)["actors"]
    assert wait_ready(second, 2)["actors"] == actors  # found by name, not made again
    run_id = start(second, epochs=50)
    wait_for(second, run_id, lambda r: r["step"] > 0)
    # The first replica sees the actor as taken (by the second's claim), not free.
    state = pool(first).pool_state()
    assert (state.ready, state.busy) == (1, 1)
    assert second.post(f"/api/runs/{run_id}/stop").status_code == 200
    wait_for(second, run_id, lambda r: r["status"] in FINAL)
    assert wait_ready(first, 2)["actors"] == actors  # its "idle" reached the first replica


def test_a_run_the_cluster_cannot_place_fails_after_the_timeout(
        make_client: Callable[..., TestClient], ray_address: str, tmp_path: Path) -> None:
    import ray

    wait_ready(ray_client(make_client, ray_address, tmp_path), 2)  # they hold both CPUs
    other = ray_client(make_client, ray_address, tmp_path, ray_namespace="cnnpg-test-full",
                       ray_placement_timeout=3.0)
    try:
        run_id = start(other)
        queued = wait_for(other, run_id, lambda r: r["queue"] is not None)
        assert queued["status"] == "queued"
        failed = wait_for(other, run_id, lambda r: r["status"] in FINAL, timeout=30)
        assert failed["status"] == "failed"
        assert "could not place this run within 3 s" in failed["message"]
        assert "no Ray node has a free CPU for a warm actor (0 of 2 CPUs free)" in (
            failed["message"])
        assert failed["ended"] - failed["created"] >= 3.0
    finally:  # its unplaced actors would take the CPUs the next test's actors free
        for name in ("warm-0", "warm-1"):
            ray.kill(actor(name, "cnnpg-test-full"), no_restart=True)
