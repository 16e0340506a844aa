"""Every refusal of the REST API: status, the field, the value and the fix. Nothing is a 500."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pictures import noise, png

from server.kernels.library import KERNELS

FORMATS_TEXT = "PNG, JPEG, WebP, BMP, GIF (first frame) and TIFF"


@pytest.fixture(scope="module")
def image_id(client: TestClient) -> str:
    response = client.post("/api/images", files={"file": ("p.png", png(noise(37, 41, 3)), "x")})
    return response.json()["image_id"]  # type: ignore[no-any-return]


def apply(client: TestClient, **form: Any) -> Any:
    files = form.pop("files", None)
    return client.post("/api/kernels/apply", data=form, files=files)


def errors(response: Any, status: int) -> list[dict[str, Any]]:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert detail
    assert all({"loc", "msg", "type"} <= set(d) for d in detail)
    return detail  # type: ignore[no-any-return]


def refused(client: TestClient, image_id: str, steps: Any, status: int = 422,
            **pipeline: Any) -> str:
    """Apply a raw JSON spec text (so NaN tokens survive); the joined messages."""
    spec = steps if isinstance(steps, str) else json.dumps({"steps": steps, **pipeline})
    detail = errors(apply(client, image_id=image_id, spec=spec), status)
    return " | ".join(d["msg"] for d in detail)


def test_unknown_kernel_lists_valid_names(client: TestClient, image_id: str) -> None:
    for response in (apply(client, image_id=image_id, kernel="blurry"),
                     apply(client, image_id=image_id, spec='{"steps": [{"kernel": "blurry"}]}')):
        msg = errors(response, 422)[0]["msg"]
        assert "unknown kernel 'blurry'" in msg
        assert "valid names:" in msg
        assert all(name in msg for name in KERNELS)


@pytest.mark.parametrize(("steps", "words"), [
    ([{"matrix": [[1] * 16] * 16}], ["steps.0.matrix", "16x16", "largest kernel is 15x15"]),
    ([{"matrix": [[[1] * 16]] * 3}], ["matrix slice 0 is 1x16", "15x15"]),
    ([{"matrix": []}], ["steps.0.matrix", "empty", "[[1]]"]),
    ([{"matrix": [[]]}], ["empty", "[[1]]"]),
    ([{"matrix": [[1, 2], [3]]}], ["ragged", "row 1 has 1", "same number of values"]),
    ([{"kernel": "box_blur_3", "stride": 0}], ["steps.0.stride", "greater than or equal to 1",
                                               "(got 0)"]),
    ([{"kernel": "box_blur_3", "padding_amount": 5}], ["padding_amount 5", "3x3",
                                                       "at most 2", "'same'"]),
    ([{"matrix": [[1]], "scale": "1/0"}], ["scale '1/0'", "not a number or a fraction",
                                           '"1/9"']),
    ([{"matrix": [[1]], "scale": "a lot"}], ["scale 'a lot'", '"1/9"']),
    ([{"matrix": [[1]], "scale": 0}], ["scale 0", "non-zero factor"]),
    ([{"matrix": [[1e308]]}], ["1e+308 after scaling", "32-bit floats", "scale the kernel"]),
    ([{"matrix": [[1, -1]], "normalize": True}], ["sums to 0", "turn normalize off"]),
    ([{"kernel": "sobel_x", "normalize": True}], ["sums to 0", "turn normalize off"]),
    ([{"kernel": "sobel_magnitude", "normalize": True}], ["turn normalize off"]),
    ([{"matrix": [[[1]], [[1]], [[1]]]}], ["C x kh x kw", "channels='sum'"]),
    ([{"kernel": "median", "stride": 2}], ["Median is not a convolution", "has no stride",
                                           "set stride to 1"]),
    ([{"kernel": "box_blur_3", "padding": "sideways"}], ["steps.0.padding", "'zero'",
                                                         "'circular'", "'sideways'"]),
    ([{"kernel": "box_blur_3", "colour": 1}], ["steps.0.colour", "not a known field"]),
    ([{"kernel": "box_blur_3", "matrix": [[1]]}], ["exactly one of 'kernel'"]),
    ([{"kernel": "identity"}] * 9, ["steps", "at most 8"]),
    ([], ["steps", "at least 1"]),
])
def test_spec_refusals(client: TestClient, image_id: str, steps: list[Any],
                       words: list[str]) -> None:
    msg = refused(client, image_id, steps)
    for word in words:
        assert word in msg, (word, msg)


def test_sum_mode_needs_a_convolution_first(client: TestClient, image_id: str) -> None:
    msg = refused(client, image_id, [{"kernel": "max"}], channels="sum")
    assert "channels='sum'" in msg
    assert "Maximum (dilate) is not a convolution" in msg


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_matrix_values(client: TestClient, image_id: str, token: str) -> None:
    spec = f'{{"steps": [{{"matrix": [[1, {token}], [0, 1]]}}]}}'
    detail = errors(apply(client, image_id=image_id, spec=spec), 422)
    assert any(d["loc"][:4] == ["spec", "steps", 0, "matrix"] and "finite number" in d["msg"]
               for d in detail), detail
    spec = f'{{"steps": [{{"matrix": [[1]], "scale": {token}}}]}}'
    assert "finite number" in refused(client, image_id, spec)


def test_several_problems_are_reported_together(client: TestClient, image_id: str) -> None:
    detail = errors(apply(client, image_id=image_id, spec=json.dumps({"steps": [
        {"kernel": "median", "stride": 2}, {"matrix": [[1, -1]], "normalize": True}]})), 422)
    assert [d["loc"] for d in detail] == [["steps", 0, "stride"], ["steps", 1, "normalize"]]


def test_output_over_the_pixel_limit(make_client: Callable[..., TestClient]) -> None:
    small = make_client(max_image_pixels=2000)
    image = small.post("/api/images", files={"file": ("p.png", png(noise(40, 45, 3)), "x")})
    image_id = image.json()["image_id"]
    ok = apply(small, image_id=image_id, spec='{"steps": [{"kernel": "box_blur_5"}]}')
    assert ok.status_code == 200
    spec = json.dumps({"steps": [{"kernel": "box_blur_5", "padding_amount": 4}]})
    detail = errors(apply(small, image_id=image_id, spec=spec), 413)
    assert detail[0]["loc"] == ["steps", 0]
    assert "49x44" in detail[0]["msg"]
    assert "larger stride" in detail[0]["msg"]


@pytest.mark.parametrize(("form", "status", "field", "words"), [
    ({"kernel": "identity", "spec": '{"steps": [{"kernel": "identity"}]}'}, 422, "spec",
     ["exactly one of 'spec'"]),
    ({}, 422, "spec", ["exactly one of 'spec'"]),
    ({"kernel": "identity", "sample": "camera", "image_id": "x"}, 422, "file",
     ["exactly one image source"]),
    ({"kernel": "identity", "image_id": "gone"}, 404, "image_id",
     ["'gone'", "upload it again"]),
    ({"kernel": "identity", "sample": "nope"}, 404, "sample", ["'nope'", "camera"]),
    ({"spec": "{not json", "sample": "camera"}, 422, "spec", ["JSON"]),
    ({"kernel": "identity", "sample": "camera", "format": "gif"}, 422, "format",
     ["'png'", "'json'"]),
])
def test_apply_refusals(client: TestClient, form: dict[str, str], status: int, field: str,
                        words: list[str]) -> None:
    form = {"sample": "camera", **form} if "image_id" not in form and "sample" not in form \
        else form
    detail = errors(apply(client, **form), status)
    assert field in detail[0]["loc"]
    msg = " ".join(d["msg"] for d in detail)
    for word in words:
        assert word in msg


def test_apply_upload_refusals(make_client: Callable[..., TestClient]) -> None:
    small = make_client(max_upload_bytes=64 * 1024)
    text = apply(small, kernel="identity", files={"file": ("a.txt", b"hello", "text/plain")})
    assert FORMATS_TEXT in errors(text, 415)[0]["msg"]
    big = apply(small, kernel="identity",
                files={"file": ("a.png", png(noise(300, 300, 3)), "image/png")})
    assert "the upload limit is 64.0 KB" in errors(big, 413)[0]["msg"]


def explain(client: TestClient, body: dict[str, Any]) -> Any:
    return client.post("/api/kernels/explain", json=body)


@pytest.mark.parametrize(("x", "y", "field", "words"), [
    (41, 0, "x", ["(41, 0) is outside the 41x37 result", "x < 41"]),
    (0, 37, "y", ["y < 37"]),
])
def test_explain_outside_the_image(client: TestClient, image_id: str, x: int, y: int,
                                   field: str, words: list[str]) -> None:
    body = {"source": {"image_id": image_id}, "spec": {"steps": [{"kernel": "sobel_x"}]},
            "x": x, "y": y}
    detail = errors(explain(client, body), 422)
    assert detail[0]["loc"] == [field]
    for word in words:
        assert word in detail[0]["msg"]


@pytest.mark.parametrize(("source", "status", "words"), [
    ({"image_id": "missing"}, 404, ["'missing'", "POST /api/images"]),
    ({"sample": "nope"}, 404, ["no sample named 'nope'", "coins"]),
    ({"sample": "camera", "image_id": "x"}, 422, ["exactly one of 'image_id'"]),
    ({}, 422, ["exactly one of 'image_id'"]),
])
def test_explain_source_refusals(client: TestClient, source: dict[str, str], status: int,
                                 words: list[str]) -> None:
    body = {"source": source, "spec": {"steps": [{"kernel": "identity"}]}, "x": 0, "y": 0}
    msg = " ".join(d["msg"] for d in errors(explain(client, body), status))
    for word in words:
        assert word in msg


def test_explain_raw_nan_body(client: TestClient) -> None:
    raw = ('{"source": {"sample": "camera"}, "spec": {"steps": [{"matrix": [[NaN]]}]}, '
           '"x": 0, "y": 0}')
    response = client.post("/api/kernels/explain", content=raw,
                           headers={"content-type": "application/json"})
    assert any("finite number" in d["msg"] for d in errors(response, 422))


HOSTILE: list[Any] = [None, True, -1, 0, 2**70, -(2**63), 1e308, -1e308, 1e-320, 0.5, "",
                      "1/0", "NaN", "x" * 5000, [], [[]], [[[]]], {}, [None], [[1, "a"]],
                      [[1] * 70] * 70, [[[[[[1]]]]]], {"$ref": "#"}, "\u0000\ud7ff"]
MATRIX_KEYS = ["op", "input", "kernels", "bias", "stride", "padding", "size", "activation",
               "explain"]


def hostile(rng: random.Random, depth: int = 0) -> Any:
    if depth < 3 and rng.random() < 0.3:
        return [hostile(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if rng.random() < 0.5:
        return rng.choice(HOSTILE)
    return rng.choice([rng.randint(-5, 70), rng.uniform(-1e12, 1e12), "same", "valid", "relu"])


def test_fuzz_matrix_never_500(lenient_client: TestClient) -> None:
    rng = random.Random(1234)
    base = {"op": "cross_correlation", "input": [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
            "kernels": [[1, 0], [0, 1]], "explain": {"row": 0, "col": 0}}
    statuses = []
    for i in range(60):
        body = dict(base)
        body["op"] = rng.choice(["convolution", "cross_correlation", "max_pool", "avg_pool"])
        for key in rng.sample(MATRIX_KEYS, rng.randint(1, 3)):
            body[key] = hostile(rng)
        if i % 10 == 0:
            body = hostile(rng)
        response = lenient_client.post("/api/matrix", json=body)
        assert response.status_code < 500, (body, response.text[:500])
        statuses.append(response.status_code)
    assert 200 in statuses
    assert 422 in statuses


def test_fuzz_explain_never_500(lenient_client: TestClient) -> None:
    rng = random.Random(99)
    for _ in range(40):
        step = {"kernel": rng.choice([*KERNELS, "nope"]), "stride": hostile(rng),
                "padding": rng.choice(["zero", "reflect", "circular", "none", hostile(rng)]),
                "dilation": rng.choice([1, 2, hostile(rng)]), "params": rng.choice([{}, {
                    "size": hostile(rng)}, hostile(rng)])}
        if rng.random() < 0.4:
            step = {"matrix": hostile(rng), "scale": hostile(rng), "normalize": True}
        body = {"source": rng.choice([{"sample": "coins"}, {"image_id": hostile(rng)},
                                      hostile(rng)]),
                "spec": {"steps": [step], "channels": rng.choice(["sum", "grayscale", 7])},
                "x": hostile(rng), "y": rng.choice([0, 3, hostile(rng)])}
        response = lenient_client.post("/api/kernels/explain", json=body)
        assert response.status_code < 500, (body, response.text[:500])


def test_fuzz_apply_garbage_never_500(lenient_client: TestClient) -> None:
    rng = random.Random(7)
    for i in range(30):
        garbage = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300)))
        if i % 3 == 0:
            response = lenient_client.post("/api/kernels/apply", content=garbage, headers={
                "content-type": rng.choice(["multipart/form-data; boundary=zz",
                                            "application/x-www-form-urlencoded",
                                            "application/json", "image/png"])})
        else:
            prefix = rng.choice([b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"BM",
                                 b"II*\x00"])
            response = lenient_client.post(
                "/api/kernels/apply", files={"file": ("g.bin", prefix + garbage, "image/png")},
                data={"kernel": rng.choice(["identity", "median", "?"]),
                      "spec": garbage.decode("latin-1")} if i % 3 == 2
                else {"kernel": "identity"})
        assert response.status_code < 500, (i, response.text[:500])
