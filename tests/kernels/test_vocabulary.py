"""GET /api/kernels/vocabulary: what the Kernel Lab offers is what the engine accepts.

Every advertised value passes the engine's own validation (the Pipeline spec, then
resolve_step and a real filter run); the first value past each limit, and a word that is
not advertised, is refused.
"""

from __future__ import annotations

from typing import Any, get_args

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from server.errors import PlaygroundError
from server.kernels.library import CATEGORIES, KERNELS
from server.kernels.matrix import run_matrix
from server.kernels.matrix_spec import MatrixRequest
from server.kernels.pipeline import run_pipeline
from server.kernels.resolve import resolve_step
from server.kernels.spec import (
    MAX_KERNEL,
    MAX_STEPS,
    ChannelMode,
    FilterStep,
    OutputMode,
    PaddingMode,
    Pipeline,
)
from server.kernels.vocabulary import field_bounds, literal_values, vocabulary

IMAGE = np.random.default_rng(3).uniform(0, 255, (24, 20, 3)).astype(np.float32)  # (H, W, C)


@pytest.fixture(scope="module")
def served(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/kernels/vocabulary")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def values(choices: list[dict[str, Any]]) -> list[str]:
    return [c["value"] for c in choices]


def run(steps: list[dict[str, Any]], **pipeline: Any) -> None:
    """Validate and run a pipeline as the engine does (raises what a request would get)."""
    spec = Pipeline.model_validate({"steps": steps, **pipeline})
    run_pipeline(IMAGE, spec, max_pixels=10**7)


def test_the_endpoint_serves_the_module(served: dict[str, Any]) -> None:
    assert served == vocabulary()


def test_choices_are_exactly_the_engines_literals(served: dict[str, Any]) -> None:
    assert set(values(served["padding_modes"])) == set(get_args(PaddingMode))
    assert set(values(served["channel_modes"])) == set(get_args(ChannelMode))
    assert set(values(served["output_mappings"])) == set(get_args(OutputMode))
    assert set(values(served["modes"])) == set(
        get_args(FilterStep.model_fields["mode"].annotation))
    assert set(values(served["numeric_operations"])) == set(
        get_args(MatrixRequest.model_fields["op"].annotation))
    assert values(served["padding_amounts"]) == ["same", "number"]
    for group in ("padding_modes", "channel_modes", "output_mappings", "modes",
                  "numeric_operations", "padding_amounts"):
        for choice in served[group]:
            assert choice["label"].strip(), f"{group} {choice['value']} has no words"


def test_limits_are_the_engines(served: dict[str, Any]) -> None:
    limits = served["limits"]
    assert limits["max_steps"] == MAX_STEPS
    assert limits["max_kernel"] == MAX_KERNEL
    assert limits["stride"] == {"min": 1, "max": 64}
    assert limits["dilation"] == {"min": 1, "max": 16}
    number = served["padding_amounts"][1]
    assert (number["min"], number["max"]) == (0, 64)
    assert limits["pool_size"] == {"min": 1, "max": 15}


def test_kernels_and_defaults_are_the_catalogues(served: dict[str, Any]) -> None:
    assert [k["name"] for k in served["kernels"]] == list(KERNELS)
    assert [c["id"] for c in served["categories"]] == list(CATEGORIES)
    for entry in served["kernels"]:
        assert {p: spec["default"] for p, spec in entry["params"].items()} == KERNELS[
            entry["name"]].params
    defaults = served["defaults"]
    assert FilterStep.model_validate({"kernel": "identity", **{
        k: defaults[k] for k in ("mode", "padding", "padding_amount", "stride", "dilation")}
    }) == FilterStep(kernel="identity")
    assert (defaults["channels"], defaults["output"]) == ("separate", "clip")


def test_every_advertised_choice_runs(served: dict[str, Any]) -> None:
    for mode in values(served["modes"]):
        for padding in values(served["padding_modes"]):
            run([{"kernel": "sobel_x", "mode": mode, "padding": padding}])
    for channels in values(served["channel_modes"]):
        for output in values(served["output_mappings"]):
            run([{"kernel": "sharpen"}], channels=channels, output=output)
    run([{"kernel": "identity"}] * served["limits"]["max_steps"])
    for op in values(served["numeric_operations"]):
        run_matrix(MatrixRequest.model_validate(
            {"op": op, "input": [[1, 2], [3, 4]], "kernels": None if "pool" in op else [[1]]}))


def test_every_advertised_bound_is_accepted_and_the_next_value_refused(
        served: dict[str, Any]) -> None:
    limits = served["limits"]
    for name in ("stride", "dilation"):
        FilterStep(kernel="identity", **{name: limits[name]["min"]})
        FilterStep(kernel="identity", **{name: limits[name]["max"]})
        for wrong in (limits[name]["min"] - 1, limits[name]["max"] + 1):
            with pytest.raises(ValidationError):
                FilterStep(kernel="identity", **{name: wrong})
    number = served["padding_amounts"][1]
    FilterStep(kernel="identity", padding_amount=number["max"])
    with pytest.raises(ValidationError):
        FilterStep(kernel="identity", padding_amount=number["max"] + 1)
    with pytest.raises(ValidationError):
        Pipeline(steps=[FilterStep(kernel="identity")] * (limits["max_steps"] + 1))
    pool = {"op": "max_pool", "input": [[0.0] * 15] * 15}
    for size in (limits["pool_size"]["min"], limits["pool_size"]["max"]):
        run_matrix(MatrixRequest.model_validate({**pool, "size": size}))
    with pytest.raises(ValidationError):
        MatrixRequest.model_validate({**pool, "size": limits["pool_size"]["max"] + 1})
    side = limits["max_kernel"]
    FilterStep(matrix=[[1.0] * side] * side)
    with pytest.raises(ValidationError):
        FilterStep(matrix=[[1.0] * (side + 1)] * (side + 1))


def test_parameter_ranges_are_the_resolvers(served: dict[str, Any]) -> None:
    for entry in served["kernels"]:
        for param, spec in entry["params"].items():
            for edge in (spec["min"], spec["max"]):
                value = edge if param != "size" else (edge if edge % 2 else edge - 1)
                resolve_step(FilterStep(kernel=entry["name"], params={param: value}), [])
            for wrong in (spec["min"] / 2 - 1, spec["max"] * 2 + 2):
                with pytest.raises(PlaygroundError):
                    resolve_step(FilterStep(kernel=entry["name"], params={param: wrong}), [])


@pytest.mark.parametrize(("field", "value"), [
    ("padding", "mirror"), ("mode", "correlation"), ("padding_amount", "valid")])
def test_a_word_not_advertised_is_refused(served: dict[str, Any], field: str, value: str) -> None:
    group = {"padding": "padding_modes", "mode": "modes", "padding_amount": "padding_amounts"}
    assert value not in values(served[group[field]])
    with pytest.raises(ValidationError):
        FilterStep(kernel="identity", **{field: value})


@pytest.mark.parametrize(("field", "value"), [("channels", "rgb"), ("output", "wrap")])
def test_a_pipeline_word_not_advertised_is_refused(
        served: dict[str, Any], field: str, value: str) -> None:
    group = {"channels": "channel_modes", "output": "output_mappings"}
    assert value not in values(served[group[field]])
    with pytest.raises(ValidationError):
        run([{"kernel": "identity"}], **{field: value})


def test_literal_and_bound_readers() -> None:
    assert literal_values(FilterStep.model_fields["padding_amount"].annotation) == ("same",)
    assert field_bounds(FilterStep, "padding_amount") == {"min": 0, "max": 64}
    assert field_bounds(FilterStep, "stride") == {"min": 1, "max": 64}
