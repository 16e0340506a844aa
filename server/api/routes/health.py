"""GET /api/health: liveness plus what training would run on. GET /api/ready: readiness
(the preloaded models loaded and warm)."""

from __future__ import annotations

from typing import Any

import cv2
from fastapi import APIRouter
from fastapi.responses import JSONResponse

import server
from server.api.deps import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/api/health", summary="Liveness, versions and the devices")
def health(services: ServicesDep) -> dict[str, Any]:
    import torch  # imported once at start-up by create_app; this is a dict lookup

    cuda = bool(torch.cuda.is_available())
    return {
        "status": "ok",
        "version": server.__version__,
        "torch": torch.__version__,
        "opencv": cv2.__version__,
        "device": "cuda" if cuda else "cpu",
        "cuda_devices": torch.cuda.device_count() if cuda else 0,
        "predict_device": str(services.predictor.device),  # CNNPG_PREDICT_DEVICE, resolved
        "engine": engine(services),
    }


def engine(services: ServicesDep) -> dict[str, Any]:
    """The warm pool: how many workers are ready, busy or still warming up."""
    state = services.runs.pool_state()
    return {"warm_workers": state.size, "ready": state.ready, "busy": state.busy,
            "starting": state.starting, "replaced": state.replaced,
            "max_concurrent_runs": state.max_concurrent, "broken": state.broken or None,
            "device": state.device}


@router.get("/api/ready", summary="Readiness: the preloaded models are loaded and warm",
            responses={503: {"description": "not ready: `detail` names each model missing"}})
def ready(services: ServicesDep) -> JSONResponse:
    """200 once every model in CNNPG_PRELOAD_MODELS is loaded and its warm-up forward pass
    ran (at once when none is named); 503 meanwhile, naming what is missing and why."""
    state = services.preloader.readiness()
    if state.ready:
        return JSONResponse(state.as_json())
    detail = [{"loc": ["preload_models", i], "msg": msg, "type": "not_ready"}
              for i, msg in state.missing_at()]
    return JSONResponse({**state.as_json(), "detail": detail}, status_code=503,
                        headers={"Retry-After": "5"})
