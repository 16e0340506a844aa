"""GET /api/runs/compare (#19 part 3): your runs side by side, live or pruned alike, with
the settings that differ; refused with 422 at `ids` and 404 for a run you may not see."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.services import Services
from server.training.compare import curves, parse_ids

from .run_helpers import TINY, start, wait_for

HOUR = 3600.0


@pytest.fixture
def app_client(tmp_path: Path, make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(models_dir=tmp_path / "models", max_concurrent_runs=2,
                       stream_interval=0.05, train_threads=1)


def finished(client: TestClient, **training: Any) -> dict[str, Any]:
    run_id = start(client, **training)
    run = wait_for(client, run_id, lambda r: r["status"] in ("finished", "failed"), 120)
    assert run["status"] == "finished", run
    return run


def compare(client: TestClient, *ids: str, **headers: str) -> Any:
    return client.get(f"/api/runs/compare?ids={','.join(ids)}", headers=headers)


@pytest.mark.slow
def test_runs_compare_live_and_pruned_alike(app_client: TestClient) -> None:
    fast = finished(app_client, learning_rate=0.01)
    slow = finished(app_client, learning_rate=0.001, epochs=2)
    live = compare(app_client, slow["id"], fast["id"])
    assert live.status_code == 200, live.text
    answer = live.json()
    assert [r["id"] for r in answer["runs"]] == [slow["id"], fast["id"]]  # the order asked
    assert answer["differences"] == ["training.learning_rate", "training.epochs"]
    assert answer["settings"][:5] == ["network", "dataset", "network.layers", "network.params",
                                      "network.architecture"]
    first = answer["runs"][0]
    assert (first["yours"], first["who"], first["pruned"]) == (True, None, False)
    assert first["settings"]["training.learning_rate"] == 0.001
    assert first["settings"]["network.architecture"] == "conv2d 4, max_pool2d, flatten, dense 10"
    assert first["settings"]["network.params"] == 4 * (25 + 1) + (4 * 7 * 7 * 10 + 10)
    kept = first["curves"]
    per_epoch = kept["steps_per_epoch"]
    assert kept["steps"][-1]["step"] == slow["step"] == 2 * per_epoch
    assert [(e["epoch"], e["step"]) for e in kept["epochs"]] == [(1, per_epoch),
                                                                (2, 2 * per_epoch)]
    assert kept["steps"][-1]["progress"] == 2.0
    assert first["final"]["val_accuracy"] == slow["metrics"]["val_accuracy"]
    assert first["final"]["accuracy_of_run"] == slow["metrics"]["val_accuracy"]
    assert first["final"]["accuracy_source"] == "validation"
    assert first["final"]["test_accuracy"] is not None
    assert first["final"]["epochs_done"] == 2
    # Pruned: the same comparison, read from the summaries.
    services: Services = app_client.app.state.services  # type: ignore[attr-defined]
    services.pruner.clock = lambda: max(slow["ended"], fast["ended"]) + 24.1 * HOUR
    assert services.pruner.run_once()["runs"] == 2
    pruned = compare(app_client, slow["id"], fast["id"]).json()
    assert [r["pruned"] for r in pruned["runs"]] == [True, True]
    for before, after in zip(answer["runs"], pruned["runs"], strict=True):
        assert {**after, "pruned": False} == before
    assert pruned["differences"] == answer["differences"]
    # One pruned and one live run.
    again = finished(app_client, learning_rate=0.01)
    mixed = compare(app_client, fast["id"], again["id"]).json()
    assert [r["pruned"] for r in mixed["runs"]] == [True, False]
    assert mixed["differences"] == []


@pytest.mark.parametrize(("ids", "words"), [
    ("", "'' names 0 runs; compare 2 to 6"),
    ("run-000000000001", "names 1 run; compare 2 to 6"),
    (",".join(f"run-00000000000{i}" for i in range(7)), "names 7 runs; compare 2 to 6"),
    ("run-000000000001, run-000000000001", "'run-000000000001' is listed twice"),
    ("run-000000000001," + "x" * 81, "is 81 characters, longer than any run id"),
    ("," * 500, "500 characters; at most 6 run ids fit"),
])
def test_ids_are_refused_with_the_value_and_the_fix(client: TestClient, ids: str,
                                                    words: str) -> None:
    response = client.get("/api/runs/compare", params={"ids": ids})
    assert response.status_code == 422, response.text
    [detail] = response.json()["detail"]
    assert detail["loc"] == ["query", "ids"]
    assert words in detail["msg"]


def test_without_ids_it_says_how_to_ask(client: TestClient) -> None:
    response = client.get("/api/runs/compare")
    assert response.status_code == 422
    assert "ids=run-a,run-b" in response.json()["detail"][0]["msg"]
    assert parse_ids(" run-a ,run-b,, ") == ["run-a", "run-b"]


@pytest.mark.slow
def test_another_sessions_run_is_not_found_as_by_get(app_client: TestClient) -> None:
    theirs = finished(app_client)
    mine = app_client.post("/api/sessions").json()["token"]
    me = {"Authorization": f"Bearer {mine}"}
    own = app_client.post("/api/runs", headers=me, json={
        "network": TINY, "dataset": "mnist",
        "training": {"epochs": 1, "max_train_samples": 100}}).json()["id"]
    refused = compare(app_client, own, theirs["id"], **me)
    assert refused.status_code == 404
    assert refused.json() == app_client.get(f"/api/runs/{theirs['id']}", headers=me).json()
    assert refused.json()["detail"][0]["msg"] == (f"no run {theirs['id']!r}; list yours with "
                                                  "GET /api/runs")
    unknown = compare(app_client, own, "run-ffffffffffff", **me)
    assert unknown.status_code == 404
    assert compare(app_client, theirs["id"], own, **me).status_code == 404  # either place
    app_client.post(f"/api/runs/{own}/stop", headers=me)


def test_an_older_summary_without_steps_per_epoch_is_placed_by_its_points() -> None:
    summary = {"curves": {"steps": [{"step": 40, "epoch": 1}, {"step": 100, "epoch": 1},
                                    {"step": 150, "epoch": 2}, {"step": 290, "epoch": 3}],
                          "epochs": [{"epoch": 1}, {"epoch": 2}]}}
    placed = curves(summary)
    assert placed["steps_per_epoch"] == 100
    assert [s["progress"] for s in placed["steps"]] == [0.4, 1.0, 1.5, 2.9]
    assert [e["step"] for e in placed["epochs"]] == [100, 200]
    assert curves({"curves": {"steps": [], "epochs": []}})["steps_per_epoch"] is None
