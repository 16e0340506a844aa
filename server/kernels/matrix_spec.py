"""The numeric (textbook) mode request: small grids of numbers in, numbers out; optionally
a gradient back (backpropagation by hand, docs/kernels.md "Backpropagation")."""

from __future__ import annotations

from typing import Annotated, Literal, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

Number = Annotated[int, Field(ge=-(10**9), le=10**9)] | Annotated[
    float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]
Grid = list[list[Number]]
MAX_SIDE = 64
MAX_CHANNELS = 8
MAX_KERNELS = 8
MAX_KERNEL_SIDE = 15
MAX_DILATION = 16
MAX_LR = 10
# The largest output a request can have: a 1x1 filter on a 64x64 input padded by 15.
MAX_OUT_SIDE = MAX_SIDE + 2 * MAX_KERNEL_SIDE
MAX_INDEX = 1000  # explain positions; the real bound (the shape) is checked with the numbers


# Each refusal has a stable type and its values as ctx (pages write it in their language);
# {field} is the request's field: input, output_grad or target.
def _rect(grid: list[list[Number]], field: str, channel: int) -> tuple[int, int]:
    if not grid or not grid[0]:
        raise PydanticCustomError("numeric_grid_empty",
                                  "{field} channel {channel} is empty; give at least [[1]]",
                                  {"field": field, "channel": channel})
    width = len(grid[0])
    for i, row in enumerate(grid):
        if len(row) != width:
            raise PydanticCustomError(
                "numeric_grid_ragged",
                "{field} channel {channel} is ragged: row 0 has {width} values, row {row} has "
                "{count}", {"field": field, "channel": channel, "width": width, "row": i,
                            "count": len(row)})
    return len(grid), width


def _stack(value: list[Grid] | Grid, field: str, maps: int, side: int) -> None:
    """A C x H x W stack of equal rectangles (or one H x W grid) within maps x side x side."""
    channels = cast(list[Grid], value) if _is_3d(value) else [cast(Grid, value)]
    if len(channels) > maps:
        raise PydanticCustomError("numeric_too_many_channels",
                                  "{field} has {channels} channels; at most {max}",
                                  {"field": field, "channels": len(channels), "max": maps})
    shapes = {_rect(g, field, c) for c, g in enumerate(channels)}
    if len(shapes) > 1:
        raise PydanticCustomError("numeric_channel_sizes_differ",
                                  "{field} channels have different sizes: {sizes}",
                                  {"field": field, "sizes": str(sorted(shapes))})
    h, w = shapes.pop()
    if h > side or w > side:
        raise PydanticCustomError(
            "numeric_grid_too_large", "{field} is {rows}x{cols}; numeric mode takes at most "
            "{max}x{max}", {"field": field, "rows": h, "cols": w, "max": side})


class ExplainAt(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: int = Field(default=0, ge=0, description="Output channel (filter index).")
    row: int = Field(ge=0)
    col: int = Field(ge=0)


class GradientAt(BaseModel):
    """Which gradient entry to spell out: grad_input[channel][row][col] (of "input"),
    grad_kernels[kernel][channel][row][col] (of "kernel") or grad_bias[kernel] (of "bias")."""

    model_config = ConfigDict(extra="forbid")
    of: Literal["input", "kernel", "bias"]
    kernel: int = Field(default=0, ge=0, le=MAX_KERNELS - 1,
                        description="Filter index (of kernel, bias).")
    channel: int = Field(default=0, ge=0, le=MAX_INDEX, description="Input channel.")
    row: int = Field(default=0, ge=0, le=MAX_INDEX)
    col: int = Field(default=0, ge=0, le=MAX_INDEX)

    @model_validator(mode="after")
    def _fields_that_apply(self) -> GradientAt:
        unused = {"input": {"kernel"}, "kernel": set(), "bias": {"channel", "row", "col"}}
        extra = sorted(unused[self.of] & self.model_fields_set)
        if extra:
            raise PydanticCustomError(
                "gradient_field_not_applicable",
                "{fields} does not apply to a gradient of '{of}'; remove it",
                {"fields": ", ".join(extra), "of": self.of})
        return self


class Backward(BaseModel):
    """The gradient sent back: dL/dY itself (`output_grad`, loss L = sum(output_grad * Y)),
    or a `target` (loss L = 1/2 sum((Y - target)^2), so dL/dY = Y - target)."""

    model_config = ConfigDict(extra="forbid")
    output_grad: list[Grid] | Grid | None = Field(
        default=None, description="dL/dY: K x H' x W' like the output (H' x W' when K = 1).")
    target: list[Grid] | Grid | None = Field(
        default=None, description="A wanted output, K x H' x W'; instead of output_grad.")
    lr: Annotated[int, Field(gt=0, le=MAX_LR)] | Annotated[
        float, Field(gt=0, le=MAX_LR, allow_inf_nan=False)] | None = Field(
        default=None, description="Learning rate of one SGD step (convolutions only).")
    explain: GradientAt | None = None

    @field_validator("output_grad", "target")
    @classmethod
    def _grid(cls, value: list[Grid] | Grid | None,
              info: ValidationInfo) -> list[Grid] | Grid | None:
        if value is not None:
            _stack(value, str(info.field_name), MAX_KERNELS, MAX_OUT_SIDE)
        return value

    @model_validator(mode="after")
    def _one_source(self) -> Backward:
        if (self.output_grad is None) == (self.target is None):
            raise PydanticCustomError(
                "output_grad_or_target",
                "give exactly one of output_grad (dL/dY) or target (for the loss 1/2 "
                "sum((Y - target)^2))")
        return self


class MatrixRequest(BaseModel):
    """Apply a convolution or pooling to small grids and (optionally) explain one output."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["convolution", "cross_correlation", "max_pool", "avg_pool"]
    input: list[Grid] | Grid = Field(description="C x H x W, or H x W for one channel.")
    kernels: list[list[Grid]] | list[Grid] | Grid | None = Field(
        default=None, description="K x C x kh x kw; kh x kw for one channel; conv ops only.")
    bias: list[Number] | None = None
    stride: Annotated[int, Field(ge=1, le=MAX_SIDE)] | None = Field(
        default=None, description="Default 1 for convolutions, the window size for pooling.")
    padding: Annotated[int, Field(ge=0, le=MAX_KERNEL_SIDE)] | Literal["same", "valid"] = 0
    dilation: int = Field(default=1, ge=1, le=MAX_DILATION,
                          description="Gap between kernel taps (conv ops; 1 = none).")
    size: Annotated[int, Field(ge=1, le=MAX_KERNEL_SIDE)] = 2
    activation: Literal["relu"] | None = None
    explain: ExplainAt | None = None
    backward: Backward | None = None

    @field_validator("input")
    @classmethod
    def _input(cls, value: list[Grid] | Grid) -> list[Grid] | Grid:
        _stack(value, "input", MAX_CHANNELS, MAX_SIDE)
        return value


def _is_3d(value: object) -> bool:
    return isinstance(value, list) and bool(value) and isinstance(value[0], list) and bool(
        value[0]) and isinstance(value[0][0], list)
