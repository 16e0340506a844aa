"""Where /v2 writes its answer: on the event loop when that is cheap (binary outputs, or a
few hundred JSON numbers at most), in a worker thread otherwise; the same answer either way."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from app_settings import make_settings
from fastapi.testclient import TestClient

from inference.conftest import model_id
from server.api.routes import inference_protocol
from server.main import create_app

HEADER = "Inference-Header-Content-Length"


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The answers handed to a worker thread, by name, as the route runs."""
    handed: list[str] = []
    real = inference_protocol.run_in_threadpool

    async def counted(fn: Callable[..., Any], *args: Any) -> Any:
        handed.append(getattr(fn, "__name__", "?"))
        return await real(fn, *args)

    monkeypatch.setattr(inference_protocol, "run_in_threadpool", counted)
    return handed


@pytest.fixture
def api(models_dir: Path) -> Iterator[TestClient]:
    settings = make_settings(models_dir=models_dir, max_infer_batch=512)
    with TestClient(create_app(settings)) as client:
        yield client


def infer(api: TestClient, name: str, pixels: np.ndarray, binary: bool) -> np.ndarray:
    raw = pixels.tobytes()
    document: dict[str, Any] = {"inputs": [{"name": "input", "shape": list(pixels.shape),
                                            "datatype": "UINT8"}],
                                "parameters": {"binary_data_output": binary}}
    if binary:
        document["inputs"][0]["parameters"] = {"binary_data_size": len(raw)}
        head = json.dumps(document).encode()
        answer = api.post(f"/v2/models/{name}/infer", content=head + raw,
                          headers={HEADER: str(len(head))})
    else:
        document["inputs"][0]["data"] = pixels.reshape(-1).tolist()
        answer = api.post(f"/v2/models/{name}/infer", json=document)
    assert answer.status_code == 200, answer.text
    if not binary:
        return np.array(answer.json()["outputs"][0]["data"], dtype=np.float32)
    length = int(answer.headers[HEADER])
    size = json.loads(answer.content[:length])["outputs"][0]["parameters"]["binary_data_size"]
    return np.frombuffer(answer.content[length:length + size], dtype="<f4")


@pytest.mark.parametrize(("images", "binary", "in_thread"), [
    (64, True, False),  # 640 probabilities as raw bytes: ~0.04 ms
    (16, False, False),  # 176 JSON numbers
    (64, False, True),  # 704 JSON numbers: ~0.3 ms, off the loop
    (300, True, True),  # more images than SMALL_BINARY
])
def test_cheap_answers_stay_on_the_loop_and_are_the_same_either_way(
        api: TestClient, hops: list[str], images: int, binary: bool, in_thread: bool) -> None:
    name = model_id(api, "dense only")
    pixels = np.random.default_rng(images).integers(0, 256, (images, 28, 28, 1), np.uint8)
    got = infer(api, name, pixels, binary)
    assert ("answer" in hops) == in_thread, hops
    hops.clear()
    other = infer(api, name, pixels, not binary)  # the other way of writing it
    np.testing.assert_allclose(got, other, rtol=0, atol=1e-6)
    assert got.shape == (images * 10,)
