"""CNNPG_MAX_FILTER_COST: a pipeline estimated above the limit is refused before it runs, on
/api/kernels/apply, /explain and /ws/kernels; the samples and typical pipelines pass."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from pictures import noise, png

from server.config import Settings
from server.kernels.cost import estimate
from server.kernels.library import KERNELS
from server.kernels.pipeline import prepare_input, resolve_pipeline
from server.kernels.spec import Pipeline

EIGHT_BILATERALS = {"steps": [{"kernel": "bilateral", "params": {"size": 15}}] * 8}
TYPICAL = [
    {"steps": [{"kernel": "gaussian_5"}, {"kernel": "sobel_magnitude"}]},
    {"steps": [{"kernel": "median"}, {"kernel": "sharpen"}, {"kernel": "laplacian_8"}],
     "output": "abs"},
    {"steps": [{"kernel": "gaussian", "params": {"size": 15, "sigma": 4}},
               {"kernel": "unsharp_5"}], "channels": "grayscale"},
    {"steps": [{"matrix": [[1, 0, -1]] * 3}], "channels": "sum", "output": "normalize"},
    {"steps": [{"kernel": "bilateral"}, {"kernel": "bilateral"}, {"kernel": "max"},
               {"kernel": "min"}, {"kernel": "emboss"}]},
]


def _seconds(pixels: Any, spec: dict[str, Any]) -> float:
    pipeline = Pipeline.model_validate(spec)
    source = prepare_input(pixels, pipeline.channels)
    height, width, channels = source.shape
    steps = resolve_pipeline(pipeline, channels)
    return sum(c.seconds for c in estimate(steps, height, width, channels,
                                           pipeline.channels == "sum"))


def _refusal(detail: list[dict[str, Any]], limit: float = 0.5) -> str:
    assert len(detail) == 1, detail
    msg: str = detail[0]["msg"]
    for words in ("CNNPG_MAX_FILTER_COST", f"the limit is {limit:g} s", "preview_max_side",
                  "step 0 (Bilateral)", "fewer or smaller steps"):
        assert words in msg, msg
    assert detail[0]["loc"][-2:] == ["steps", 0], detail
    return msg


def test_eight_large_bilaterals_on_a_megapixel_photo_are_refused(client: TestClient) -> None:
    response = client.post("/api/kernels/apply", files={"file": ("p.png", png(noise(1000, 1000)))},
                           data={"spec": json.dumps(EIGHT_BILATERALS)})
    assert response.status_code == 422, response.text
    msg = _refusal(response.json()["detail"])
    assert "on a 1000x1000 image would take about" in msg
    seconds = float(msg.split("would take about ")[1].split(" s")[0])
    assert seconds > Settings().max_filter_cost


def test_every_sample_with_every_library_kernel_and_typical_pipelines_pass(
        client: TestClient) -> None:
    store = client.app.state.services.images  # type: ignore[attr-defined]
    limit = Settings().max_filter_cost
    worst = (0.0, "")
    for name in store.sample_names():
        pixels = store.sample(name).pixels
        for spec in [{"steps": [{"kernel": k}]} for k in KERNELS] + TYPICAL:
            worst = max(worst, (_seconds(pixels, spec), f"{name}: {spec}"))
    print(f"most expensive: {worst[1]} at {worst[0]:.3f} s")
    assert worst[0] < limit, worst
    # And through the API, the heaviest of them runs.
    answer = client.post("/api/kernels/apply", data={"sample": "astronaut", "format": "json",
                                                     "spec": json.dumps(TYPICAL[-1])})
    assert answer.status_code == 200, answer.text


def test_a_smaller_preview_is_the_fix(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_filter_cost=0.2)  # the samples are small: a lower limit
    body: dict[str, Any] = {"source": {"sample": "astronaut"}, "spec": EIGHT_BILATERALS,
                            "x": 3, "y": 4}
    refused = client.post("/api/kernels/explain", json=body)
    assert refused.status_code == 422, refused.text
    _refusal(refused.json()["detail"], 0.2)
    small = client.post("/api/kernels/explain", json={**body, "preview_max_side": 128})
    assert small.status_code == 200, small.text


def test_the_socket_answers_an_error_and_keeps_serving(
        make_client: Callable[..., TestClient]) -> None:
    limit = 0.05
    client = make_client(max_filter_cost=limit)
    heavy = {"steps": [{"kernel": "bilateral", "params": {"size": 15}}] * 2}
    with client.websocket_connect("/ws/kernels") as ws:
        ws.send_text(json.dumps({"type": "apply", "id": 1, "source": {"sample": "astronaut"},
                                 "spec": heavy}))
        error = ws.receive_json()
        assert (error["type"], error["id"], error["status"]) == ("error", 1, 422), error
        assert f"the limit is {limit:g} s" in error["detail"][0]["msg"], error
        ws.send_text(json.dumps({"type": "apply", "id": 2, "source": {"sample": "astronaut"},
                                 "spec": heavy, "preview_max_side": 64}))
        result = ws.receive_json()
        assert (result["type"], result["id"]) == ("result", 2), result
        assert ws.receive_bytes()[:4] == b"KLR1"
