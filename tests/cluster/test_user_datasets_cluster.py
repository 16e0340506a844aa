"""A dataset of your own when a school outgrows one machine (#16 part 4): made on one API
replica, trained from another, its model answering with the dataset's class names on the
first; and trained on the Ray executor, whose actor reads the pictures from the shared
store (never from the API process's memory)."""

from __future__ import annotations

import contextlib
import json
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from multipart import encode
from pictures import stripes
from redis_server import RedisServer
from replicas import http, new_session, replicas, wait_run
from training.run_helpers import wait_for

from cluster.test_ray_executor import pool, ray_client, wait_ready

pytestmark = pytest.mark.cluster
PER_CLASS = 25
CLASSES = {"vertical": True, "horizontal": False}
TRAINING = {"epochs": 6, "batch_size": 16, "learning_rate": 0.003, "validation_split": 0.2}
FINAL = ("finished", "stopped", "failed")


def form(host: str, path: str, headers: dict[str, str], fields: dict[str, str],
         files: list[tuple[str, str, bytes, str]]) -> tuple[int, Any]:
    body, content_type = encode(fields, files)
    request = urllib.request.Request(f"http://{host}{path}", data=body, method="POST",
                                     headers={"Content-Type": content_type, **headers})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def pictures(label: str) -> list[tuple[str, str, bytes, str]]:
    vertical = CLASSES[label]
    return [("files", f"{label}{i}.png", stripes(vertical, i + 1000 * vertical), "image/png")
            for i in range(PER_CLASS)]


def test_a_dataset_made_on_one_replica_trains_from_the_other(
        tmp_path: Path, redis_server: RedisServer) -> None:
    with replicas(tmp_path, redis_server.url) as (a, b):
        me = new_session(a)
        status, made = http("POST", a, "/api/datasets", me,
                            {"name": "Stripes", "classes": list(CLASSES)})
        assert status == 201, made
        for label in CLASSES:
            status, added = form(a, f"/api/datasets/{made['id']}/images", me,
                                 {"label": label}, pictures(label))
            assert (status, added["stored"]) == (201, PER_CLASS), added
        # B reads it from the shared store; another session gets the same 404 as ever.
        status, seen = http("GET", b, f"/api/datasets/{made['id']}", me)
        assert (status, seen["counts"]) == (200, dict.fromkeys(CLASSES, PER_CLASS)), seen
        assert http("GET", b, f"/api/datasets/{made['id']}", new_session(b))[0] == 404
        status, run = http("POST", b, "/api/runs", me, {
            "network": {"preset": "lenet-mnist"}, "dataset": made["id"], "training": TRAINING})
        assert status == 201, run
        done = wait_run(a, me, run["id"], lambda r: r["status"] in FINAL and (
            r["status"] != "finished" or r["model_id"] is not None), timeout=240)
        assert done["status"] == "finished", done["message"]
        status, model = http("GET", a, f"/api/models/{done['model_id']}", me)
        assert model["classes"] == list(CLASSES)
        status, answer = form(a, f"/api/models/{done['model_id']}/predict", me, {}, [
            ("file", "new.png", stripes(True, 4321), "image/png")])
        assert status == 200, answer
        assert answer["predictions"][0]["label"] == "vertical"


def test_a_ray_actor_trains_on_your_dataset_from_the_shared_store(
        make_client: Callable[..., TestClient], ray_address: str, tmp_path: Path) -> None:
    free_the_cluster(ray_address)
    # Actors are found by name in their namespace and keep the folders of the replica that
    # made them (one shared store per deployment); this test's store is its own tmp_path.
    client = ray_client(make_client, ray_address, tmp_path, warm_workers=1)
    client.headers.update({"Authorization": "Bearer "
                           + client.post("/api/sessions").json()["token"]})
    made = client.post("/api/datasets", json={"name": "Stripes", "classes": list(CLASSES)})
    assert made.status_code == 201, made.text
    dataset_id = made.json()["id"]
    for label in CLASSES:
        added = client.post(f"/api/datasets/{dataset_id}/images", data={"label": label},
                            files=[(field, (name, data, media))
                                   for field, name, data, media in pictures(label)])
        assert added.status_code == 201, added.text
    wait_ready(client, 1, timeout=90)
    started = client.post("/api/runs", json={"network": {"preset": "lenet-mnist"},
                                             "dataset": dataset_id, "training": TRAINING})
    assert started.status_code == 201, started.text
    run = wait_for(client, started.json()["id"], lambda r: r["status"] in FINAL and (
        r["status"] != "finished" or r["model_id"] is not None), 240)
    assert run["status"] == "finished", run["message"]
    workers = pool(client).pool_state().workers
    assert workers
    assert all("actor" in w for w in workers)  # Ray's actors, not local processes
    model = client.get(f"/api/models/{run['model_id']}").json()
    assert model["classes"] == list(CLASSES)
    assert model["test_accuracy"] >= 0.9, model["manifest"]["metrics"]



def free_the_cluster(address: str) -> None:
    """Stop every named actor earlier tests left on the test cluster, in any namespace:
    they hold its two CPUs (or wait for them), and they keep the models folder of the test
    that made them, where this test's datasets are not."""
    import ray

    mine = not ray.is_initialized()
    if mine:
        ray.init(address=address, logging_level="ERROR", log_to_driver=False)
    for named in ray.util.list_named_actors(all_namespaces=True):
        with contextlib.suppress(ValueError):
            ray.kill(ray.get_actor(named["name"], namespace=named["namespace"]))
    deadline = time.monotonic() + 60  # a kill is asynchronous: until their names are free
    while ray.util.list_named_actors(all_namespaces=True):
        assert time.monotonic() < deadline, ray.util.list_named_actors(all_namespaces=True)
        time.sleep(0.2)
    if mine:
        ray.shutdown()
