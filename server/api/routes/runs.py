"""Training runs: start, list, inspect, and control (pause, resume, step, stop, lr)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from server.api.deps import IdentityDep, ServicesDep
from server.classroom.access import (
    check_model_quota,
    check_model_readable,
    owned_run,
    readable_run,
)
from server.classroom.sessions import Identity
from server.detection.scene_cache import COUNTS
from server.detection.scene_cache import NAME as SCENES
from server.errors import Conflict, InvalidInput, ManyErrors, NotFound, PlaygroundError
from server.nn.analysis import analyze
from server.nn.parse import parse_network
from server.nn.spec import NetworkSpec
from server.services import Services
from server.training.executors.admission import estimate_bytes
from server.training.runs import Run
from server.training.session import validate_request
from server.training.spec import RunRequest
from server.training.summaries import shown

router = APIRouter(tags=["runs"])


def _validate(request: RunRequest, services: Services,
              identity: Identity) -> tuple[NetworkSpec, str]:
    """A spec's own errors first, located under "network" like the others (a spec that
    does not validate would otherwise fail deep inside validate_request, as a 500)."""
    if services.datasets.is_user(request.dataset):  # yours only: others' read as unknown
        try:
            owner = services.user_datasets.get(request.dataset).owner
        except NotFound:
            owner = None
        if owner != identity.session_id:
            raise InvalidInput(f"dataset: no dataset {request.dataset!r}; list yours and the "
                               "built-in ones with GET /api/datasets", ["dataset"])
    if set(request.network) != {"preset"}:
        try:
            parse_network(request.network, services.presets)
        except PlaygroundError as exc:
            errors = [InvalidInput(d["msg"], ["network", *d["loc"]]) for d in exc.detail()]
            raise errors[0] if len(errors) == 1 else ManyErrors(errors) from None
    spec, name = validate_request(request, services.presets, services.datasets,
                                  local_device=services.settings.executor == "local")
    # The operator's limits (CNNPG_MAX_PARAMS, ...), as for the Builder and imports.
    over = analyze(spec, services.network_limits).errors
    if over:
        raise InvalidInput(over[0].msg, ["network"])
    if request.initial_model:
        _check_initial(services, identity, request.initial_model, spec)
    return spec, name


def _check_initial(services: Services, identity: Identity, model_id: str,
                   spec: NetworkSpec) -> None:
    try:
        manifest = services.models.manifest(model_id)
    except PlaygroundError:
        raise InvalidInput(f"initial_model: no model {model_id!r}; list them with GET "
                           "/api/models", ["initial_model"]) from None
    try:
        check_model_readable(services, identity, model_id, manifest)
        loaded = services.predictor.get(model_id)
    except PlaygroundError as exc:
        raise InvalidInput(f"initial_model: {exc.msg}", ["initial_model"]) from None
    if loaded.spec.model_dump() != spec.model_dump():
        raise InvalidInput(f"initial_model {model_id!r} was trained with a different network; "
                           "train its own network (GET /api/models/{id} has its spec) or "
                           "leave initial_model out", ["initial_model"])


def run_estimate(request: RunRequest, spec: NetworkSpec, services: Services) -> int:
    """The run's memory estimate; 422 when it can never fit the device."""
    training = request.training
    device = training.device if training.device != "auto" else (
        services.runs.pool_state().device or "cpu")
    images = (COUNTS["train"] if request.dataset == SCENES
              else services.datasets.describe(request.dataset)["counts"]["train"])
    if training.max_train_samples:
        images = min(images, training.max_train_samples)
    estimate = estimate_bytes(spec, training, images, device)
    services.runs.admit(estimate, device)
    return estimate


@router.post("/api/runs", status_code=201, summary="Start (or queue) a training run")
async def start_run(request: RunRequest, services: ServicesDep,
                    identity: IdentityDep) -> dict[str, Any]:
    """The network may be a spec or `{"preset": id}`; its input must fit the dataset (or the
    dataset's preprocessing adapts it: grayscale <-> RGB, padding 28 -> 32, resizing).
    `initial_model` starts from a stored model's weights (the same network). The run and
    its model belong to your session; 429 when your session is at its limits."""
    spec, name = await run_in_threadpool(_validate, request, services, identity)
    estimate = await run_in_threadpool(run_estimate, request, spec, services)

    def checked_submit() -> Run:
        with services.models.owner_lock(identity.session_id):
            check_model_quota(services, identity)  # the model this run will save
            return services.runs.submit(request, spec, name, identity.session_id, estimate)

    run = await run_in_threadpool(checked_submit)
    return {"id": run.id, "status": run.status}


@router.get("/api/runs", summary="Your runs, newest first")
def list_runs(services: ServicesDep, identity: IdentityDep) -> dict[str, Any]:
    """Only this session's runs (a run broadcast to you in a room is opened from the room).
    Runs pruned after CNNPG_RUN_RETENTION_HOURS are listed as their summary (`pruned`)."""
    sid = identity.session_id
    live = [r.public(sid) for r in services.runs.list(sid)]
    pruned = [shown(s, sid) for s in services.summaries.owned_by(sid)]
    runs = sorted(live + pruned, key=lambda r: r["created"], reverse=True)
    return {"runs": runs}


def pruned_run(services: Services, identity: Identity, run_id: str) -> dict[str, Any] | None:
    """The summary of a pruned run the viewer may read (theirs, or shared in their room)."""
    summary = services.summaries.get(run_id)
    sid = identity.session_id
    if summary is None or not (summary.get("owner") == sid
                               or services.rooms.shares(sid, run_id=run_id)):
        return None
    return shown(summary, sid)


@router.get("/api/runs/{run_id}", summary="One run: status, progress, latest metrics")
def get_run(run_id: str, services: ServicesDep, identity: IdentityDep) -> dict[str, Any]:
    """Yours, or one broadcast in a room you joined; anyone else's is not found (404). A
    pruned run answers its summary: `pruned: true`, `spec`, `curves`, `final`."""
    try:
        return readable_run(services, identity, run_id).public(identity.session_id)
    except NotFound:
        summary = pruned_run(services, identity, run_id)
        if summary is None:
            raise
        return summary


def _refuse_pruned(services: Services, identity: Identity, run_id: str) -> None:
    """A pruned run cannot be controlled: 409 that says so (not a puzzling 404)."""
    if pruned_run(services, identity, run_id) is not None:
        raise Conflict(f"run {run_id} ended and was pruned (only its summary is kept); "
                       "start a new run", ["run_id"])


@router.post("/api/runs/{run_id}/{action}", summary="pause, resume, step (one batch while "
             "paused) or stop")
def control_run(run_id: str, action: Literal["pause", "resume", "step", "stop"],
                services: ServicesDep, identity: IdentityDep) -> dict[str, Any]:
    """Only the run's owner (403 for a run shared with you through a room)."""
    _refuse_pruned(services, identity, run_id)
    owned_run(services, identity, run_id)
    return services.runs.command(run_id, action).public(identity.session_id)


class RunPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    learning_rate: float = Field(gt=0.0, le=10.0, allow_inf_nan=False)


@router.patch("/api/runs/{run_id}", summary="Change the learning rate mid-run")
def patch_run(run_id: str, patch: RunPatch, services: ServicesDep,
              identity: IdentityDep) -> dict[str, Any]:
    _refuse_pruned(services, identity, run_id)
    owned_run(services, identity, run_id)
    return services.runs.command(run_id, "set_lr", patch.learning_rate).public(
        identity.session_id)
