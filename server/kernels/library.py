"""The catalogue of named kernels and non-linear filters.

Matrices are written for cross-correlation (what CNN layers and OpenCV compute), so
Sobel X responds positively where the image gets brighter to the right.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

import numpy as np

from server.text.marks import translatable

Kind = Literal["linear", "gradient_magnitude", "nonlinear"]
OutputMapping = Literal["clip", "abs", "normalize", "offset"]

CATEGORIES: dict[str, str] = {
    "basic": translatable("Basic"),
    "blur": translatable("Blur and smoothing"),
    "sharpen": translatable("Sharpen"),
    "edges": translatable("Edges and gradients"),
    "effects": translatable("Effects"),
    "nonlinear": translatable("Non-linear filters (not convolutions)"),
}


@dataclass(frozen=True)
class NamedKernel:
    name: str
    label: str
    category: str
    explanation: str
    kind: Kind = "linear"
    matrix: tuple[tuple[int, ...], ...] | None = None
    scale: Fraction = Fraction(1)
    suggested_output: OutputMapping = "clip"
    # Parametric entries (Gaussian from sigma, median, bilateral, min, max).
    params: dict[str, float] = field(default_factory=dict)
    pair: tuple[str, str] | None = None  # gradient magnitude: the x and y kernels

    def array(self) -> np.ndarray:
        """The scaled matrix as float64 (kh, kw)."""
        if self.matrix is None:
            raise ValueError(f"{self.name} has no fixed matrix")
        return np.array(self.matrix, dtype=np.float64) * float(self.scale)

    def scale_text(self) -> str | None:
        if self.scale == 1:
            return None
        return f"{self.scale.numerator}/{self.scale.denominator}"


def _m(*rows: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    return tuple(rows)


_G5 = _m((1, 4, 6, 4, 1), (4, 16, 24, 16, 4), (6, 24, 36, 24, 6), (4, 16, 24, 16, 4),
         (1, 4, 6, 4, 1))
_UNSHARP = _m((1, 4, 6, 4, 1), (4, 16, 24, 16, 4), (6, 24, -476, 24, 6), (4, 16, 24, 16, 4),
              (1, 4, 6, 4, 1))

_LIST: tuple[NamedKernel, ...] = (
    NamedKernel("identity", translatable("Identity"), "basic",
                translatable("Copies each pixel: a 1 in the centre, 0 elsewhere."),
                matrix=_m((0, 0, 0), (0, 1, 0), (0, 0, 0))),
    NamedKernel("box_blur_3", translatable("Box blur 3x3"), "blur",
                translatable("The plain average of the 3x3 neighbourhood."),
                matrix=_m(*[(1, 1, 1)] * 3),
                scale=Fraction(1, 9)),
    NamedKernel("box_blur_5", translatable("Box blur 5x5"), "blur",
                translatable("The plain average of the 5x5 neighbourhood: stronger, "
                             "blockier blur."),
                matrix=_m(*[(1,) * 5] * 5), scale=Fraction(1, 25)),
    NamedKernel("gaussian_3", translatable("Gaussian blur 3x3"), "blur",
                translatable("A weighted average that favours the centre: smooth blur without "
                             "blocky artefacts."),
                matrix=_m((1, 2, 1), (2, 4, 2), (1, 2, 1)), scale=Fraction(1, 16)),
    NamedKernel("gaussian_5", translatable("Gaussian blur 5x5"), "blur",
                translatable("Binomial approximation of a Gaussian with sigma about 1."),
                matrix=_G5, scale=Fraction(1, 256)),
    NamedKernel("gaussian", translatable("Gaussian (any size, from sigma)"), "blur",
                translatable("A sampled Gaussian of the chosen odd size and sigma, normalized to "
                             "sum 1."),
                params={"size": 7, "sigma": 1.5}),
    NamedKernel("motion_blur", translatable("Motion blur"), "blur",
                translatable("Averages along a diagonal line, like a camera moving during the "
                             "exposure."),
                matrix=_m(*[tuple(1 if i == j else 0 for j in range(9)) for i in range(9)]),
                scale=Fraction(1, 9)),
    NamedKernel("sharpen", translatable("Sharpen"), "sharpen",
                translatable("Adds the difference from the neighbours back to each pixel, "
                             "boosting detail."),
                matrix=_m((0, -1, 0), (-1, 5, -1), (0, -1, 0))),
    NamedKernel("unsharp_5", translatable("Unsharp masking 5x5"), "sharpen",
                translatable("Image plus (image minus its Gaussian blur): the photographer's "
                             "sharpening."),
                matrix=_UNSHARP, scale=Fraction(-1, 256)),
    NamedKernel("sobel_x", "Sobel X", "edges",
                translatable("Horizontal gradient: bright where the image gets brighter to the "
                             "right."),
                matrix=_m((-1, 0, 1), (-2, 0, 2), (-1, 0, 1)), suggested_output="offset"),
    NamedKernel("sobel_y", "Sobel Y", "edges",
                translatable("Vertical gradient: bright where the image gets brighter downwards."),
                matrix=_m((-1, -2, -1), (0, 0, 0), (1, 2, 1)), suggested_output="offset"),
    NamedKernel("sobel_magnitude", translatable("Sobel gradient magnitude"), "edges",
                translatable("sqrt(Gx^2 + Gy^2) of the Sobel X and Y responses: edge strength in "
                             "any direction."),
                kind="gradient_magnitude", pair=("sobel_x", "sobel_y"), suggested_output="clip"),
    NamedKernel("prewitt_x", "Prewitt X", "edges",
                translatable("Horizontal gradient with equal row weights (less smoothing than "
                             "Sobel)."),
                matrix=_m((-1, 0, 1), (-1, 0, 1), (-1, 0, 1)), suggested_output="offset"),
    NamedKernel("prewitt_y", "Prewitt Y", "edges", translatable("Vertical gradient with equal "
                                                                "column weights."),
                matrix=_m((-1, -1, -1), (0, 0, 0), (1, 1, 1)), suggested_output="offset"),
    NamedKernel("scharr_x", "Scharr X", "edges",
                translatable("Horizontal gradient tuned for rotational symmetry (more accurate "
                             "than Sobel)."),
                matrix=_m((-3, 0, 3), (-10, 0, 10), (-3, 0, 3)), suggested_output="offset"),
    NamedKernel("scharr_y", "Scharr Y", "edges", translatable("Vertical gradient, Scharr weights."),
                matrix=_m((-3, -10, -3), (0, 0, 0), (3, 10, 3)), suggested_output="offset"),
    NamedKernel("laplacian_4", translatable("Laplacian (4-neighbour)"), "edges",
                translatable("Second derivative: zero on flat areas and ramps, strong at edges "
                             "and fine detail."),
                matrix=_m((0, 1, 0), (1, -4, 1), (0, 1, 0)), suggested_output="abs"),
    NamedKernel("laplacian_8", translatable("Laplacian (8-neighbour)"), "edges",
                translatable("Second derivative including the diagonals."),
                matrix=_m((1, 1, 1), (1, -8, 1), (1, 1, 1)), suggested_output="abs"),
    NamedKernel("edge_detect", translatable("Edge detection"), "edges",
                translatable("The classic diagonal edge kernel [[1,0,-1],[0,0,0],[-1,0,1]]."),
                matrix=_m((1, 0, -1), (0, 0, 0), (-1, 0, 1)), suggested_output="abs"),
    NamedKernel("outline", translatable("Outline"), "edges",
                translatable("Centre minus all eight neighbours: highlights large differences."),
                matrix=_m((-1, -1, -1), (-1, 8, -1), (-1, -1, -1))),
    NamedKernel("emboss", translatable("Emboss"), "effects",
                translatable("A diagonal gradient plus the pixel itself: a raised, stamped look."),
                matrix=_m((-2, -1, 0), (-1, 1, 1), (0, 1, 2))),
    NamedKernel("median", translatable("Median"), "nonlinear",
                translatable("NOT a convolution: each pixel becomes the median of its "
                             "neighbourhood "
                "(removes salt-and-pepper noise, keeps edges)."),
                kind="nonlinear", params={"size": 5}),
    NamedKernel("bilateral", translatable("Bilateral"), "nonlinear",
                translatable("NOT a convolution: averages neighbours that are close in position "
                             "AND in colour, "
                "so it smooths without blurring edges."),
                kind="nonlinear", params={"size": 9, "sigma_color": 75.0, "sigma_space": 75.0}),
    NamedKernel("min", translatable("Minimum (erode)"), "nonlinear",
                translatable("NOT a convolution: the darkest value in the neighbourhood; shrinks "
                             "bright areas."),
                kind="nonlinear", params={"size": 3}),
    NamedKernel("max", translatable("Maximum (dilate)"), "nonlinear",
                translatable("NOT a convolution: the brightest value in the neighbourhood; grows "
                             "bright areas."),
                kind="nonlinear", params={"size": 3}),
)

KERNELS: dict[str, NamedKernel] = {k.name: k for k in _LIST}


def gaussian_matrix(size: int, sigma: float) -> np.ndarray:
    """A sampled, normalized 2-D Gaussian (size x size), as OpenCV's getGaussianKernel."""
    radius = (size - 1) / 2.0
    x = np.arange(size, dtype=np.float64) - radius
    g = np.exp(-(x**2) / (2.0 * sigma**2))
    g /= g.sum()
    return np.outer(g, g)
