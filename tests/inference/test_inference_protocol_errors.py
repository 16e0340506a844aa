"""Open Inference Protocol refusals, with a plain HTTP client on a real server: each is a
4xx in the protocol's shape ({"error": "..."}, the project's `detail` beside it) whose
message names the field, the value and the fix."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
import torch
from app_settings import make_settings
from live_server import serving

from inference.conftest import DENSE_ONLY
from server.main import create_app
from server.nn.build import build_model
from server.store import ModelStore

MAX_BATCH = 4
HEADER = "Inference-Header-Content-Length"


@pytest.fixture(scope="module")
def private_model(models_dir: Path) -> str:
    """A model another session trained and did not publish."""
    torch.manual_seed(2)
    return ModelStore(models_dir).save("not yours", DENSE_ONLY, build_model(DENSE_ONLY), {
        "classes": [str(i) for i in range(10)], "owner": "another-session",
        "visibility": "private",
        "preprocessing": {"channels": 1, "height": 28, "width": 28, "mean": [0.5],
                          "std": [0.5]}})


@pytest.fixture(scope="module")
def base(models_dir: Path, private_model: str) -> Iterator[str]:
    app = create_app(make_settings(models_dir=models_dir, max_infer_batch=MAX_BATCH))
    with serving(app) as host:
        yield f"http://{host}"


@pytest.fixture(scope="module")
def session(base: str) -> requests.Session:
    http = requests.Session()
    token = http.post(f"{base}/api/sessions", timeout=10).json()["token"]
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def tensor(shape: list[int], datatype: str = "UINT8", **fields: Any) -> dict[str, Any]:
    data = fields.pop("data", [0] * int(np.prod(shape)))
    return {"inputs": [{"name": "input", "shape": shape, "datatype": datatype,
                        "data": data, **fields}]}


def refused(answer: requests.Response, status: int, *words: str) -> str:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert isinstance(body["error"], str)
    assert body["error"] == body["detail"][0]["msg"]
    for word in words:
        assert word in body["error"], (word, body["error"])
    return str(body["error"])


def test_wrong_shapes_are_400_naming_the_shape_wanted(base: str,
                                                     session: requests.Session) -> None:
    url = f"{base}/v2/models/dense only/infer"
    refused(session.post(url, json=tensor([1, 32, 32, 1])), 400, "inputs.0.shape",
            "[1, 32, 32, 1]", "[N, 28, 28, 1]", "resize")
    refused(session.post(url, json=tensor([28, 28])), 400, "[N, 28, 28, 1]")
    refused(session.post(url, json=tensor([1, 28, 28, 1], data=[0] * 10)), 400,
            "holds 10 values", "784")


def test_wrong_datatype_and_values_are_400(base: str, session: requests.Session) -> None:
    url = f"{base}/v2/models/dense only/infer"
    refused(session.post(url, json=tensor([1, 28, 28, 1], "FP32")), 400, "inputs.0.datatype",
            '"FP32"', "UINT8")
    refused(session.post(url, json=tensor([1, 28, 28, 1], data=[256] * 784)), 400,
            "integers 0 to 255")
    refused(session.post(url, json=tensor([1, 28, 28, 1], data=[0.5] * 784)), 400,
            "integers 0 to 255")
    refused(session.post(url, data=b"{not json"), 400, "not a JSON inference request")


def test_a_batch_over_the_limit_is_400_naming_the_setting(base: str,
                                                         session: requests.Session) -> None:
    refused(session.post(f"{base}/v2/models/dense only/infer",
                         json=tensor([MAX_BATCH + 1, 28, 28, 1])), 400,
            f"batch of {MAX_BATCH + 1}", f"1 to {MAX_BATCH}", "CNNPG_MAX_INFER_BATCH")


def test_binary_sizes_must_agree(base: str, session: requests.Session) -> None:
    url = f"{base}/v2/models/dense only/infer"

    def binary(declared: int, sent: int, header: str | None = None) -> requests.Response:
        head = json.dumps({"inputs": [{"name": "input", "shape": [2, 28, 28, 1],
                                       "datatype": "UINT8",
                                       "parameters": {"binary_data_size": declared}}]}).encode()
        return session.post(url, data=head + bytes(sent),
                            headers={HEADER: header or str(len(head)),
                                     "Content-Type": "application/octet-stream"})

    refused(binary(1568, 1000), 400, "1568 bytes", "1000 bytes follow", "must agree")
    refused(binary(100, 100), 400, "binary_data_size 100")
    refused(binary(1568, 1568, "99999999"), 400, HEADER, "99999999")
    assert binary(1568, 1568).status_code == 200


def test_unknown_names_versions_and_outputs(base: str, session: requests.Session) -> None:
    refused(session.get(f"{base}/v2/models/nobody-made-this"), 404, "'nobody-made-this'",
            "GET /api/models")
    refused(session.post(f"{base}/v2/models/nothing/infer", json=tensor([1, 28, 28, 1])), 404,
            "'nothing'")
    refused(session.get(f"{base}/v2/models/dense only/versions/7"), 404, "no version 7",
            "its versions are 1")
    refused(session.get(f"{base}/v2/models/dense only/versions/v2"), 404, "version 'v2'",
            "whole numbers from 1")
    body = {**tensor([1, 28, 28, 1]), "outputs": [{"name": "logits"}]}
    refused(session.post(f"{base}/v2/models/dense only/infer", json=body), 400,
            "outputs.0.name", '"logits"', "probabilities, labels")


def test_another_sessions_private_model_is_not_there(base: str, session: requests.Session,
                                                     private_model: str) -> None:
    for path in (f"/v2/models/{private_model}", "/v2/models/not yours",
                 f"/v2/models/{private_model}/ready"):
        refused(session.get(base + path), 404, "no model")
    refused(session.post(f"{base}/v2/models/{private_model}/infer",
                         json=tensor([1, 28, 28, 1])), 404, "no model")
    # the same request for a public model of the same shape is answered
    assert session.post(f"{base}/v2/models/dense only/infer",
                        json=tensor([1, 28, 28, 1])).status_code == 200


def test_an_oversized_body_is_413_in_the_protocol_shape(base: str,
                                                        session: requests.Session) -> None:
    limit = make_settings().max_upload_bytes
    answer = session.post(f"{base}/v2/models/dense only/infer", data=bytes(limit + 100_000),
                          headers={HEADER: "2"})
    refused(answer, 413, "CNNPG_MAX_UPLOAD_BYTES")
