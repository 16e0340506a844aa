"""A server killed without a word (kill -9, the OOM killer, a lost container) leaves no
worker behind: an idle warm worker and one in the middle of a run both notice their
parent is gone and exit, instead of training on for no one."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from replicas import RUNNING, kill, new_session, replica, start_run, wait_run

from training.run_helpers import alive, children

pytestmark = pytest.mark.slow


def test_workers_leave_when_their_server_is_killed(tmp_path: Path) -> None:
    with replica(tmp_path, "solo", models_dir=str(tmp_path / "models"),
                 warm_workers=2) as host:
        me = new_session(host)
        run_id = start_run(host, me, epochs=30, max_train_samples=6000)
        wait_run(host, me, run_id, lambda r: r["status"] == "running" and r["step"] >= 1)
        server = RUNNING[host].pid
        deadline = time.monotonic() + 60
        while len(workers := children(server)) < 3:  # 2 workers and the resource tracker
            assert time.monotonic() < deadline, f"the workers did not start: {workers}"
            time.sleep(0.2)
        kill(host)
        deadline = time.monotonic() + 15  # an idle worker looks every second
        while left := [pid for pid in workers if alive(pid)]:
            assert time.monotonic() < deadline, f"left behind, still running: {left}"
            time.sleep(0.2)
