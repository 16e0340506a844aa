"""GET /api/kernels/vocabulary: the Kernel Lab's choices and limits, from the engine's own
definitions (server/kernels/vocabulary.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from server.kernels.vocabulary import vocabulary

router = APIRouter(tags=["kernels"])


@router.get("/api/kernels/vocabulary",
            summary="The Kernel Lab's options: modes, padding, channels, outputs, limits")
def kernel_vocabulary() -> dict[str, Any]:
    return vocabulary()
