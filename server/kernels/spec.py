"""Request specs for filtering: one step, a pipeline of steps, and the options."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Annotated, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from server.errors import short
from server.kernels.library import KERNELS

MAX_KERNEL = 15
MAX_STEPS = 8
Finite = Annotated[float, Field(allow_inf_nan=False)]
Matrix2D = list[list[Finite]]
Matrix3D = list[list[list[Finite]]]
PaddingMode = Literal["zero", "reflect", "replicate", "circular", "none"]
ChannelMode = Literal["separate", "grayscale", "sum"]
OutputMode = Literal["clip", "abs", "normalize", "offset"]


SCALE_MIN, SCALE_MAX = 1e-6, 1e6  # the library's scales run from 1/256 to 1
MAX_SCALE_TEXT = 64
_DECIMAL = re.compile(r"([+-]?)(\d{1,24}(?:\.\d{0,24})?|\.\d{1,24})(?:[eE]([+-]?\d{1,24}))?")
_MAX_EXPONENT = 400  # with at most 24+24 digits, anything beyond is far out of range


# Each refusal has a stable type and its values as ctx (pages write it in their language);
# the value the user sent goes last in ctx, so that pydantic never fills a placeholder inside it.
_SCALE_HINT = ': use a number between 1e-6 and 1e6 in size (negative too) or a fraction like "1/9"'
_SCALE_ERRORS = {
    "scale_not_a_number": "scale {value} is not a number or a fraction" + _SCALE_HINT,
    "scale_divides_by_zero": "scale {value} is not a number or a fraction (it divides by zero)"
                             + _SCALE_HINT,
    "scale_out_of_range": "scale {value} is out of range" + _SCALE_HINT,
    "scale_too_long": "scale {value} is longer than {max} characters" + _SCALE_HINT,
}


def _scale_error(value: object, kind: str) -> PydanticCustomError:
    extra = {"max": MAX_SCALE_TEXT} if kind == "scale_too_long" else {}
    return PydanticCustomError(kind, _SCALE_ERRORS[kind], {**extra, "value": short(value)})


def _decimal(text: str, value: object) -> Fraction:
    """One decimal number, its size checked before Fraction does any exact arithmetic (a
    text such as "1e-3000000" would build a million-digit integer)."""
    match = _DECIMAL.fullmatch(text.strip())
    if match is None:
        raise _scale_error(value, "scale_not_a_number")
    sign, digits, exponent = match.groups()
    number = Fraction(sign + digits)
    if number and exponent is not None and abs(int(exponent)) > _MAX_EXPONENT:
        raise _scale_error(value, "scale_out_of_range")
    return number * Fraction(10) ** int(exponent or 0)


def parse_scale(value: float | str) -> float:
    """A scale factor as a number or a fraction such as "1/9", bounded to SCALE_MIN..SCALE_MAX
    in size (or exactly 0, which is refused with its own reason)."""
    if isinstance(value, int | float):
        exact = Fraction(value) if math.isfinite(value) else None
    elif len(value) > MAX_SCALE_TEXT:
        raise _scale_error(value, "scale_too_long")
    else:
        parts = value.split("/")
        if len(parts) > 2:
            raise _scale_error(value, "scale_not_a_number")
        exact = _decimal(parts[0], value)
        if len(parts) == 2:
            denominator = _decimal(parts[1], value)
            if not denominator:
                raise _scale_error(value, "scale_divides_by_zero")
            exact /= denominator
    if exact == 0:
        raise PydanticCustomError(
            "scale_zero", "scale 0 makes every output 0; use a non-zero factor such as 1/9")
    if exact is None or not SCALE_MIN <= abs(exact) <= SCALE_MAX:
        raise _scale_error(value, "scale_out_of_range")
    return float(exact)


# A 2-D matrix's refusals, and the same for slice {slice} of a 3-D one.
_GRID_ERRORS = {
    "kernel_matrix_empty": "matrix is empty; give at least a 1x1 matrix such as [[1]]",
    "kernel_slice_empty": "matrix slice {slice} is empty; give at least a 1x1 matrix such as "
                          "[[1]]",
    "kernel_matrix_ragged": "matrix is ragged: row 0 has {width} values but row {row} has "
                            "{count}; every row needs the same number of values",
    "kernel_slice_ragged": "matrix slice {slice} is ragged: row 0 has {width} values but row "
                           "{row} has {count}; every row needs the same number of values",
    "kernel_matrix_too_large": "matrix is {rows}x{cols}; the largest kernel is {max}x{max}",
    "kernel_slice_too_large": "matrix slice {slice} is {rows}x{cols}; the largest kernel is "
                              "{max}x{max}",
}


def _grid_error(problem: str, at: int | None, **ctx: int) -> PydanticCustomError:
    if at is None:
        return PydanticCustomError(f"kernel_matrix_{problem}",
                                   _GRID_ERRORS[f"kernel_matrix_{problem}"], ctx)
    return PydanticCustomError(f"kernel_slice_{problem}", _GRID_ERRORS[f"kernel_slice_{problem}"],
                               {"slice": at, **ctx})


def _check_grid(grid: list[list[float]], at: int | None) -> None:
    """One kh x kw matrix (at: None) or slice `at` of a C x kh x kw one."""
    if not grid or not grid[0]:
        raise _grid_error("empty", at)
    width = len(grid[0])
    for i, row in enumerate(grid):
        if len(row) != width:
            raise _grid_error("ragged", at, width=width, row=i, count=len(row))
    if len(grid) > MAX_KERNEL or width > MAX_KERNEL:
        raise _grid_error("too_large", at, rows=len(grid), cols=width, max=MAX_KERNEL)


class FilterStep(BaseModel):
    """One filter: a named kernel (with optional params) or a custom matrix, plus options."""

    model_config = ConfigDict(extra="forbid")

    kernel: str | None = Field(default=None, description="A name from GET /api/kernels.")
    matrix: Matrix2D | Matrix3D | None = Field(
        default=None,
        description="A custom kernel, 1x1 to 15x15 (kh x kw); in channels='sum' mode also "
        "C x kh x kw with one slice per input channel.",
    )
    scale: Finite | str = Field(default=1.0, description='A number or a fraction like "1/9".')
    normalize: bool = Field(default=False, description="Divide the matrix by its sum.")
    params: dict[str, Finite] = Field(
        default_factory=dict,
        description="For gaussian: size, sigma. median/min/max: size. bilateral: size, "
        "sigma_color, sigma_space.",
    )
    mode: Literal["cross_correlation", "convolution"] = "cross_correlation"
    padding: PaddingMode = "zero"
    padding_amount: Literal["same"] | Annotated[int, Field(ge=0, le=64)] = "same"
    stride: Annotated[int, Field(ge=1, le=64)] = 1
    dilation: Annotated[int, Field(ge=1, le=16)] = 1

    @field_validator("scale")
    @classmethod
    def _scale(cls, value: float | str) -> float | str:
        parse_scale(value)  # bounded before any exact arithmetic
        return value

    @field_validator("matrix")
    @classmethod
    def _matrix(cls, value: Matrix2D | Matrix3D | None) -> Matrix2D | Matrix3D | None:
        if value is None:
            return value
        if value and value[0] and isinstance(value[0][0], list):
            slices = value
            if len(slices) > 4:
                raise PydanticCustomError(
                    "kernel_too_many_slices",
                    "matrix has {slices} channel slices; at most {max} are allowed",
                    {"slices": len(slices), "max": 4})
            for c, grid in enumerate(slices):
                _check_grid(grid, c)
            shapes = {(len(g), len(g[0])) for g in slices}
            if len(shapes) > 1:
                raise PydanticCustomError("kernel_slice_sizes_differ",
                                          "matrix slices have different sizes {sizes}",
                                          {"sizes": str(sorted(shapes))})
        else:
            _check_grid(cast(Matrix2D, value), None)
        return value

    @model_validator(mode="after")
    def _one_source(self) -> FilterStep:
        if (self.kernel is None) == (self.matrix is None):
            raise PydanticCustomError(
                "kernel_or_matrix",
                "give exactly one of 'kernel' (a name from GET /api/kernels) or 'matrix' (custom)")
        if self.kernel is not None and self.kernel not in KERNELS:
            raise PydanticCustomError(
                "unknown_kernel", "unknown kernel {kernel}; valid names: {names}",
                {"names": ", ".join(sorted(KERNELS)), "kernel": repr(self.kernel)})
        return self


class Pipeline(BaseModel):
    """Filters applied in sequence, then one mapping from signed values to pixels."""

    model_config = ConfigDict(extra="forbid")

    steps: list[FilterStep] = Field(min_length=1, max_length=MAX_STEPS)
    channels: ChannelMode = Field(
        default="separate",
        description="separate: each RGB channel on its own; grayscale: convert first; sum: one "
        "3-channel kernel summed over channels, as a CNN filter does.",
    )
    output: OutputMode = Field(
        default="clip",
        description="How signed results become 0..255 pixels: clip, abs(olute value), "
        "normalize (min-max) or offset (+128).",
    )


class Source(BaseModel):
    """Where the input image comes from: an uploaded image id or a built-in sample."""

    model_config = ConfigDict(extra="forbid")

    image_id: str | None = Field(default=None, max_length=64)
    sample: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _one(self) -> Source:
        if (self.image_id is None) == (self.sample is None):
            raise PydanticCustomError(
                "image_id_or_sample",
                "give exactly one of 'image_id' (from POST /api/images) or 'sample'")
        return self
