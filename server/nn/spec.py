"""The network spec: a public JSON format (docs/network-spec.md), Keras vocabulary."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from server.text.marks import translatable

Activation = Literal["relu", "leaky_relu", "prelu", "elu", "relu6", "sigmoid", "tanh", "gelu",
                     "softmax"]
Size = Annotated[int, Field(ge=1, le=64)]
Pair = Size | Annotated[list[Size], Field(min_length=2, max_length=2)]


class Layer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Conv2D(Layer):
    """2-D convolution (cross-correlation) with `filters` output channels."""

    type: Literal["conv2d"] = "conv2d"
    filters: int = Field(default=16, ge=1, le=4096, description=translatable("Output channels."))
    kernel_size: Pair = Field(
        default=3, description=translatable("Kernel height and width (int or [h, w])."))
    stride: Pair = Field(default=1, description=translatable("Step between windows."))
    padding: Annotated[int, Field(ge=0, le=64)] | Literal["same", "valid"] = Field(
        default="valid",
        description=translatable('"same" keeps the size (stride 1), "valid" = 0, or a number.'))
    dilation: Annotated[int, Field(ge=1, le=16)] = Field(
        default=1, description=translatable("Spacing between kernel taps."))
    use_bias: bool = True
    activation: Activation | None = Field(
        default=None, description=translatable("Applied after the layer."))


class _Pool(Layer):
    pool_size: Pair = Field(default=2, description=translatable("Window height and width."))
    stride: Pair | None = Field(default=None, description=translatable("Default: pool_size."))
    padding: Annotated[int, Field(ge=0, le=32)] = Field(
        default=0, description=translatable("At most half the window."))


class MaxPool2D(_Pool):
    """The maximum of each window."""

    type: Literal["max_pool2d"] = "max_pool2d"


class AvgPool2D(_Pool):
    """The mean of each window (zero padding counted)."""

    type: Literal["avg_pool2d"] = "avg_pool2d"


class GlobalAvgPool2D(Layer):
    """The mean of each channel: [C, H, W] -> [C]."""

    type: Literal["global_avg_pool2d"] = "global_avg_pool2d"


class BatchNorm(Layer):
    """Normalizes each channel over the batch; 2-D after conv, 1-D after dense."""

    type: Literal["batch_norm"] = "batch_norm"


class Dropout(Layer):
    """Zeroes a random fraction of values while training."""

    type: Literal["dropout"] = "dropout"
    rate: float = Field(default=0.5, ge=0.0, lt=1.0, allow_inf_nan=False)


class Flatten(Layer):
    """[C, H, W] -> [C*H*W]."""

    type: Literal["flatten"] = "flatten"


class Dense(Layer):
    """Fully connected: every input to every unit."""

    type: Literal["dense"] = "dense"
    units: int = Field(default=10, ge=1, le=65536)
    use_bias: bool = True
    activation: Activation | None = None


class ReLU(Layer):
    type: Literal["relu"] = "relu"


class LeakyReLU(Layer):
    type: Literal["leaky_relu"] = "leaky_relu"
    alpha: float = Field(default=0.01, ge=0.0, le=1.0, allow_inf_nan=False)


class PReLU(Layer):
    """Leaky ReLU with a learned slope per channel."""

    type: Literal["prelu"] = "prelu"


class ELU(Layer):
    type: Literal["elu"] = "elu"
    alpha: float = Field(default=1.0, gt=0.0, le=10.0, allow_inf_nan=False)


class ReLU6(Layer):
    type: Literal["relu6"] = "relu6"


class Sigmoid(Layer):
    type: Literal["sigmoid"] = "sigmoid"


class Tanh(Layer):
    type: Literal["tanh"] = "tanh"


class GELU(Layer):
    type: Literal["gelu"] = "gelu"


class Softmax(Layer):
    """Turns scores into probabilities; only as the last layer."""

    type: Literal["softmax"] = "softmax"


class ResidualBlock(Layer):
    """Two 3x3 convs (or 1x1-3x3-1x1 bottleneck) plus the input: y = relu(F(x) + shortcut(x))."""

    type: Literal["residual_block"] = "residual_block"
    filters: int = Field(default=64, ge=1, le=2048)
    stride: Annotated[int, Field(ge=1, le=4)] = 1
    bottleneck: bool = False


class InceptionBlock(Layer):
    """Four parallel branches concatenated: 1x1, 1x1->3x3, 1x1->5x5, 3x3 max pool->1x1."""

    type: Literal["inception_block"] = "inception_block"
    b1x1: int = Field(default=64, ge=1, le=1024)
    b3x3_reduce: int = Field(default=96, ge=1, le=1024)
    b3x3: int = Field(default=128, ge=1, le=1024)
    b5x5_reduce: int = Field(default=16, ge=1, le=1024)
    b5x5: int = Field(default=32, ge=1, le=1024)
    pool_proj: int = Field(default=32, ge=1, le=1024)


def anchor_pairs(value: object) -> object:
    """Anchors as JSON pairs [[w, h], ...], one flat pair [w, h], or text typed in the
    Builder ("0.7,1.4, 1.4,1.7" or "0.7x1.4 1.4x1.7"): all become [[w, h], ...]."""
    if isinstance(value, str):
        words = value.replace("x", " ").replace("\u00d7", " ").replace(",", " ").split()
        try:
            value = [float(w) for w in words]
        except ValueError:
            return value  # not numbers: pydantic names the field and the value
    if isinstance(value, list) and value and all(isinstance(v, int | float) for v in value):
        if len(value) % 2:
            return value  # an odd count cannot be w, h pairs: pydantic's error says so
        return [value[i:i + 2] for i in range(0, len(value), 2)]
    return value


AnchorSide = Annotated[float, Field(gt=0.0, le=64.0, allow_inf_nan=False)]
Anchors = Annotated[list[Annotated[list[AnchorSide], Field(min_length=2, max_length=2)]],
                    Field(min_length=1, max_length=9), BeforeValidator(anchor_pairs)]


class DetectionHead(Layer):
    """YOLO's output: per grid cell, B boxes of [P, x, y, w, h, c1..cC]."""

    type: Literal["detection_head"] = "detection_head"
    grid: Annotated[int, Field(ge=1, le=64)] | None = Field(
        default=None, description=translatable(
            "Cells per side, S: the feature map must be S x S. "
            "Blank: whatever the layer before gives."))
    boxes: int = Field(default=2, ge=1, le=9,
                       description=translatable("Boxes (anchors) per cell, B."))
    classes: int = Field(default=10, ge=1, le=100, description=translatable("Classes, C."))
    anchors: Anchors = Field(
        default_factory=lambda: [[0.7, 1.4], [1.4, 1.7]],
        description=translatable(
            "One width,height per box, in grid cells (e.g. 0.7,1.4, 1.4,1.7)."))


AnyLayer = Annotated[
    Conv2D | MaxPool2D | AvgPool2D | GlobalAvgPool2D | BatchNorm | Dropout | Flatten | Dense
    | ReLU | LeakyReLU | PReLU | ELU | ReLU6 | Sigmoid | Tanh | GELU | Softmax | ResidualBlock
    | InceptionBlock | DetectionHead,
    Field(discriminator="type"),
]


class InputShape(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channels: int = Field(ge=1, le=64)
    height: int = Field(ge=1, le=1024)
    width: int = Field(ge=1, le=1024)


class NetworkSpec(BaseModel):
    """A network: the input shape and the layers in order."""

    model_config = ConfigDict(extra="forbid")
    input: InputShape
    layers: list[AnyLayer] = Field(min_length=1, max_length=200)


def pair(value: int | list[int]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (value[0], value[1])
