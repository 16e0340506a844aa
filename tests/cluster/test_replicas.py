"""Two API replicas (real uvicorn processes) sharing a real redis-server: a run started on
one is watched, listed and commanded from the other, and a Redis restart makes viewers
reconnect and read the whole run again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis_server import RedisServer
from replicas import (
    get_run,
    http,
    kill,
    messages,
    new_session,
    replicas,
    start_run,
    wait_run,
    watch,
    watch_like_a_page,
)
from websockets.exceptions import ConnectionClosed

pytestmark = pytest.mark.cluster


@pytest.fixture
def pair(tmp_path: Path, redis_server: RedisServer) -> Iterator[list[str]]:
    with replicas(tmp_path, redis_server.url) as hosts:
        yield hosts


def test_a_viewer_on_b_sees_a_run_started_on_a_from_its_snapshot_to_its_model(
        pair: list[str]) -> None:
    a, b = pair
    me = new_session(a)  # minted on A, accepted on B (the replicas share the secret)
    # 4 epochs of 6,000: several seconds even on an idle machine, so B joins mid-run.
    run_id = start_run(a, me, epochs=4, max_train_samples=6000)
    wait_run(a, me, run_id, lambda r: r["step"] >= 3)  # B joins late: history exists
    with watch(b, me, run_id) as ws:
        seen = messages(ws, lambda m: (m.get("type") == "status"
                                       and m.get("status") == "finished")
                        or m.get("run", {}).get("status") == "finished")  # never hang
    assert any(m.get("type") == "step" for m in seen[1:]), "the run went on live on B"
    snapshot = seen[0]
    assert snapshot["type"] == "snapshot"
    assert snapshot["run"]["id"] == run_id
    assert snapshot["run"]["yours"] is True
    # The history before B connected: A had taken 3 steps (a step event every few steps).
    assert snapshot["run"]["step"] >= 3
    assert snapshot["steps"][0]["step"] == 1, "the snapshot carries the steps taken before"
    # Light events after it: in order, none repeated (the latest maps and filters right
    # after the snapshot carry their own, older seq).
    seqs = [m["seq"] for m in seen[1:] if m.get("type") in ("step", "epoch", "status")]
    assert seqs == sorted(set(seqs)), "no repeats, in order"
    assert seqs[0] > snapshot["seq"]
    on_a = wait_run(a, me, run_id, lambda r: r["model_id"] is not None)
    # B may answer from a mirror up to half a second old (mirror.FRESH_S).
    on_b = wait_run(b, me, run_id, lambda r: r["model_id"] is not None, timeout=10)
    assert on_b["status"] == on_a["status"] == "finished"
    assert on_b["model_id"] == on_a["model_id"]
    assert on_b["metrics"]["val_accuracy"] == on_a["metrics"]["val_accuracy"]
    # Its model is in the store both replicas read.
    status, model = http("GET", b, f"/api/models/{on_a['model_id']}", me)
    assert status == 200, model


def test_the_run_list_and_commands_work_on_either_replica(pair: list[str]) -> None:
    a, b = pair
    me, stranger = new_session(a), new_session(b)
    run_id = start_run(a, me, epochs=20, max_train_samples=6000)
    wait_run(a, me, run_id, lambda r: r["status"] == "running")
    listed = http("GET", b, "/api/runs", me)[1]
    assert run_id in [r["id"] for r in listed["runs"]]
    assert get_run(b, stranger, run_id)[0] == 404, "not yours: the same 404"
    status, paused = http("POST", b, f"/api/runs/{run_id}/pause", me)
    assert status == 200, paused
    wait_run(a, me, run_id, lambda r: r["status"] == "paused", timeout=60)
    assert http("POST", b, f"/api/runs/{run_id}/stop", stranger)[0] == 404
    status, stopped = http("POST", b, f"/api/runs/{run_id}/stop", me)
    assert status == 200, stopped
    final = wait_run(b, me, run_id, lambda r: r["status"] == "stopped", timeout=60)
    assert final["ended"] is not None


def test_a_redis_restart_makes_viewers_reconnect_and_resync(
        tmp_path: Path, redis_server: RedisServer) -> None:
    with replicas(tmp_path, redis_server.url) as (a, b):
        me = new_session(a)
        run_id = start_run(a, me, epochs=30, max_train_samples=6000)
        wait_run(a, me, run_id, lambda r: r["step"] >= 2)
        with watch(b, me, run_id) as ws:
            messages(ws, lambda m: m.get("type") == "step")
            redis_server.restart(down_for=1.0)
            with pytest.raises(ConnectionClosed) as closed:
                messages(ws, lambda m: False, timeout=30)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1012
        # The page reconnects (again, with 1012, when B hears Redis again and when A has
        # written its run whole again). What it holds at the end, its last snapshot and the
        # steps after it, is every step A took, in order, then the run goes on live.
        before = wait_run(a, me, run_id, lambda r: True)["step"]
        seen, closes = watch_like_a_page(b, me, run_id, lambda m: m.get("type") == "step"
                                         and m["step"] > before + 2)
        assert set(closes) <= {1012}, closes
        snapshot: dict[str, Any] = seen[0]
        assert snapshot["type"] == "snapshot"
        assert snapshot["run"]["status"] == "running"
        view = [s["step"] for s in snapshot["steps"]] + [
            m["step"] for m in seen[1:] if m.get("type") == "step"]
        assert view == sorted(set(view)), "in order, none repeated"
        with watch(a, me, run_id) as ws:  # what A itself kept
            kept = [s["step"] for s in messages(ws, lambda m: True)[0]["steps"]]
        assert [step for step in kept if step <= view[-1]] == view, "no step missed"
        http("POST", a, f"/api/runs/{run_id}/stop", me)


def test_a_run_whose_replica_died_reads_as_failed_with_the_reason_on_the_others(
        pair: list[str]) -> None:
    a, b = pair
    me = new_session(a)
    run_id = start_run(a, me, epochs=30, max_train_samples=6000)
    wait_run(b, me, run_id, lambda r: r["status"] == "running")
    kill(a)
    # Its heartbeat key expires within server/hub/redis.py ALIVE_S (10 s).
    failed = wait_run(b, me, run_id, lambda r: r["status"] == "failed", timeout=30)
    assert "the API replica that ran it stopped" in failed["message"]
    assert failed["ended"] is not None
