"""GET /api/health: liveness plus what training would run on."""

from __future__ import annotations

from typing import Any

import cv2
from fastapi import APIRouter

import server

router = APIRouter(tags=["health"])


@router.get("/api/health", summary="Liveness, versions and the training device")
def health() -> dict[str, Any]:
    import torch  # imported once at start-up by create_app; this is a dict lookup

    cuda = bool(torch.cuda.is_available())
    return {
        "status": "ok",
        "version": server.__version__,
        "torch": torch.__version__,
        "opencv": cv2.__version__,
        "device": "cuda" if cuda else "cpu",
        "cuda_devices": torch.cuda.device_count() if cuda else 0,
    }
