"""Names over HTTP: two real training runs under one name give versions 1 and 2, the
listing shows versions and aliases, aliases move and are removed, another session's name
is 404 and the server's is 403."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from classroom.fixtures import models_folder, session, shipped_id, start, wait_for
from fastapi.testclient import TestClient
from pictures import png


def train(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    run_id = start(client, headers, samples=200)
    run = wait_for(client, headers, run_id, lambda r: r["status"] in ("finished", "failed"))
    assert run["status"] == "finished", run
    return run


@pytest.fixture
def trained(make_client: Callable[..., TestClient],
            tmp_path: Path) -> tuple[TestClient, dict[str, str], list[dict[str, Any]]]:
    """Alice trained the same network twice: her listing rows of both models."""
    client = make_client(models_dir=models_folder(tmp_path), max_concurrent_runs=1)
    alice = session(client)
    ids = [train(client, alice)["model_id"] for _ in range(2)]
    rows = {r["id"]: r for r in client.get("/api/models", headers=alice).json()["models"]}
    return client, alice, [rows[i] for i in ids]


@pytest.fixture
def imported(make_client: Callable[..., TestClient],
             tmp_path: Path) -> tuple[TestClient, dict[str, str], list[dict[str, Any]]]:
    """Alice imported the shipped model twice (faster than training): versions 1 and 2 of
    its name in her namespace."""
    client = make_client(models_dir=models_folder(tmp_path))
    alice = session(client)
    archive = client.get(f"/api/models/{shipped_id()}/export", headers=alice).content
    rows = [client.post("/api/models/import", headers=alice,
                        files={"file": ("m.zip", archive)}).json() for _ in range(2)]
    return client, alice, rows


def test_training_twice_under_one_name_gives_two_versions(trained: Any) -> None:
    client, alice, (first, second) = trained
    assert first["name"] == second["name"]
    assert (first["version"], second["version"]) == (1, 2)
    assert "default" in second["aliases"]
    assert "default" not in first["aliases"]
    view = client.get(f"/api/models/names/{first['name']}", headers=alice).json()
    assert view["namespace"] == "yours"
    assert [(v["version"], v["id"]) for v in view["versions"]] == [(1, first["id"]),
                                                                    (2, second["id"])]
    assert view["aliases"]["default"] == 2
    shipped = client.get(f"/api/models/{shipped_id()}", headers=alice).json()
    assert (shipped["version"], shipped["aliases"]) == (1, ["best", "default"])


def test_aliases_move_and_are_removed(imported: Any) -> None:
    client, alice, (first, second) = imported
    assert (first["version"], second["version"]) == (1, 2)
    base = f"/api/models/names/{first['name']}/aliases"
    moved = client.put(f"{base}/default", json={"version": 1}, headers=alice)
    assert moved.status_code == 200, moved.text
    assert moved.json()["aliases"]["default"] == 1
    rows = {r["id"]: r for r in client.get("/api/models", headers=alice).json()["models"]}
    assert "default" in rows[first["id"]]["aliases"]
    assert client.put(f"{base}/prod", json={"version": 2}, headers=alice).status_code == 200
    assert client.get(f"/api/models/{second['id']}", headers=alice).json()["aliases"] \
        .count("prod") == 1
    removed = client.delete(f"{base}/prod", headers=alice)
    assert "prod" not in removed.json()["aliases"]
    refused = client.delete(f"{base}/default", headers=alice)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["alias"]
    # the model default points to is deleted: default falls back to the newest remaining
    assert client.delete(f"/api/models/{first['id']}", headers=alice).status_code == 204
    view = client.get(f"/api/models/names/{first['name']}", headers=alice).json()
    assert view["aliases"]["default"] == 2
    assert view["set_by_hand"] == []


@pytest.mark.parametrize(("method", "path", "body", "status", "loc"), [
    ("put", "/aliases/Prod", {"version": 1}, 422, ["alias"]),
    ("put", "/aliases/a%2Fb", {"version": 1}, 404, None),
    ("put", "/aliases/" + "a" * 40, {"version": 1}, 422, ["alias"]),
    ("put", "/aliases/prod", {"version": 0}, 422, ["version"]),
    ("put", "/aliases/prod", {"version": 9}, 404, ["version"]),
    ("put", "/aliases/prod", {"version": "x"}, 422, ["version"]),
    ("put", "/aliases/prod", {"version": 1, "extra": 1}, 422, ["extra"]),
    ("delete", "/aliases/ghost", None, 404, ["alias"]),
])
def test_bad_alias_requests_name_the_field(imported: Any, method: str, path: str,
                                           body: Any, status: int,
                                           loc: list[str] | None) -> None:
    client, alice, (first, _) = imported
    answer = client.request(method.upper(), f"/api/models/names/{first['name']}{path}",
                            json=body, headers=alice)
    assert answer.status_code == status, answer.text
    if loc is not None:
        assert answer.json()["detail"][0]["loc"] == loc


def test_another_session_cannot_see_or_move_a_name(imported: Any) -> None:
    client, alice, (first, second) = imported
    bob = session(client)
    public = client.get(f"/api/models/names/{first['name']}", headers=bob).json()
    assert public["namespace"] == "public"  # the shipped model's name, not alice's copies
    assert [v["id"] for v in public["versions"]] == [shipped_id()]
    renamed = client.patch(f"/api/models/{second['id']}", json={"name": "alice only"},
                           headers=alice)
    assert renamed.json()["version"] == 1  # the first version of its new name
    assert client.get("/api/models/names/alice only", headers=bob).status_code == 404
    moved = client.put("/api/models/names/alice only/aliases/default", json={"version": 1},
                       headers=bob)
    assert moved.status_code == 404
    assert "no model named 'alice only'" in moved.json()["detail"][0]["msg"]
    refused = client.put(f"/api/models/names/{first['name']}/aliases/default",
                         json={"version": 1}, headers=bob)
    assert refused.status_code == 403
    assert "operator" in refused.json()["detail"][0]["msg"]


def test_prediction_by_name_follows_the_default_alias(imported: Any) -> None:
    """/predict and /predict/batch take a model name as well as an id: the version its
    `default` alias points to in the caller's namespace, then the public one."""
    client, alice, (first, second) = imported
    name = first["name"]
    digit = png(np.full((28, 28), 255, np.uint8))

    def used(headers: dict[str, str], path: str = "predict") -> str:
        files: Any = ({"file": ("d.png", digit)} if path == "predict"
                      else [("files", ("d.png", digit)), ("files", ("e.png", digit))])
        answer = client.post(f"/api/models/{name}/{path}", files=files, headers=headers)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["model_id"])

    assert used(alice) == used(alice, "predict/batch") == second["id"]
    client.put(f"/api/models/names/{name}/aliases/default", json={"version": 1},
               headers=alice)
    assert used(alice) == used(alice, "predict/batch") == first["id"]
    assert used(session(client)) == shipped_id()  # another session: the public name
    missing = client.post("/api/models/nobody named this/predict",
                          files={"file": ("d.png", digit)}, headers=alice)
    assert missing.status_code == 404
    assert missing.json()["detail"][0]["loc"] == ["model_id"]
    assert "not a model id or name you may read" in missing.json()["detail"][0]["msg"]
