"""Many runs on one GPU at once, through the warm pool (`make test-gpu` where CUDA is)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from training.run_helpers import TINY, wait_for

pytestmark = [pytest.mark.gpu, pytest.mark.slow]


def test_eight_runs_train_on_the_gpu_at_the_same_time(
        make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    client = make_client(models_dir=tmp_path / "models", warm_workers=8,
                         max_concurrent_runs=8, warm_start=True,
                         session_max_active_runs=8)
    services = client.app.state.services  # type: ignore[attr-defined]
    deadline = time.monotonic() + 120
    while services.runs.pool_state().ready < 8:
        assert time.monotonic() < deadline, services.runs.pool_state()
        time.sleep(0.2)
    body = {"network": TINY, "dataset": "mnist",
            "training": {"epochs": 3, "batch_size": 64, "device": "cuda"}}
    ids = [client.post("/api/runs", json=body).json()["id"] for _ in range(8)]
    runs = [wait_for(client, run_id, lambda r: r["status"] in ("finished", "failed"), 120)
            for run_id in ids]
    assert all(r["status"] == "finished" for r in runs), [r["message"] for r in runs]
    assert all(r["device"] == "cuda" for r in runs)
    # Overlap: every run started before the first one ended.
    first_end = min(r["ended"] for r in runs)
    assert all(r["started"] < first_end for r in runs)
    assert max(r["timing"]["first_step_s"] for r in runs) < 2.0
