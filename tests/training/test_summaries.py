"""Run summaries: what is kept of a pruned run, bounded, and persisted atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from server.hub import Hub
from server.nn.spec import NetworkSpec
from server.services import executor_paths
from server.training.executor import ExecutorConfig
from server.training.executors.local import LocalExecutor
from server.training.runs import Run
from server.training.spec import RunRequest
from server.training.summaries import CURVE_POINTS, RunSummaries, downsample, summarize

from .run_helpers import TINY


def finished_run(run_id: str = "run-000000000001", owner: str = "s1", steps: int = 3000,
                 ended: float = 1000.0) -> Run:
    request = RunRequest.model_validate({"network": TINY, "dataset": "mnist"})
    run = Run(id=run_id, request=request, spec=NetworkSpec.model_validate(TINY),
              network_name="custom network", owner=owner)
    run.apply({"type": "status", "status": "running", "device": "cpu"})
    for step in range(steps):
        run.apply({"type": "step", "epoch": step // 100, "step": step, "epoch_step": step % 100,
                   "steps_per_epoch": 100, "loss": 1 / (step + 1), "accuracy": step / steps,
                   "learning_rate": 0.01, "samples_per_s": 100.0, "window_s": 0.1,
                   "device": "cpu"})
        if step % 100 == 99:
            run.apply({"type": "epoch", "epoch": step // 100 + 1, "val_loss": 0.5,
                       "val_accuracy": 0.9, "confusion_matrix": [[1] * 10] * 10,
                       "classes": [str(i) for i in range(10)]})
    run.apply({"type": "activations", "blocks": [], "bytes": 4, "data": b"x" * 4,
               "probe": {}})
    run.apply({"type": "model", "model_id": "m-1", "metrics": {"test_accuracy": 0.93}})
    run.apply({"type": "status", "status": "finished"})
    run.ended = ended
    return run


def test_downsample_keeps_the_ends_and_a_bounded_number_of_points() -> None:
    points = [{"step": i} for i in range(10_000)]
    kept = downsample(points, 50)
    assert len(kept) == 50
    assert kept[0] == points[0]
    assert kept[-1] == points[-1]
    assert [p["step"] for p in kept] == sorted(p["step"] for p in kept)
    assert downsample(points[:7], 50) == points[:7]


def test_a_summary_holds_settings_curves_and_final_metrics_and_no_frames() -> None:
    run = finished_run()
    summary = summarize(run)
    assert summary["pruned"] is True
    assert summary["spec"] == NetworkSpec.model_validate(TINY).model_dump(mode="json")
    assert summary["training"]["learning_rate"] == run.request.training.learning_rate
    steps = summary["curves"]["steps"]
    assert len(steps) == CURVE_POINTS
    assert steps[-1]["step"] == 2999
    assert steps[-1]["loss"] == pytest.approx(1 / 3000)
    assert [e["epoch"] for e in summary["curves"]["epochs"]] == list(range(1, 31))
    assert summary["final"]["test_accuracy"] == 0.93
    assert summary["final"]["val_accuracy"] == 0.9
    text = json.dumps(summary)
    assert "confusion_matrix" not in text
    assert "blocks" not in text
    assert len(text) < 40_000


def test_summaries_are_bounded_per_session_and_in_all(tmp_path: Path) -> None:
    summaries = RunSummaries(tmp_path, per_owner=3, total=5)
    for i in range(5):
        summaries.add(summarize(finished_run(f"run-{i:012x}", "a", steps=5, ended=i)))
    assert [s["id"] for s in summaries.owned_by("a")] == [f"run-{i:012x}" for i in (2, 3, 4)]
    for i in range(5, 9):
        summaries.add(summarize(finished_run(f"run-{i:012x}", "b", steps=5, ended=i)))
    assert len(summaries.items) == 5
    assert [s["id"] for s in summaries.owned_by("b")] == [f"run-{i:012x}" for i in (6, 7, 8)]
    on_disk = sorted(p.stem for p in tmp_path.glob("*.json"))
    assert on_disk == sorted(summaries.items)
    assert not list(tmp_path.glob(".*"))  # no temporary files left


def test_summaries_survive_a_restart_and_expire(tmp_path: Path) -> None:
    first = RunSummaries(tmp_path, per_owner=10, total=10)
    for i, ended in enumerate((100.0, 200.0, 300.0)):
        first.add(summarize(finished_run(f"run-{i:012x}", "a", steps=5, ended=ended)))
    (tmp_path / "run-junk.json").write_text("{not json")
    again = RunSummaries(tmp_path, per_owner=10, total=10)
    assert list(again.items) == list(first.items)
    assert again.expire(250.0) == 2
    assert list(RunSummaries(tmp_path, 10, 10).items) == ["run-000000000002"]
    assert again.remove_owner("a") == 1
    assert RunSummaries(tmp_path, 10, 10).items == {}


def _executor(tmp_path: Path) -> LocalExecutor:
    paths = executor_paths(tmp_path, tmp_path, tmp_path)
    config = ExecutorConfig(max_concurrent=1, step_interval=0.1, probe_interval=1.0,
                            threads=1, paths=paths)
    return LocalExecutor(config, Hub(), start=False)


def test_prune_forgets_only_final_runs_past_the_cutoff(tmp_path: Path) -> None:
    executor = _executor(tmp_path)
    old, recent = finished_run("run-00000000000a", ended=100.0), finished_run(
        "run-00000000000b", ended=500.0)
    queued = finished_run("run-00000000000c", steps=1)
    queued.status, queued.ended = "queued", None
    queued.created = 0.0
    for run in (old, recent, queued):
        executor.runs[run.id] = run
    assert executor.prune(before=400.0) == [old]
    assert sorted(executor.runs) == ["run-00000000000b", "run-00000000000c"]


def test_forgetting_a_session_hides_its_runs(tmp_path: Path) -> None:
    executor = _executor(tmp_path)
    mine, theirs = finished_run("run-00000000000a", "me"), finished_run("run-00000000000b")
    waiting = finished_run("run-00000000000c", "me", steps=1)
    waiting.status = "queued"
    events: list[dict[str, Any]] = []
    executor._publish = lambda run, event: events.append(event)  # type: ignore[method-assign]
    executor._schedule = lambda: None  # type: ignore[method-assign]
    for run in (mine, theirs, waiting):
        executor.runs[run.id] = run
    assert executor.forget_owner("me") == 2
    assert [r.id for r in executor.list()] == ["run-00000000000b"]
    assert events == [{"type": "status", "status": "stopped",
                       "message": "its session deleted its data"}]
