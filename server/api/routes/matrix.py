"""POST /api/matrix: the textbook walk-through on small grids of numbers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from server.kernels.matrix import run_matrix
from server.kernels.matrix_spec import MatrixRequest

router = APIRouter(tags=["kernels"])


@router.post("/api/matrix", summary="Convolve or pool small grids; explain one output")
def matrix(req: MatrixRequest) -> dict[str, Any]:
    """Integer inputs give exact integer outputs. If the filter does not fit, the 422 message
    shows (N - F + 2P)/S + 1 with the numbers. `explain` spells out the sum behind one output."""
    return run_matrix(req)
