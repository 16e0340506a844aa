"""Engine conventions checked against SciPy, torch and worked examples: padding, flips,
output mappings, scale/normalize, channel handling, pipelines and the engine's refusals."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812  - the conventional name
from pictures import noise
from reference import reference_kernels, scipy_correlate, to_u8, torch_filter

from server.errors import InvalidInput, TooLarge
from server.kernels.library import KERNELS, gaussian_matrix
from server.kernels.pipeline import FilterResult, prepare_input, run_pipeline
from server.kernels.spec import Pipeline

IMAGE = noise(37, 41, 3, seed=3)
LINEAR = sorted(n for n, k in KERNELS.items() if k.kind != "nonlinear")


def run(pixels: np.ndarray, pipeline: dict[str, Any], max_pixels: int = 10**8) -> FilterResult:
    spec = Pipeline.model_validate(pipeline)
    return run_pipeline(prepare_input(pixels, spec.channels), spec, max_pixels)


@pytest.mark.parametrize("padding", ["zero", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("mode", ["cross_correlation", "convolution"])
@pytest.mark.parametrize("name", LINEAR)
def test_stride_one_same_size_matches_scipy(name: str, mode: str, padding: str) -> None:
    kernels = reference_kernels(KERNELS[name])
    result = run(IMAGE, {"steps": [{"kernel": name, "mode": mode, "padding": padding}]})
    outs = [scipy_correlate(IMAGE, k, padding, convolve=mode == "convolution") for k in kernels]
    expected = outs[0] if len(outs) == 1 else np.hypot(outs[0], outs[1])
    atol = 2e-6 * 255 * sum(np.abs(k).sum() for k in kernels) + 1e-4
    np.testing.assert_allclose(result.values, expected, rtol=0, atol=atol)


@pytest.mark.filterwarnings(  # torch notes it copies the input for even kernels: not our concern
    "ignore:Using padding='same' with even kernel lengths:UserWarning")
@pytest.mark.parametrize("dilation", [1, 2])
@pytest.mark.parametrize("shape", [(2, 2), (4, 4), (2, 5), (3, 4)])
def test_same_padding_of_even_kernels_is_torchs(shape: tuple[int, int], dilation: int) -> None:
    kernel = np.arange(shape[0] * shape[1], dtype=np.float64).reshape(shape) - 3
    result = run(IMAGE, {"steps": [{"matrix": kernel.tolist(), "dilation": dilation}]})
    x = torch.from_numpy(IMAGE.transpose(2, 0, 1).astype(np.float64))[:, None]
    w = torch.from_numpy(kernel)[None, None]
    expected = F.conv2d(x, w, padding="same", dilation=dilation)[:, 0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(result.values, expected, rtol=0, atol=1e-2)


def test_sobel_x_is_positive_where_the_image_brightens_to_the_right() -> None:
    ramp = np.tile((np.arange(12) * 10).astype(np.uint8), (9, 1))[..., None]
    inner = (slice(1, -1), slice(1, -1), 0)
    corr = run(ramp, {"steps": [{"kernel": "sobel_x"}]}).values
    conv = run(ramp, {"steps": [{"kernel": "sobel_x", "mode": "convolution"}]}).values
    # (1 + 2 + 1) * (x+1 - (x-1)) * 10 = 80 on every interior pixel; the flip negates it.
    assert np.array_equal(corr[inner], np.full((7, 10), 80.0))
    assert np.array_equal(conv[inner], np.full((7, 10), -80.0))


@pytest.mark.parametrize("output", ["clip", "abs", "normalize", "offset"])
def test_output_mappings(output: str) -> None:
    result = run(IMAGE, {"steps": [{"kernel": "laplacian_4"}], "output": output})
    expected = to_u8(result.values.astype(np.float64), output)
    diff = np.abs(result.pixels.astype(int) - expected.astype(int))
    assert diff.max() <= 1
    assert (diff == 0).mean() > 0.99
    assert result.values.min() < 0 < result.values.max()  # the mapping had work to do
    if output == "normalize":
        assert (result.pixels.min(), result.pixels.max()) == (0, 255)


def test_normalize_of_a_flat_result_is_black_not_nan() -> None:
    flat = np.full((9, 9, 3), 77, np.uint8)
    result = run(flat, {"steps": [{"kernel": "identity"}], "output": "normalize"})
    assert not result.pixels.any()


def test_pipeline_composes_steps() -> None:
    result = run(IMAGE, {"steps": [{"kernel": "box_blur_3", "padding": "replicate"},
                                   {"kernel": "sobel_y", "stride": 2, "padding": "none"}]})
    first = torch_filter(IMAGE, np.full((3, 3), 1 / 9), padding="replicate")
    expected = torch_filter(first, reference_kernels(KERNELS["sobel_y"])[0],
                            padding="none", stride=2)
    assert result.values.shape == (18, 20, 3)  # (37 - 3)//2 + 1, (41 - 3)//2 + 1
    np.testing.assert_allclose(result.values, expected, rtol=0, atol=1e-2)


def test_library_matrices_are_the_textbook_ones() -> None:
    binomial = np.array([1, 4, 6, 4, 1.0])
    g5 = np.outer(binomial, binomial) / 256
    delta = np.zeros((5, 5))
    delta[2, 2] = 1
    np.testing.assert_allclose(KERNELS["gaussian_5"].array(), g5)
    np.testing.assert_allclose(KERNELS["unsharp_5"].array(), 2 * delta - g5)  # I + (I - blur)
    np.testing.assert_allclose(KERNELS["gaussian_3"].array(), np.outer([1, 2, 1], [1, 2, 1]) / 16)
    np.testing.assert_allclose(KERNELS["box_blur_5"].array(), np.full((5, 5), 1 / 25))
    np.testing.assert_allclose(KERNELS["motion_blur"].array(), np.eye(9) / 9)
    assert np.array_equal(KERNELS["sobel_y"].array(), KERNELS["sobel_x"].array().T)


@pytest.mark.parametrize(("size", "sigma"), [(1, 0.5), (3, 0.8), (7, 1.5), (15, 4.0)])
def test_gaussian_matrix_is_opencvs(size: int, sigma: float) -> None:
    g = cv2.getGaussianKernel(size, sigma, cv2.CV_64F)
    np.testing.assert_allclose(gaussian_matrix(size, sigma), g @ g.T, rtol=1e-12, atol=1e-15)
    params = {"size": size, "sigma": sigma}
    result = run(IMAGE, {"steps": [{"kernel": "gaussian", "params": params}]})
    np.testing.assert_allclose(result.values, torch_filter(IMAGE, g @ g.T), rtol=0, atol=1e-2)


@pytest.mark.parametrize(("step", "kernel"), [
    ({"matrix": [[1] * 3] * 3, "scale": "1/9"}, np.full((3, 3), 1 / 9)),
    ({"matrix": [[1, 2], [3, 4]], "normalize": True}, np.array([[1, 2], [3, 4]]) / 10),
    ({"matrix": [[1, 2], [3, 4]], "scale": 0.5}, np.array([[0.5, 1], [1.5, 2]])),
    ({"kernel": "box_blur_3", "scale": 2}, np.full((3, 3), 2 / 9)),
    ({"kernel": "gaussian_3", "scale": "3", "normalize": True},
     np.outer([1, 2, 1], [1, 2, 1]) / 16),
])
def test_scale_and_normalize(step: dict[str, Any], kernel: np.ndarray) -> None:
    result = run(IMAGE, {"steps": [step]})
    np.testing.assert_allclose(result.values, torch_filter(IMAGE, kernel), rtol=0, atol=1e-3)


def test_grayscale_is_itu_601_luma() -> None:
    gray = prepare_input(IMAGE, "grayscale")
    luma = IMAGE.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    assert gray.shape == (37, 41, 1)
    assert gray.dtype == np.float32
    assert np.abs(gray[..., 0] - luma).max() <= 1.0


def test_sum_mode_with_one_slice_per_channel_is_a_cnn_filter() -> None:
    slices = np.random.default_rng(5).integers(-3, 4, (3, 3, 3)).astype(np.float64)
    result = run(IMAGE, {"steps": [{"matrix": slices.tolist(), "stride": 2, "padding": "reflect"}],
                         "channels": "sum", "output": "normalize"})
    expected = torch_filter(IMAGE, slices, padding="reflect", stride=2, sum_channels=True)
    assert result.values.shape == (19, 21, 1)
    np.testing.assert_allclose(result.values, expected, rtol=0, atol=1e-2)


@pytest.mark.parametrize(("pipeline", "field", "words"), [
    ({"steps": [{"matrix": [[[1]], [[1]], [[1]]]}]}, "matrix", ["channels='sum'"]),
    ({"steps": [{"matrix": [[[1]], [[1]]]}], "channels": "sum"}, "matrix",
     ["2 channel slices", "3 channel(s)", "give 3 slices"]),
    ({"steps": [{"matrix": [[1, 1, 1]], "padding_amount": 3}]}, "padding_amount",
     ["padding_amount 3", "1x3 kernel", "at most 2"]),
    ({"steps": [{"matrix": [[1] * 9] * 9, "padding": "none"}]}, "matrix",
     ["9x9 kernel", "padded 5x5", "smaller kernel"]),
    ({"steps": [{"matrix": [[1] * 11] * 11, "padding": "reflect"}]}, "padding",
     ["reflect padding of 5", "5x5", "replicate"]),
])
def test_engine_refusals_name_the_field(pipeline: dict[str, Any], field: str,
                                        words: list[str]) -> None:
    small = IMAGE[:5, :5]
    with pytest.raises(InvalidInput) as info:
        run(small, pipeline)
    assert info.value.loc[-1] == field
    for word in words:
        assert word in info.value.msg


@pytest.mark.parametrize("padding", ["reflect", "circular", "replicate"])
def test_largest_padding_a_tiny_image_allows(padding: str) -> None:
    small = IMAGE[:5, :6]  # a 9x9 kernel pads 4 on each side: reflect's maximum for 5 rows
    kernel = np.arange(81, dtype=np.float64).reshape(9, 9) / 81
    result = run(small, {"steps": [{"matrix": kernel.tolist(), "padding": padding}]})
    expected = torch_filter(small, kernel, padding=padding)
    np.testing.assert_allclose(result.values, expected, rtol=0, atol=1e-2)


def test_output_over_the_pixel_limit_is_refused() -> None:
    pipeline = {"steps": [{"matrix": [[1] * 3] * 3, "padding_amount": 2}]}
    assert run(IMAGE, pipeline, max_pixels=41 * 43).values.shape == (39, 43, 3)
    with pytest.raises(TooLarge) as info:
        run(IMAGE, pipeline, max_pixels=39 * 43 - 1)
    assert info.value.status == 413
    assert "43x39" in info.value.msg
    assert "stride" in info.value.msg


@pytest.mark.parametrize(("steps", "loc"), [
    ([{"matrix": [[3e38, 3e38]]}], ["steps", 0]),
    ([{"kernel": "identity"}, {"matrix": [[1e30]]}, {"matrix": [[1e30]]}], ["steps", 2]),
    ([{"matrix": [[1e38, 1e38]]}, {"kernel": "median", "params": {"size": 7}}], ["steps", 0]),
])
def test_overflowing_results_are_refused_not_returned(steps: list[Any], loc: list[Any]) -> None:
    with pytest.raises(InvalidInput) as info:
        run(IMAGE, {"steps": steps})
    assert info.value.loc == loc
    assert "inf or NaN" in info.value.msg
    assert "scale the kernel down" in info.value.msg


@pytest.mark.parametrize(("step", "field"), [
    ({"matrix": [[1e308]]}, "matrix"), ({"matrix": [[1e35]], "scale": 1e6}, "matrix"),
])  # a scale beyond 1e6 is refused before this (tests/kernels/test_kernels_api.py)
def test_weights_beyond_float32_are_refused(step: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        run(IMAGE, {"steps": [step]})
    assert info.value.loc == ["steps", 0, field]
    assert "32-bit floats" in info.value.msg
    assert "scale the kernel down" in info.value.msg
