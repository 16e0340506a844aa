"""Every named kernel and even-size custom kernels against torch.conv2d, over a pairwise
covering of mode x padding x padding_amount x stride x dilation x channels."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from pictures import noise
from reference import assert_pixels_match, reference_kernels, torch_filter

from server.errors import PlaygroundError
from server.kernels.library import KERNELS
from server.kernels.pipeline import FilterResult, prepare_input, run_pipeline
from server.kernels.spec import Pipeline

FACTORS: dict[str, tuple[Any, ...]] = {
    "mode": ("cross_correlation", "convolution"),
    "padding": ("zero", "reflect", "replicate", "circular", "none"),
    "amount": ("same", "int"),
    "stride": (1, 2, 3),
    "dilation": (1, 2),
    "channels": ("separate", "grayscale", "sum"),
}


def all_pairs(factors: dict[str, tuple[Any, ...]]) -> list[dict[str, Any]]:
    """A deterministic greedy covering array: every pair of values of every two factors."""
    names = list(factors)
    wanted = {(a, va, b, vb) for a, b in itertools.combinations(names, 2)
              for va in factors[a] for vb in factors[b]}
    rows: list[dict[str, Any]] = []
    candidates = [dict(zip(names, values, strict=True))
                  for values in itertools.product(*factors.values())]
    pairs = list(itertools.combinations(names, 2))

    def covers(row: dict[str, Any]) -> set[tuple[Any, ...]]:
        return {(a, row[a], b, row[b]) for a, b in pairs}

    while wanted:
        best = max(candidates, key=lambda row: len(covers(row) & wanted))
        rows.append(best)
        wanted -= covers(best)
    return rows


COMBOS = all_pairs(FACTORS)
IMAGE = noise(37, 41, 3, seed=7)


def combo_id(combo: dict[str, Any]) -> str:
    return "-".join(str(v) for v in combo.values())


def run(pixels: np.ndarray, pipeline: dict[str, Any], keep: bool = False) -> FilterResult:
    spec = Pipeline.model_validate(pipeline)
    return run_pipeline(prepare_input(pixels, spec.channels), spec, 10**8, keep_inputs=keep)


def expected_linear(source: np.ndarray, kernels: list[np.ndarray], combo: dict[str, Any],
                    amount: str | int) -> np.ndarray:
    if combo["mode"] == "convolution":  # convolution = correlation with the flipped kernel
        kernels = [k[..., ::-1, ::-1] for k in kernels]
    outs = [torch_filter(source, k, padding=combo["padding"], amount=amount,
                         stride=combo["stride"], dilation=combo["dilation"],
                         sum_channels=combo["channels"] == "sum") for k in kernels]
    return outs[0] if len(outs) == 1 else np.sqrt(outs[0] ** 2 + outs[1] ** 2)


def int_amount(kernels: list[np.ndarray], dilation: int) -> int:
    side = max(max(k.shape[-2:]) for k in kernels)
    return min(2, (side - 1) * dilation)


def check_linear(kernels: list[np.ndarray], step: dict[str, Any], combo: dict[str, Any],
                 output: str) -> None:
    amount = "same" if combo["amount"] == "same" else int_amount(kernels, combo["dilation"])
    step = {**step, "mode": combo["mode"], "padding": combo["padding"], "padding_amount": amount,
            "stride": combo["stride"], "dilation": combo["dilation"]}
    result = run(IMAGE, {"steps": [step], "channels": combo["channels"], "output": output})
    source = prepare_input(IMAGE, combo["channels"])
    expected = expected_linear(source.astype(np.float64), kernels, combo, amount)
    assert result.values.shape == expected.shape
    magnitude = 255.0 * sum(np.abs(k).sum() for k in kernels) * source.shape[2]
    np.testing.assert_allclose(result.values, expected, rtol=0, atol=2e-6 * magnitude + 1e-4)
    assert_pixels_match(result.pixels, expected, output)


@pytest.mark.parametrize("combo", COMBOS, ids=combo_id)
@pytest.mark.parametrize("name", sorted(KERNELS))
def test_named_kernel_matches_torch(name: str, combo: dict[str, Any]) -> None:
    entry = KERNELS[name]
    if entry.kind != "nonlinear":
        check_linear(reference_kernels(entry), {"kernel": name}, combo, entry.suggested_output)
        return
    # Non-linear filters have no stride/dilation and cannot start a channel-summing pipeline.
    bad = [f for f in ("stride", "dilation") if combo[f] != 1]
    pipeline = {"steps": [{"kernel": name, "stride": combo["stride"],
                           "dilation": combo["dilation"], "padding": combo["padding"]}],
                "channels": combo["channels"]}
    if bad or combo["channels"] == "sum":
        with pytest.raises(PlaygroundError) as info:
            run(IMAGE, pipeline)
        assert info.value.status == 422
        if bad:  # the step is refused before the channel check; the first bad field is named
            assert f"has no {bad[0]}; set {bad[0]} to 1" in info.value.msg
            assert info.value.loc == ["steps", 0, bad[0]]
        else:
            assert "channels='sum'" in info.value.msg
            assert "'separate'" in info.value.msg
        return
    result = run(IMAGE, pipeline)
    assert result.values.shape == (37, 41, 1 if combo["channels"] == "grayscale" else 3)
    noted = any("ignores padding" in n for n in result.notes)
    assert noted == (combo["padding"] != "zero")


EVEN = {"2x2": [[1, -2], [3, 1]], "4x4": [[(i * 4 + j) % 5 - 2 for j in range(4)]
                                         for i in range(4)],
        "2x5": [[1, 0, -1, 2, 1], [-3, 1, 0, 1, 2]]}


@pytest.mark.parametrize("combo", COMBOS, ids=combo_id)
@pytest.mark.parametrize("shape", sorted(EVEN))
def test_even_custom_kernel_matches_torch(shape: str, combo: dict[str, Any]) -> None:
    matrix = EVEN[shape]
    kernel = np.array(matrix, np.float64) / 4
    check_linear([kernel], {"matrix": matrix, "scale": "1/4"}, combo, "offset")


def test_covering_array_really_covers_every_pair() -> None:
    for a, b in itertools.combinations(FACTORS, 2):
        seen = {(row[a], row[b]) for row in COMBOS}
        assert seen == set(itertools.product(FACTORS[a], FACTORS[b])), (a, b)
    assert len(COMBOS) < 30  # the point of a covering array: far fewer than the 360 products
