"""Registry records for layers that keep or flatten the shape: dense, normalization,
regularization, reshape and the activations."""

from __future__ import annotations

import math

from server.nn import spec as s
from server.nn.record import Inferred, LayerType
from server.nn.shapes import Formula, Shape, need_vector
from server.text.marks import translatable

ACTIVATION_SOURCE: dict[str, str] = {
    "relu": "nn.ReLU()", "relu6": "nn.ReLU6()", "sigmoid": "nn.Sigmoid()", "tanh": "nn.Tanh()",
    "gelu": "nn.GELU()", "softmax": "nn.Softmax(dim=1)",
}


def activation_source(name: str, shape: Shape, alpha: float | None = None) -> str:
    if name == "leaky_relu":
        return f"nn.LeakyReLU({alpha if alpha is not None else 0.01!r})"
    if name == "elu":
        return f"nn.ELU({alpha if alpha is not None else 1.0!r})"
    if name == "prelu":
        return f"nn.PReLU({shape[0]})"  # one slope per channel (or per unit of a vector)
    return ACTIVATION_SOURCE[name]


def activation_params(name: str | None, shape: Shape) -> int:
    return shape[0] if name == "prelu" else 0


def with_activation(expr: str, activation: str | None, shape: Shape) -> str:
    if activation is None:
        return expr
    return f"nn.Sequential({expr}, {activation_source(activation, shape)})"


def _dense(spec: s.Dense, shape: Shape) -> Inferred:
    n = need_vector(shape, "dense")
    params = (n + int(spec.use_bias)) * spec.units
    params += activation_params(spec.activation, (spec.units,))
    bias = " + bias" if spec.use_bias else ""
    return Inferred((spec.units,), params, params, n * spec.units,
                    Formula(f"{n} inputs x {spec.units} units{bias}",
                            "dense_units_bias" if spec.use_bias else "dense_units",
                            {"inputs": n, "units": spec.units}))


def _batch_norm(_: s.BatchNorm, shape: Shape) -> Inferred:
    c = shape[0]
    # As Keras reports it: gamma, beta trainable; moving mean and variance not.
    return Inferred(shape, 4 * c, 2 * c, 0,
                    Formula(f"{c} channels x (gamma, beta, mean, variance)", "batch_norm_params",
                            {"channels": c}))


def _batch_norm_source(_: s.BatchNorm, shape: Shape) -> str:
    return f"nn.BatchNorm2d({shape[0]})" if len(shape) == 3 else f"nn.BatchNorm1d({shape[0]})"


def _flatten(_: s.Flatten, shape: Shape) -> Inferred:
    n = math.prod(shape)
    return Inferred((n,), formula=Formula(" x ".join(map(str, shape)) + f" = {n}"))


def _activation(name: str) -> LayerType:
    classes: dict[str, type[s.Layer]] = {
        "relu": s.ReLU, "leaky_relu": s.LeakyReLU, "prelu": s.PReLU, "elu": s.ELU,
        "relu6": s.ReLU6, "sigmoid": s.Sigmoid, "tanh": s.Tanh, "gelu": s.GELU,
                  "softmax": s.Softmax}
    spec_class = classes[name]
    docs = {
        "relu": translatable("max(0, x): the default choice for hidden layers."),
        "leaky_relu": translatable(
            "x if x > 0 else alpha * x: keeps a small gradient for negative inputs."),
        "prelu": translatable("Leaky ReLU whose slope is learned, one per channel."),
        "elu": translatable("x if x > 0 else alpha * (exp(x) - 1): smooth for negative inputs."),
        "relu6": translatable("min(max(0, x), 6): ReLU capped at 6 (mobile networks)."),
        "sigmoid": translatable("1 / (1 + exp(-x)): squashes to 0..1."),
        "tanh": translatable("Squashes to -1..1, centred on zero."),
        "gelu": translatable("x * Phi(x): a smooth ReLU used by transformers."),
        "softmax": translatable(
            "exp(x_i) / sum(exp(x)): turns scores into probabilities; last layer only."),
    }[name]
    label = {"relu": "ReLU", "leaky_relu": "Leaky ReLU", "prelu": "PReLU", "elu": "ELU",
             "relu6": "ReLU6", "sigmoid": translatable("Sigmoid"), "tanh": "Tanh",
             "gelu": "GELU", "softmax": "Softmax"}[name]

    def infer(spec: s.Layer, shape: Shape) -> Inferred:
        if name == "softmax":
            need_vector(shape, "softmax")
        params = activation_params(name, shape)
        return Inferred(shape, params, params)

    def source(spec: s.Layer, shape: Shape) -> str:
        return activation_source(name, shape, getattr(spec, "alpha", None))

    return LayerType(name, spec_class, label, "activation", docs, infer, source)


RECORDS: list[LayerType] = [
    LayerType("dense", s.Dense, translatable("Dense (fully connected)"), "dense",
              translatable(
                  "Every input connects to every unit: units x (inputs + 1) parameters."),
              _dense,
              lambda spec, shape: with_activation(
                  f"nn.Linear({shape[0]}, {spec.units}, bias={spec.use_bias})", spec.activation,
                  (spec.units,))),
    LayerType("batch_norm", s.BatchNorm, translatable("Batch normalization"), "normalization",
              translatable(
                  "Normalizes each channel to zero mean and unit variance over the batch, then "
                  "scales and shifts (BatchNorm2d after conv layers, BatchNorm1d after dense)."),
              _batch_norm, _batch_norm_source),
    LayerType("dropout", s.Dropout, translatable("Dropout"), "regularization",
              translatable(
                  "While training, zeroes each value with probability `rate` (and scales the "
                  "rest); does nothing at inference."), lambda spec, shape: Inferred(shape),
              lambda spec, shape: f"nn.Dropout({spec.rate!r})"),
    LayerType("flatten", s.Flatten, translatable("Flatten"), "reshape",
              translatable(
                  "Unrolls a [C, H, W] volume into one vector, needed before dense layers."),
              _flatten,
              lambda spec, shape: "nn.Flatten()"),
    *[_activation(n) for n in ("relu", "leaky_relu", "prelu", "elu", "relu6", "sigmoid", "tanh",
                               "gelu", "softmax")],
]
