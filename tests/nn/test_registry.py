"""Every registry record: inferred shapes, parameter counts and MACs equal what torch builds."""

from __future__ import annotations

import random
from typing import Any

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from server.nn.analysis import analyze
from server.nn.build import build_model
from server.nn.registry import REGISTRY
from server.nn.spec import NetworkSpec

ACTIVATIONS = [None, "relu", "leaky_relu", "prelu", "elu", "relu6", "sigmoid", "tanh", "gelu"]


def _pair(rng: random.Random, lo: int, hi: int) -> int | list[int]:
    return rng.randint(lo, hi) if rng.random() < 0.6 else [rng.randint(lo, hi), rng.randint(lo, hi)]


def random_layer(kind: str, rng: random.Random) -> dict[str, Any]:
    """A random spec of one type (it may not fit its input: callers keep the valid ones)."""
    if kind == "conv2d":
        return {"type": kind, "filters": rng.randint(1, 12), "kernel_size": _pair(rng, 1, 5),
                "stride": _pair(rng, 1, 3), "dilation": rng.randint(1, 2),
                "padding": rng.choice(["same", "valid", 0, 1, 2]),
                "use_bias": rng.random() < 0.7, "activation": rng.choice(ACTIVATIONS)}
    if kind in ("max_pool2d", "avg_pool2d"):
        size = _pair(rng, 1, 4)
        smallest = size if isinstance(size, int) else min(size)
        return {"type": kind, "pool_size": size,
                "stride": rng.choice([None, _pair(rng, 1, 3)]),
                "padding": rng.randint(0, smallest // 2)}
    if kind == "dense":
        return {"type": kind, "units": rng.randint(1, 40), "use_bias": rng.random() < 0.7,
                "activation": rng.choice(ACTIVATIONS)}
    if kind == "dropout":
        return {"type": kind, "rate": round(rng.random() * 0.9, 2)}
    if kind in ("leaky_relu", "elu"):
        return {"type": kind, "alpha": round(rng.uniform(0.01, 1.0), 3)}
    if kind == "residual_block":
        bottleneck = rng.random() < 0.5
        filters = 4 * rng.randint(1, 6) if bottleneck else rng.randint(1, 20)
        return {"type": kind, "filters": filters, "stride": rng.randint(1, 3),
                "bottleneck": bottleneck}
    if kind == "inception_block":
        widths = ("b1x1", "b3x3_reduce", "b3x3", "b5x5_reduce", "b5x5", "pool_proj")
        return {"type": kind, **{k: rng.randint(1, 9) for k in widths}}
    if kind == "detection_head":
        boxes = rng.randint(1, 3)
        return {"type": kind, "boxes": boxes, "classes": rng.randint(1, 12),
                "anchors": [[round(rng.uniform(0.2, 3), 2), round(rng.uniform(0.2, 3), 2)]
                            for _ in range(boxes)]}
    return {"type": kind}


VECTOR_ONLY = {"dense", "softmax"}


def random_spec(kind: str, rng: random.Random) -> dict[str, Any]:
    """A network whose one interesting layer is `kind`, on an image or a vector input."""
    channels, height, width = rng.randint(1, 4), rng.randint(5, 19), rng.randint(5, 19)
    if kind == "detection_head":  # a square feature map: the grid
        width = height
    layers = [random_layer(kind, rng)]
    vector_input = kind in VECTOR_ONLY or (
        kind in ("batch_norm", "dropout", "relu", "prelu", "flatten") and rng.random() < 0.4)
    if vector_input:
        layers.insert(0, {"type": "flatten"})
    return {"input": {"channels": channels, "height": height, "width": width}, "layers": layers}


def torch_counts(model: torch.nn.Module) -> tuple[int, int]:
    """(total, trainable) the way Keras counts: BN moving statistics are non-trainable weights."""
    trainable = sum(p.numel() for p in model.parameters())
    buffers = sum(b.numel() for name, b in model.named_buffers()
                  if not name.endswith("num_batches_tracked"))
    return trainable + buffers, trainable


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_inferred_shape_params_and_macs_match_torch(kind: str) -> None:
    rng = random.Random(f"registry-{kind}")
    checked = 0
    for _ in range(200):
        spec = NetworkSpec.model_validate(random_spec(kind, rng))
        analysis = analyze(spec)
        if analysis.errors:
            continue
        model = build_model(spec).eval()
        x = torch.randn(2, spec.input.channels, spec.input.height, spec.input.width)
        outputs: list[torch.Size] = []

        def record(_m: torch.nn.Module, _i: Any, out: torch.Tensor,
                   seen: list[torch.Size] = outputs) -> None:
            seen.append(out.shape[1:])

        hooks = [layer.register_forward_hook(record) for layer in model.layers]
        with FlopCounterMode(display=False) as flops, torch.no_grad():
            model(x)
        for hook in hooks:
            hook.remove()
        assert [list(s) for s in outputs] == [r["output_shape"] for r in analysis.rows], spec
        total, trainable = torch_counts(model)
        totals = analysis.totals()
        assert (totals["total_params"], totals["trainable_params"]) == (total, trainable), spec
        # torch counts a multiply-accumulate as 2 FLOPs (convolutions and linear layers).
        assert totals["macs_per_sample"] * 2 * x.shape[0] == flops.get_total_flops(), spec
        checked += 1
        if checked == 6:
            break
    assert checked >= 3, f"too few valid random specs for {kind}"


def test_layers_can_be_hooked_by_index() -> None:
    spec = NetworkSpec.model_validate({"input": {"channels": 1, "height": 8, "width": 8},
                                       "layers": [{"type": "conv2d", "filters": 3},
                                                  {"type": "flatten"},
                                                  {"type": "dense", "units": 4}]})
    model = build_model(spec)
    seen: dict[int, tuple[int, ...]] = {}
    for i, layer in enumerate(model.layers):
        layer.register_forward_hook(lambda m, inp, out, i=i: seen.__setitem__(i, tuple(out.shape)))
    model(torch.zeros(5, 1, 8, 8))
    assert seen == {0: (5, 3, 6, 6), 1: (5, 108), 2: (5, 4)}
