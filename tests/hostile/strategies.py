"""Hypothesis strategies for what visitors send: network specs (server/nn/spec.py, the
presets' grammar), kernel pipelines (server/kernels/spec.py, the vocabulary) and websocket
frames for /ws/kernels, /ws/runs/{id} and /ws/rooms/{code} (server/api/ws_*.py).

Each mixes values the grammar accepts with values just outside it (a bound plus one, the
wrong type, a huge or tiny number, text that is not a number) and plain junk, so that the
server's checks are met at their edges, not only in the middle."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from server.kernels.library import KERNELS
from server.kernels.spec import MAX_KERNEL, MAX_STEPS

SAMPLES = ("coins", "camera", "chelsea", "coffee", "astronaut")
ACTIVATIONS = ("relu", "leaky_relu", "prelu", "elu", "relu6", "sigmoid", "tanh", "gelu",
               "softmax")
PRESETS = ("lenet-mnist", "lenet5", "tiny-vgg", "resnet-small", "googlenet-small")

# JSON of any shape, small: what a hostile client puts where a field belongs.
junk: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=3),
    max_leaves=6)


def edgy(valid: st.SearchStrategy[Any], weight: int = 15) -> st.SearchStrategy[Any]:
    """Mostly `valid`, one time in `weight` junk: a field's value as a careless or hostile
    client sends it. (one_of would not weigh: it drops repeated strategies.)"""
    return st.sampled_from([True] * (weight - 1) + [False]).flatmap(
        lambda fine: valid if fine else junk)


def sizes(low: int, high: int) -> st.SearchStrategy[Any]:
    """An int field's value: inside its bounds, just outside, far outside, or a pair."""
    outside = st.sampled_from([low - 1, high + 1, 0, -1, 10**9, 2**63])
    pair = st.lists(st.integers(low - 1, high + 1), min_size=1, max_size=3)
    return st.sampled_from([0] * 12 + [1, 2]).flatmap(
        lambda way: (st.integers(low, high), outside, pair)[way])


def _layer(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {
        "conv2d": {"filters": sizes(1, 64), "kernel_size": sizes(1, 7), "stride": sizes(1, 3),
                   "padding": edgy(st.sampled_from(["same", "valid", 0, 1, 2, 65])),
                   "dilation": sizes(1, 3), "activation": edgy(st.sampled_from(ACTIVATIONS))},
        "max_pool2d": {"pool_size": sizes(1, 4), "stride": sizes(1, 4), "padding": sizes(0, 2)},
        "avg_pool2d": {"pool_size": sizes(1, 4), "padding": sizes(0, 2)},
        "dense": {"units": sizes(1, 128), "activation": edgy(st.sampled_from(ACTIVATIONS))},
        "dropout": {"rate": edgy(st.floats(-0.5, 1.5))},
        "leaky_relu": {"alpha": edgy(st.floats(-1, 2))},
        "elu": {"alpha": edgy(st.floats(-1, 11))},
        "residual_block": {"filters": sizes(1, 32), "stride": sizes(1, 4),
                           "bottleneck": edgy(st.booleans())},
        "inception_block": {k: sizes(1, 16) for k in ("b1x1", "b3x3_reduce", "b3x3",
                                                      "b5x5_reduce", "b5x5", "pool_proj")},
    }.get(kind, {})
    return st.fixed_dictionaries({"type": edgy(st.just(kind), 40)},
                                 optional=fields)


LAYER_KINDS = ("conv2d", "max_pool2d", "avg_pool2d", "global_avg_pool2d", "batch_norm",
               "dropout", "flatten", "dense", "relu", "leaky_relu", "prelu", "elu", "relu6",
               "sigmoid", "tanh", "gelu", "softmax", "residual_block", "inception_block",
               "no_such_layer")
layers = st.sampled_from(LAYER_KINDS[:-1] * 5 + LAYER_KINDS[-1:]).flatmap(_layer)


@st.composite
def network_specs(draw: st.DrawFn) -> Any:
    """A network spec as the Builder posts it: mostly well-formed, often wrong somewhere."""
    kind = draw(st.sampled_from(range(30)))
    if kind < 3:
        return {"preset": draw(edgy(st.sampled_from(PRESETS), 5))}
    if kind == 3:
        return draw(junk)
    huge = [{"type": "conv2d", "filters": 4096, "kernel_size": 64}] * 3
    spec = {"input": draw(edgy(st.fixed_dictionaries({
        "channels": sizes(1, 3), "height": sizes(4, 64), "width": sizes(4, 64)}), 30)),
        "layers": draw(st.lists(layers, min_size=1, max_size=6) if kind > 4 else st.just(huge))}
    if draw(st.booleans()):  # most well-formed specs end the usual way
        spec["layers"] += [{"type": "flatten"}, {"type": "dense", "units": 10}]
    return spec


def one_in(chances: list[st.SearchStrategy[Any]], weights: list[int]) -> st.SearchStrategy[Any]:
    """One of the strategies, each as often as its weight says."""
    picks = [i for i, w in enumerate(weights) for _ in range(w)]
    return st.sampled_from(picks).flatmap(lambda i: chances[i])


def chance(times: int) -> st.SearchStrategy[bool]:
    """True one time in `times` (st.integers is biased towards its bounds)."""
    return st.sampled_from([False] * (times - 1) + [True])  # the first is drawn most


scales = one_in([
    st.floats(0.001, 100) | st.floats(-100, -0.001) | st.sampled_from(["1/9", "1/16", "-2"]),
    st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(10**7), 10**7),
    st.from_regex(r"-?\d{1,6}(\.\d{0,6})?([eE][+-]?\d{1,7})?(/\d{1,4}(e\d{1,5})?)?",
                  fullmatch=True),
    st.sampled_from(["1/9", "1e-3000000", "1e-99999999", "2/1e99999999", "1e400",
                     "9" * 64 + "e-9", "0", "1/0", "nan", "inf", "1/3/4", "", " 1 ", "\x00",
                     "٣"]),
    st.text(max_size=70)], [8, 1, 2, 3, 1])


