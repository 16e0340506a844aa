"""Helpers for the classroom tests: an app whose models folder holds a copy of the shipped
model, sessions as bearer headers, and short real training runs."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from inference.conftest import png, shipped_folder

from server.config import PROJECT_ROOT

TINY = {"input": {"channels": 1, "height": 28, "width": 28},
        "layers": [{"type": "conv2d", "filters": 4, "kernel_size": 5, "stride": 2,
                    "padding": "same", "activation": "relu"},
                   {"type": "max_pool2d", "pool_size": 2}, {"type": "flatten"},
                   {"type": "dense", "units": 10, "activation": "softmax"}]}
SAMPLE = PROJECT_ROOT / "server" / "data" / "images" / "coins.png"
__all__ = ["TINY", "png"]


def models_folder(tmp: Path) -> Path:
    folder = tmp / "models"
    folder.mkdir()
    shutil.copytree(shipped_folder(), folder / shipped_folder().name)
    return folder


def shipped_id() -> str:
    return shipped_folder().name


def session(client: TestClient) -> dict[str, str]:
    """A new session's bearer header."""
    response = client.post("/api/sessions")
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def session_id(client: TestClient, headers: dict[str, str]) -> str:
    return str(client.get("/api/sessions/me", headers=headers).json()["session_id"])


def start(client: TestClient, headers: dict[str, str], samples: int = 600,
          **training: Any) -> str:
    body = {"network": TINY, "dataset": "mnist",
            "training": {"epochs": 1, "batch_size": 32, "max_train_samples": samples,
                         "learning_rate": 0.01, "validation_split": 0.2, **training}}
    response = client.post("/api/runs", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def wait_for(client: TestClient, headers: dict[str, str], run_id: str,
             check: Callable[[dict[str, Any]], bool], timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run = client.get(f"/api/runs/{run_id}", headers=headers).json()
        if check(run):
            return run
        assert time.monotonic() < deadline, f"timed out; run is {run}"
        time.sleep(0.05)


def upload(client: TestClient, headers: dict[str, str]) -> str:
    response = client.post("/api/images", headers=headers,
                           files={"file": ("coins.png", SAMPLE.read_bytes(), "image/png")})
    assert response.status_code == 201, response.text
    return str(response.json()["image_id"])
