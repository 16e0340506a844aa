"""Starting and watching runs over REST, shared by the run tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

TINY = {"input": {"channels": 1, "height": 28, "width": 28},
        "layers": [{"type": "conv2d", "filters": 4, "kernel_size": 5, "stride": 2,
                    "padding": "same", "activation": "relu"},
                   {"type": "max_pool2d", "pool_size": 2}, {"type": "flatten"},
                   {"type": "dense", "units": 10, "activation": "softmax"}]}


def start(client: TestClient, **training: Any) -> str:
    body = {"network": TINY, "dataset": "mnist",
            "training": {"epochs": 1, "batch_size": 32, "max_train_samples": 600,
                         "learning_rate": 0.01,
                         "validation_split": 0.2, **training}}
    response = client.post("/api/runs", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def wait_for(client: TestClient, run_id: str, check: Callable[[dict[str, Any]], bool],
             timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run = client.get(f"/api/runs/{run_id}").json()
        if check(run):
            return run
        assert time.monotonic() < deadline, f"timed out; run is {run}"
        time.sleep(0.05)


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat after the command name: [state, ppid, ...]."""
    return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        return _stat(pid)[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def children(pid: int) -> list[int]:
    """The living processes whose parent is `pid`."""
    found = []
    for folder in Path("/proc").iterdir():
        if folder.name.isdigit():
            try:
                fields = _stat(int(folder.name))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(folder.name))
    return found
