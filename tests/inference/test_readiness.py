"""GET /api/ready: 503 naming what is missing until the models of CNNPG_PRELOAD_MODELS are
loaded and warmed up (one forward pass each), then 200; preloaded models stay in memory."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from app_settings import make_settings
from fastapi.testclient import TestClient
from scrape import scrape, value

from server.inference.predictor import Predictor
from server.main import create_app
from server.store import ModelStore


def ids(models_dir: Path) -> dict[str, str]:
    """name -> id of the models in the folder (the shipped one as "shipped")."""
    return {("shipped" if e.id.startswith("lenet") else e.manifest.name): e.id
            for e in ModelStore(models_dir).entries() if e.manifest is not None}


def ready_when(client: TestClient, check: Callable[[Any], bool]) -> Any:
    deadline = time.monotonic() + 60
    while not check(answer := client.get("/api/ready")):
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.05)  # the preloader's thread loads the models
    return answer


def test_ready_only_once_the_preloaded_models_are_loaded_and_warm(models_dir: Path) -> None:
    wanted = [ids(models_dir)["dense only"], ids(models_dir)["shipped"]]
    app = create_app(make_settings(models_dir=models_dir, preload_models=wanted))
    services = app.state.services
    early = TestClient(app).get("/api/ready")  # before start-up: nothing loaded yet
    assert early.status_code == 503
    assert early.headers["retry-after"] == "5"
    assert [d["loc"] for d in early.json()["detail"]] == [["preload_models", 0],
                                                          ["preload_models", 1]]
    assert f"model {wanted[0]!r} (CNNPG_PRELOAD_MODELS): it is not loaded yet" in \
        early.json()["detail"][0]["msg"]
    assert value(scrape(app), "cnnpg_ready") == 0
    protocol = TestClient(app).get("/v2/health/ready")  # the Open Inference Protocol's
    assert protocol.status_code == 503
    assert protocol.json()["ready"] is False
    assert f"model {wanted[1]!r} (CNNPG_PRELOAD_MODELS)" in protocol.json()["error"]
    assert services.predictor.warmups == 0
    with TestClient(app) as client:
        answer = ready_when(client, lambda a: a.status_code == 200)
        assert answer.json() == {"ready": True, "missing": [], "models": [
            {"model_id": i, "state": "ready", "message": ""} for i in wanted]}
        assert services.predictor.warmups == 2  # one warm-up pass per model
        assert client.get("/v2/health/ready").json() == {"ready": True}
        samples = scrape(app)
        assert value(samples, "cnnpg_ready") == 1
        assert [value(samples, "cnnpg_model_warmups_total", model=i) for i in wanted] == [1, 1]
        assert value(samples, "cnnpg_loaded_models") == 2


def test_a_preloaded_model_that_cannot_load_is_named(
        make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    client = make_client(models_dir=tmp_path, preload_models=["no-such-model"])
    answer = ready_when(client, lambda a: "could not be loaded" in a.text)
    assert answer.status_code == 503
    detail = answer.json()["detail"]
    assert detail[0]["loc"] == ["preload_models", 0]
    assert "model 'no-such-model' (CNNPG_PRELOAD_MODELS): it could not be loaded: no " \
        "model 'no-such-model'" in detail[0]["msg"]
    assert answer.json()["models"][0]["state"] == "failed"


def test_without_preloaded_models_the_server_is_ready_at_once(
        make_client: Callable[..., TestClient]) -> None:
    answer = make_client().get("/api/ready")
    assert answer.status_code == 200
    assert answer.json() == {"ready": True, "models": [], "missing": []}


def test_loading_runs_one_warm_up_pass_and_preloaded_models_are_never_evicted(
        models_dir: Path) -> None:
    names = ids(models_dir)
    predictor = Predictor(ModelStore(models_dir), capacity=1)
    predictor.pinned.add(names["shipped"])
    first = predictor.get(names["shipped"])
    assert first.warm
    assert predictor.warmups == 1
    assert predictor.get(names["shipped"]) is first
    assert predictor.warmups == 1  # served from memory: no second warm-up
    predictor.get(names["dense only"])
    predictor.get(names["rgb photos"])  # over capacity: the unpinned older one goes
    assert predictor.cached(names["shipped"]) is first
    assert predictor.cached(names["dense only"]) is None
    assert predictor.loaded_count() == 2
    assert predictor.warmups == 3


def test_more_preloaded_models_than_kept_loaded_is_refused() -> None:
    with pytest.raises(ValueError, match="CNNPG_PRELOAD_MODELS names 2 models, more than "
                       "CNNPG_LOADED_MODELS=1"):
        create_app(make_settings(loaded_models=1, preload_models=["a-model", "b-model"]))
