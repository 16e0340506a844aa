"""Programs that keep no cookie, against a server with the shipped rate limits: tritonclient
and plain HTTP call the prediction routes over and over without being counted as new
sessions (a new session each, 20 a second at most, refused them before), and every refusal
under /v2 reaches tritonclient in the protocol's error shape."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import requests
import torch
import tritonclient.http as triton
from app_settings import make_settings
from live_server import serving
from pictures import png
from tritonclient.utils import InferenceServerException

from inference.conftest import DENSE_ONLY
from server.config import Settings
from server.main import create_app
from server.nn.build import build_model
from server.store import ModelStore

SHIPPED_LIMITS = {name: Settings.model_fields[name].default
                  for name in ("rate_sessions", "rate_joins", "rate_uploads", "rate_runs")}
CALLS = 60  # three times the shipped limit of 20 new sessions a second


@pytest.fixture(scope="module")
def live(models_dir: Path) -> Iterator[str]:
    assert SHIPPED_LIMITS["rate_sessions"].startswith("20/second")
    app = create_app(make_settings(models_dir=models_dir, max_upload_bytes=64 * 1024,
                                   **SHIPPED_LIMITS))
    with serving(app) as host:
        yield host


@pytest.fixture(scope="module")
def shipped(live: str) -> str:
    rows = requests.get(f"http://{live}/api/models", timeout=10).json()["models"]
    return str(next(r["id"] for r in rows if r["shipped"]))


def digit(value: int = 0) -> np.ndarray:
    return np.full((1, 28, 28, 1), value, dtype=np.uint8)


def infer(client: triton.InferenceServerClient, name: str, pixels: np.ndarray,
          **headers: str) -> triton.InferResult:
    tensor = triton.InferInput("input", list(pixels.shape), "UINT8")
    tensor.set_data_from_numpy(pixels, binary_data=True)
    return client.infer(name, [tensor], headers=headers or None)


def test_tritonclient_infers_many_times_a_second_with_no_cookie(live: str,
                                                                 shipped: str) -> None:
    with triton.InferenceServerClient(live) as client:
        answers = [infer(client, shipped, digit(k % 200)) for k in range(CALLS)]
        assert all(a.as_numpy("probabilities").shape == (1, 10) for a in answers)
        assert client.is_server_ready()
        assert client.is_model_ready(shipped)


def test_predict_answers_a_cookieless_program_without_making_it_a_session(
        live: str, shipped: str) -> None:
    connection = http.client.HTTPConnection(live, timeout=30)
    body, boundary = multipart_png()
    statuses, cookies = [], []
    for _ in range(CALLS):
        connection.request("POST", f"/api/models/{shipped}/predict", body=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        response = connection.getresponse()
        response.read()
        statuses.append(response.status)
        cookies.append(response.getheader("set-cookie"))
    connection.close()
    assert statuses == [200] * CALLS
    assert cookies == [None] * CALLS  # nothing handed out: nothing to count


def test_health_probes_get_no_cookie_but_pages_and_the_api_still_do(live: str) -> None:
    assert "set-cookie" not in requests.get(f"http://{live}/api/health", timeout=10).headers
    me = requests.get(f"http://{live}/api/sessions/me", timeout=10)
    assert me.status_code == 200
    assert me.headers["set-cookie"].startswith("cnnpg_session=")
    assert me.json()["auth"] == "cookie"


def test_a_cookieless_prediction_cannot_reach_a_private_model(live: str,
                                                            models_dir: Path) -> None:
    owner = requests.Session()  # a browser: it keeps its cookie
    me = owner.get(f"http://{live}/api/sessions/me", timeout=10).json()
    torch.manual_seed(3)
    model_id = ModelStore(models_dir).save("mine", DENSE_ONLY, build_model(DENSE_ONLY).eval(), {
        "classes": [str(i) for i in range(10)], "owner": me["session_id"], "preprocessing": {
            "channels": 1, "height": 28, "width": 28, "mean": [0.5], "std": [0.5]}})
    assert owner.get(f"http://{live}/v2/models/{model_id}", timeout=10).status_code == 200
    with (triton.InferenceServerClient(live) as client,
          pytest.raises(InferenceServerException) as refused):
        infer(client, model_id, digit())  # no cookie: a passing identity owns nothing
    assert refused.value.status() == "404"
    assert model_id in refused.value.message()
    body, boundary = multipart_png()
    anonymous = requests.post(f"http://{live}/api/models/{model_id}/predict", data=body,
                              headers={"Content-Type": f"multipart/form-data; "
                                                       f"boundary={boundary}"}, timeout=10)
    assert anonymous.status_code == 404


def multipart_png() -> tuple[bytes, str]:
    boundary = "b0undary"
    data = png(np.zeros((28, 28, 3), np.uint8))
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"d.png\"\r\nContent-Type: image/png\r\n\r\n").encode() + data + \
        f"\r\n--{boundary}--\r\n".encode()
    return body, boundary


@pytest.mark.parametrize(("why", "headers", "pixels", "status", "words"), [
    ("a bearer token that does not verify", {"Authorization": "Bearer v1.s-x.forged"}, None,
     "401", "bearer token is not valid"),
    ("a body over CNNPG_MAX_UPLOAD_BYTES", {}, np.zeros((256, 28, 28, 1), np.uint8), "413",
     "CNNPG_MAX_UPLOAD_BYTES"),
    ("a page on another site", {"Origin": "http://elsewhere.example"}, None, "403",
     "Origin"),
])
def test_refusals_around_the_routes_reach_tritonclient_as_the_protocols_errors(
        live: str, shipped: str, why: str, headers: dict[str, str],
        pixels: np.ndarray | None, status: str, words: str) -> None:
    with (triton.InferenceServerClient(live) as client,
          pytest.raises(InferenceServerException) as refused):
        infer(client, shipped, digit() if pixels is None else pixels, **headers)
    assert refused.value.status() == status, why
    said = refused.value.message()
    assert words in said
    # read as the protocol's error: not tritonclient's failure to decode our answer, which
    # quotes the raw body after "an exception occurred in the client while decoding ..."
    assert "decoding the response" not in said, said


def test_an_unknown_protocol_path_answers_in_the_protocols_shape(live: str) -> None:
    answer = requests.get(f"http://{live}/v2/nothing/here", timeout=10)
    assert answer.status_code == 404
    document = answer.json()
    assert document["error"]
    assert document["detail"]
    page = requests.get(f"http://{live}/api/nothing/here", timeout=10).json()
    assert "error" not in page
    assert page["detail"]
