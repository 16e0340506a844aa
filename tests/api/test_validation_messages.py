"""A value that fails every branch of a union is reported once, by its most telling branch."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient


def messages(client: TestClient, spec: object) -> list[str]:
    response = client.post("/api/kernels/apply", data={"sample": "camera",
                                                       "spec": json.dumps(spec)})
    assert response.status_code == 422
    return [d["msg"] for d in response.json()["detail"]]


def test_nan_in_a_2d_matrix_is_one_message(client: TestClient) -> None:
    body = '{"steps": [{"matrix": [[1, NaN]]}]}'  # the raw JSON token, as a client may send
    response = client.post("/api/kernels/apply", data={"sample": "camera", "spec": body})
    msgs = [d["msg"] for d in response.json()["detail"]]
    assert msgs == ["steps.0.matrix.0.1: Input should be a finite number (got nan)"]


def test_a_bad_cell_in_a_3d_matrix_points_at_the_cell(client: TestClient) -> None:
    msgs = messages(client, {"steps": [{"matrix": [[[1, "x"]]]}]})
    assert len(msgs) == 1
    assert msgs[0].startswith("steps.0.matrix.0.0.1: ")


def test_out_of_range_number_beats_the_int_parsing_branch(client: TestClient) -> None:
    response = client.post("/api/matrix", json={"op": "convolution", "input": [[1, 2e300]],
                                                "kernels": [[1]]})
    msgs = [d["msg"] for d in response.json()["detail"]]
    assert msgs == ["input.0.1: Input should be less than or equal to 1000000000000 "
                    "(got 2e+300)"]
    assert response.json()["detail"][0]["loc"] == ["input", 0, 1]
