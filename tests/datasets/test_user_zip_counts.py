"""A zip of 100,000 tiny files (the issue's hostile case): within the entry limit it is
read entry by entry off the event loop, each file skipped with its reason, the answer's
lists bounded while its counts stay exact; one entry over the limit is refused whole
before anything is read or made."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from server.datasets.folder import ZipLimits

LIMIT = ZipLimits().max_entries  # 100,000


def tiny_zip(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # stored: 100,000 one-byte files
        for i in range(count):
            archive.writestr(f"c{i % 2}/{i}.png", b"x")
    return buffer.getvalue()


def test_100000_tiny_files_are_each_skipped_and_the_server_keeps_answering(
        make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    client = make_client(models_dir=tmp_path)
    me = {"Authorization": f"Bearer {client.post('/api/sessions').json()['token']}"}
    data = tiny_zip(LIMIT)
    answers: dict[str, Any] = {}

    def post() -> None:
        answers["import"] = client.post("/api/datasets", headers=me,
                                        files={"file": ("tiny.zip", data, "application/zip")})

    importing = threading.Thread(target=post)
    importing.start()
    slowest = 0.0
    while importing.is_alive():  # the health route answers throughout the import
        started = time.perf_counter()
        assert client.get("/api/health").status_code == 200
        slowest = max(slowest, time.perf_counter() - started)
        time.sleep(0.05)
    importing.join()
    assert slowest < 2.0, f"/api/health took {slowest:.2f} s during the import"
    answer = answers["import"]
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["stored"], body["skipped_count"]) == (0, LIMIT)
    assert len(body["skipped"]) == 1000, "the list is bounded; the count is exact"
    assert all("not an accepted image" in s["reason"] for s in body["skipped"])
    assert body["counts"] == {}


def test_one_entry_over_the_limit_is_refused_whole(make_client: Callable[..., TestClient],
                                                   tmp_path: Path) -> None:
    client = make_client(models_dir=tmp_path)
    me = {"Authorization": f"Bearer {client.post('/api/sessions').json()['token']}"}
    answer = client.post("/api/datasets", headers=me,
                         files={"file": ("big.zip", tiny_zip(LIMIT + 1), "application/zip")})
    assert answer.status_code == 413, answer.text
    message = answer.json()["detail"][0]["msg"]
    assert f"holds {LIMIT + 1} files; the limit is {LIMIT}" in message
    listed = client.get("/api/datasets", headers=me).json()["datasets"]
    assert not [d for d in listed if d["kind"] == "yours"], "nothing half-made is left"
