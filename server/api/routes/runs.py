"""Training runs: start, list, inspect, and control (pause, resume, step, stop, lr)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from server.api.deps import ServicesDep
from server.api.routes.networks import parse_network
from server.errors import InvalidInput, ManyErrors, PlaygroundError
from server.nn.spec import NetworkSpec
from server.services import Services
from server.training.session import validate_request
from server.training.spec import RunRequest

router = APIRouter(tags=["runs"])


def _validate(request: RunRequest, services: Services) -> tuple[NetworkSpec, str]:
    """A spec's own errors first, located under "network" like the others (a spec that
    does not validate would otherwise fail deep inside validate_request, as a 500)."""
    if set(request.network) != {"preset"}:
        try:
            parse_network(request.network, services)
        except PlaygroundError as exc:
            errors = [InvalidInput(d["msg"], ["network", *d["loc"]]) for d in exc.detail()]
            raise errors[0] if len(errors) == 1 else ManyErrors(errors) from None
    return validate_request(request, services.presets, services.datasets)


@router.post("/api/runs", status_code=201, summary="Start (or queue) a training run")
async def start_run(request: RunRequest, services: ServicesDep) -> dict[str, Any]:
    """The network may be a spec or `{"preset": id}`; its input must fit the dataset (or the
    dataset's preprocessing adapts it: grayscale <-> RGB, padding 28 -> 32, resizing)."""
    _, name = await run_in_threadpool(_validate, request, services)
    run = services.runs.submit(request, name)
    return {"id": run.id, "status": run.status}


@router.get("/api/runs", summary="Every run of this server, newest first")
def list_runs(services: ServicesDep) -> dict[str, Any]:
    runs = sorted(services.runs.list(), key=lambda r: r.created, reverse=True)
    return {"runs": [r.public() for r in runs]}


@router.get("/api/runs/{run_id}", summary="One run: status, progress, latest metrics")
def get_run(run_id: str, services: ServicesDep) -> dict[str, Any]:
    return services.runs.get(run_id).public()


@router.post("/api/runs/{run_id}/{action}", summary="pause, resume, step (one batch while "
             "paused) or stop")
def control_run(run_id: str, action: Literal["pause", "resume", "step", "stop"],
                services: ServicesDep) -> dict[str, Any]:
    return services.runs.command(run_id, action).public()


class RunPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    learning_rate: float = Field(gt=0.0, le=10.0, allow_inf_nan=False)


@router.patch("/api/runs/{run_id}", summary="Change the learning rate mid-run")
def patch_run(run_id: str, patch: RunPatch, services: ServicesDep) -> dict[str, Any]:
    return services.runs.command(run_id, "set_lr", patch.learning_rate).public()
