"""Median, minimum, maximum and bilateral filters against SciPy and a plain NumPy loop."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pictures import noise
from reference import bilateral_loop, scipy_rank, torch_filter

from server.errors import InvalidInput
from server.kernels.explain import explain_pixel
from server.kernels.pipeline import FilterResult, prepare_input, run_pipeline
from server.kernels.spec import Pipeline

IMAGE = noise(37, 41, 3, seed=11)


def run(pixels: np.ndarray, pipeline: dict[str, Any], keep: bool = False) -> FilterResult:
    spec = Pipeline.model_validate(pipeline)
    return run_pipeline(prepare_input(pixels, spec.channels), spec, 10**8, keep_inputs=keep)


@pytest.mark.parametrize("channels", ["separate", "grayscale"])
@pytest.mark.parametrize("size", [1, 3, 5, 7, 9, 15])
@pytest.mark.parametrize("op", ["median", "min", "max"])
def test_rank_filters_match_scipy(op: str, size: int, channels: str) -> None:
    result = run(IMAGE, {"steps": [{"kernel": op, "params": {"size": size}}],
                         "channels": channels})
    expected = scipy_rank(prepare_input(IMAGE, channels), op, size)
    assert np.array_equal(result.values, expected)  # integral inputs: exact


@pytest.mark.parametrize("first", ["gaussian_3", "sobel_x"])
def test_median_of_non_integral_values_is_within_the_documented_bound(first: str) -> None:
    # A large aperture on float data is quantized to 8 bits: error <= (hi - lo) / 510.
    result = run(IMAGE, {"steps": [{"kernel": first}, {"kernel": "median", "params": {"size": 7}}]})
    from reference import reference_kernels

    from server.kernels.library import KERNELS

    blurred = torch_filter(IMAGE, reference_kernels(KERNELS[first])[0])
    expected = scipy_rank(blurred, "median", 7)
    bound = (blurred.max() - blurred.min()) / 510 + 1e-3
    assert np.abs(result.values - expected).max() <= bound
    if first == "sobel_x":
        assert result.values.min() < 0  # negative responses survive the quantization


@pytest.mark.parametrize("channels", ["separate", "grayscale"])
@pytest.mark.parametrize("params", [{}, {"size": 5, "sigma_color": 30.0, "sigma_space": 3.0}])
def test_bilateral_matches_its_definition(params: dict[str, float], channels: str) -> None:
    small = IMAGE[:13, :15]
    result = run(small, {"steps": [{"kernel": "bilateral", "params": params}],
                         "channels": channels})
    full = {"size": 9, "sigma_color": 75.0, "sigma_space": 75.0, **params}
    expected = bilateral_loop(prepare_input(small, channels), int(full["size"]),
                              full["sigma_color"], full["sigma_space"])
    np.testing.assert_allclose(result.values, expected, rtol=0, atol=0.05)


def test_bilateral_preserves_a_step_edge_that_a_blur_smears() -> None:
    edge = np.zeros((16, 16, 1), np.uint8)
    edge[:, 8:] = 200
    bilateral = run(edge, {"steps": [{"kernel": "bilateral",
                                      "params": {"sigma_color": 20.0}}]}).values
    blur = run(edge, {"steps": [{"kernel": "box_blur_5"}]}).values
    assert np.abs(bilateral - edge).max() < 1.0
    assert np.abs(blur[:, 7] - 0).max() > 50


@pytest.mark.parametrize(("params", "field", "words"), [
    ({"size": 4}, "size", ["median size = 4", "odd whole number"]),
    ({"size": 17}, "size", ["median size = 17", "out of range", "1 to 15"]),
    ({"size": 3.5}, "size", ["odd whole number"]),
    ({"sigma": 2}, "sigma", ["no parameter 'sigma'", "its parameters: size"]),
])
def test_bad_params_are_refused(params: dict[str, float], field: str, words: list[str]) -> None:
    with pytest.raises(InvalidInput) as info:
        run(IMAGE, {"steps": [{"kernel": "median", "params": params}]})
    assert info.value.loc == ["steps", 0, "params", field]
    for word in words:
        assert word in info.value.msg


def test_fixed_kernels_take_no_params() -> None:
    with pytest.raises(InvalidInput) as info:
        run(IMAGE, {"steps": [{"kernel": "sobel_x", "params": {"size": 3}}]})
    assert info.value.loc == ["steps", 0, "params"]
    assert "Sobel X takes no params; remove them" in info.value.msg


@pytest.mark.parametrize("op", ["median", "min", "max", "bilateral"])
def test_explain_shows_the_replicated_window(op: str) -> None:
    result = run(IMAGE, {"steps": [{"kernel": op, "params": {"size": 3}}]}, keep=True)
    padded = np.pad(IMAGE.astype(np.float64), ((1, 1), (1, 1), (0, 0)), mode="edge")
    for x, y in [(0, 0), (40, 36), (17, 0), (5, 9)]:
        info = explain_pixel(result, x, y, "separate")
        assert info["rows"] == [min(max(r, 0), 36) for r in range(y - 1, y + 2)]
        assert info["cols"] == [min(max(c, 0), 40) for c in range(x - 1, x + 2)]
        for c, channel in enumerate(info["channels"]):
            window = np.array(channel["inputs"])
            assert np.array_equal(window, padded[y:y + 3, x:x + 3, c])
            if op != "bilateral":
                reduce = {"median": np.median, "min": np.min, "max": np.max}[op]
                assert info["value"][c] == reduce(window)
            else:
                assert window.min() <= info["value"][c] <= window.max()
        assert info["text"].startswith({"median": "median", "min": "minimum", "max": "maximum",
                                         "bilateral": "bilateral"}[op])
