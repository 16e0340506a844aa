"""The Ray pool's parts that need no cluster: a node without the shared folders fails the
run with the folder named (the actor class called directly), and the GPU shares."""

from __future__ import annotations

import queue
from pathlib import Path
from typing import Any

import pytest

from server.training.executors.ray_actor import WarmActor
from server.training.executors.ray_cluster import pool_size, share_for, warm_share

pytestmark = pytest.mark.cluster


class Events:
    def __init__(self) -> None:
        self.got: queue.Queue[dict[str, Any]] = queue.Queue()

    def put(self, message: dict[str, Any], timeout: float | None = None) -> None:
        self.got.put(message)


def test_a_node_without_the_shared_models_folder_fails_the_run_naming_it(
        tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    paths = {"models_dir": str(models), "presets_dir": str(tmp_path),
             "datasets_dir": str(tmp_path)}
    actor = WarmActor("warm-0", 0, paths, {}, ["models_dir"])
    actor.worker = object()  # warm enough to be claimed; it must never be asked to train
    events = Events()
    actor.subscribe("replica-a", events)
    assert actor.claim("replica-a")
    assert not actor.claim("replica-b")  # one run at a time
    models.rmdir()  # as on a node where the shared filesystem is not mounted
    assert actor.train({"run_id": "run-1"})
    failed = events.got.get_nowait()
    assert failed["run_id"] == "run-1"
    assert failed["actor"] == "warm-0"
    message = failed["event"]["message"]
    assert failed["event"]["status"] == "failed"
    assert f"the folder {models} (CNNPG_MODELS_DIR) is not on the Ray node" in message
    assert "shared filesystem" in message
    assert events.got.get_nowait() == {"kind": "idle", "actor": "warm-0"}
    assert actor.claim("replica-b")  # free again


def test_a_node_without_the_shared_folders_never_warms(tmp_path: Path) -> None:
    paths = {"models_dir": str(tmp_path / "absent"), "presets_dir": str(tmp_path),
             "datasets_dir": str(tmp_path)}
    answer = WarmActor("warm-0", 0, paths, {}, ["models_dir", "presets_dir"]).warm()
    assert answer["kind"] == "retire"
    assert str(tmp_path / "absent") in answer["reason"]


def test_gpu_shares_follow_the_cluster_and_the_runs_estimate() -> None:
    assert pool_size({"CPU": 16.0, "GPU": 1.0}, 8) == 8  # capped by CNNPG_WARM_WORKERS
    assert pool_size({"CPU": 2.0}, 8) == 2  # one CPU each
    assert warm_share(1.0, 8) == 0.12  # eight actors share one GPU
    assert warm_share(4.0, 2) == 1.0  # never more than a whole GPU each
    assert warm_share(0.0, 8) == 0.0  # a CPU cluster
    gib = 2**30
    assert share_for(30 * gib, 140 * gib) == 0.22  # rounded up to hundredths
    assert share_for(300 * gib, 140 * gib) == 1.0
