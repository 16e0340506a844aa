"""The numeric (textbook) mode request: small grids of numbers in, numbers out."""

from __future__ import annotations

from typing import Annotated, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator

Number = Annotated[int, Field(ge=-(10**9), le=10**9)] | Annotated[
    float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]
Grid = list[list[Number]]
MAX_SIDE = 64
MAX_CHANNELS = 8
MAX_KERNELS = 8
MAX_KERNEL_SIDE = 15


def _rect(grid: list[list[Number]], what: str) -> tuple[int, int]:
    if not grid or not grid[0]:
        raise ValueError(f"{what} is empty; give at least [[1]]")
    width = len(grid[0])
    for i, row in enumerate(grid):
        if len(row) != width:
            raise ValueError(f"{what} is ragged: row 0 has {width} values, row {i} has {len(row)}")
    return len(grid), width


class ExplainAt(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: int = Field(default=0, ge=0, description="Output channel (filter index).")
    row: int = Field(ge=0)
    col: int = Field(ge=0)


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
    size: Annotated[int, Field(ge=1, le=MAX_KERNEL_SIDE)] = 2
    activation: Literal["relu"] | None = None
    explain: ExplainAt | None = None

    @field_validator("input")
    @classmethod
    def _input(cls, value: list[Grid] | Grid) -> list[Grid] | Grid:
        channels = cast(list[Grid], value) if _is_3d(value) else [cast(Grid, value)]
        if len(channels) > MAX_CHANNELS:
            raise ValueError(f"input has {len(channels)} channels; at most {MAX_CHANNELS}")
        shapes = {_rect(g, f"input channel {c}") for c, g in enumerate(channels)}
        if len(shapes) > 1:
            raise ValueError(f"input channels have different sizes: {sorted(shapes)}")
        h, w = shapes.pop()
        if h > MAX_SIDE or w > MAX_SIDE:
            raise ValueError(f"input is {h}x{w}; numeric mode takes at most {MAX_SIDE}x{MAX_SIDE}")
        return value


def _is_3d(value: object) -> bool:
    return isinstance(value, list) and bool(value) and isinstance(value[0], list) and bool(
        value[0]) and isinstance(value[0][0], list)