def _matrix(draw: st.DrawFn) -> Any:
    rows = draw(st.integers(1, 5) | st.integers(1, MAX_KERNEL + 1))
    cols = draw(st.integers(1, 5) | st.integers(1, MAX_KERNEL + 1))
    grid = [[draw(st.floats(-1e6, 1e6) | st.integers(-9, 9)) for _ in range(cols)]
            for _ in range(rows)]
    if draw(chance(10)):
        grid[-1] = grid[-1][:-1]  # ragged (or empty)
    if draw(chance(10)):
        return [grid] * draw(st.integers(1, 5))  # channel slices, up to one too many
    return grid


@st.composite
def filter_steps(draw: st.DrawFn) -> Any:
    step: dict[str, Any] = {}
    if not draw(chance(4)):
        step["kernel"] = draw(edgy(st.sampled_from(sorted(KERNELS)), 8))
    else:
        step["matrix"] = _matrix(draw)
    if draw(chance(4)):
        step["params"] = draw(st.dictionaries(
            st.sampled_from(["size", "sigma", "sigma_color", "sigma_space", "other"]),
            st.sampled_from([1, 3, 5, 15, 16, 0.5, 2.0, 75.0]) | st.floats(-5, 40), max_size=3))
    optional = {"scale": scales, "normalize": edgy(st.booleans()),
                "mode": edgy(st.sampled_from(["cross_correlation", "convolution"])),
                "padding": edgy(st.sampled_from(["zero", "reflect", "replicate", "circular",
                                                 "none"])),
                "padding_amount": edgy(st.sampled_from(["same", 0, 1, 7, 64, 65])),
                "stride": sizes(1, 4), "dilation": sizes(1, 4)}
    for name, values in optional.items():
        if draw(chance(2 if name == "scale" else 4)):
            step[name] = draw(values)
    return step


@st.composite
def pipelines(draw: st.DrawFn) -> Any:
    """A Kernel Lab pipeline: 0 to MAX_STEPS + 1 steps, channel mode, output mapping."""
    count = draw(st.sampled_from([1, 1, 1, 2, 2, 3, 3, 4, 5, MAX_STEPS, MAX_STEPS + 1, 0]))
    spec: dict[str, Any] = {"steps": draw(st.lists(filter_steps(), min_size=count,
                                                   max_size=count))}
    if draw(st.booleans()):
        spec["channels"] = draw(edgy(st.sampled_from(["separate", "grayscale", "sum"])))
    if draw(st.booleans()):
        spec["output"] = draw(edgy(st.sampled_from(["clip", "abs", "normalize", "offset"])))
    return draw(junk) if draw(chance(30)) else spec


sources = edgy(st.fixed_dictionaries({"sample": st.sampled_from(SAMPLES)}), 8)
preview_sides = edgy(st.none() | st.integers(16, 256) | st.sampled_from([15, 8193, 0]))

# Websocket frames. Valid-ish messages of each socket's protocol, and garbage.
apply_messages = st.fixed_dictionaries(
    {"type": edgy(st.just("apply"), 8), "id": edgy(st.integers(0, 2**32))},
    optional={"source": sources, "spec": pipelines(), "preview_max_side": preview_sides})
run_messages = st.one_of(
    st.fixed_dictionaries({"type": st.just("subscribe")}, optional={
        "max_fps": edgy(st.floats(-1, 40) | st.integers(-1, 40)),
        "layers": edgy(st.none() | st.lists(st.integers(-3, 10) | junk, max_size=5))}),
    st.fixed_dictionaries({"type": st.just("probe")}, optional={
        "index": edgy(st.integers(-5, 10**6)), "image_id": junk}),
    st.fixed_dictionaries({"type": edgy(st.sampled_from(["ping", "pong", "apply", ""]))}))
room_messages = st.fixed_dictionaries({"type": edgy(st.sampled_from(["ping", "room", "kick"]))},
                                      optional={"code": junk})
garbage_frames = st.one_of(
    st.binary(max_size=64),
    st.text(max_size=64),
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 3000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.integers(20, 400).map(lambda n: '{"type": "ping", "id": ' + "7" * n + "}"),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", '{"type": "ping", "x": 1e999}',
                     '"\\ud800"', "{", "", "null", "[]", '{"type": null}']),
    junk.map(json.dumps))


def frames(messages: st.SearchStrategy[Any]) -> st.SearchStrategy[str | bytes]:
    """What a client sends on one socket: its messages as JSON text, or garbage."""
    return st.one_of(messages.map(json.dumps), messages.map(json.dumps), garbage_frames)
