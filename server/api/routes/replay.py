"""Replay a run: its kept points (probe activations, filters, softmax, and the evaluation at
that point), from a live or finished run or from the model it saved; and a point forked into
a model of your own, to train on from there (`initial_model`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool

from server.api.deps import IdentityDep, ServicesDep
from server.api.model_access import check_readable
from server.classroom.access import check_model_quota, readable_run
from server.classroom.sessions import Identity
from server.errors import Conflict
from server.nn.build import build_model
from server.nn.spec import NetworkSpec
from server.services import Services
from server.store.manifest import Manifest
from server.training import replay

router = APIRouter(tags=["replay"])
Point = Annotated[int, Path(ge=0, le=100_000, description="0-based point number")]


@router.get("/api/runs/{run_id}/history", summary="A run's replay points")
def run_history(run_id: str, services: ServicesDep, identity: IdentityDep) -> dict[str, Any]:
    """The points kept so far (`point`, `step`, `epoch` in progress, `epochs_done`); yours
    or a run shown in a room you joined. After the run is pruned, replay its model."""
    return replay.run_points(readable_run(services, identity, run_id))


@router.get("/api/runs/{run_id}/history/{point}", summary="One replay point of a run")
def run_point(run_id: str, point: Point, services: ServicesDep,
              identity: IdentityDep) -> dict[str, Any]:
    """`activations` and `filters` (blocks, base64 `data`), `prediction` and `evaluation`
    at that point, as the live stream sent them (docs/protocol.md)."""
    return replay.run_point(readable_run(services, identity, run_id), point)


def _folder(services: Services, identity: Identity, model_id: str) -> tuple[Any, Manifest]:
    check_readable(services, identity, model_id)
    manifest = services.models.manifest(model_id) or Manifest()
    return services.models.root / model_id, manifest


@router.get("/api/models/{model_id}/history", summary="A stored model's replay points")
async def model_history(model_id: str, services: ServicesDep,
                        identity: IdentityDep) -> dict[str, Any]:
    """The points its run kept (404 for a model saved without history)."""
    folder, _ = await run_in_threadpool(_folder, services, identity, model_id)
    return await run_in_threadpool(replay.model_points, folder, model_id)


@router.get("/api/models/{model_id}/history/{point}", summary="One replay point of a model")
async def model_point(model_id: str, point: Point, services: ServicesDep,
                      identity: IdentityDep) -> dict[str, Any]:
    folder, manifest = await run_in_threadpool(_folder, services, identity, model_id)
    return await run_in_threadpool(replay.model_point, folder, model_id, point,
                                   list(manifest.history or []))


def _fork(services: Services, identity: Identity, model_id: str, n: int) -> dict[str, Any]:
    folder, manifest = _folder(services, identity, model_id)
    described = replay.model_point(folder, model_id, n, list(manifest.history or []))
    spec = NetworkSpec.model_validate_json((folder / "spec.json").read_text())
    network = build_model(spec)
    network.load_state_dict(replay.point_weights(folder, model_id, n), strict=True)
    done, step = int(described["epochs_done"]), int(described["step"])
    evaluation = described["evaluation"] or {}
    name = f"{manifest.name or model_id} at step {step}"[:200]
    note = f"forked from point {n} (step {step}) of model {model_id} in its replay"
    copy = manifest.model_copy(update={
        "owner": identity.session_id, "visibility": "private", "forked_from": model_id,
        "history": list(manifest.history or [])[:done],
        "metrics": {"epochs": done, "val_accuracy": evaluation.get("val_accuracy"),
                    "val_loss": evaluation.get("val_loss")},
        "notes": [*(manifest.notes or []), note], "version": None, "id": None})
    with services.models.owner_lock(identity.session_id):
        check_model_quota(services, identity)
        new_id = services.models.save(name, spec, network, copy)
    return {"model_id": new_id, "name": name, "step": step, "epochs": done, "note": note}


def _fork_run(services: Services, identity: Identity, run_id: str, n: int) -> dict[str, Any]:
    run = readable_run(services, identity, run_id)
    if run.model_id:  # saved: the model keeps every point
        return _fork(services, identity, run.model_id, n)
    if run.status not in ("running", "paused"):
        raise Conflict(f"run {run_id} is {run.status} and saved no model, so its points' "
                       "weights are gone; fork a point of a run that trains or saved a model",
                       ["run_id"])
    name = f"{run.network_name} at point {n}"
    with services.models.owner_lock(identity.session_id):
        check_model_quota(services, identity)
        made = services.runs.checkpoint(run.id, identity.session_id, name, point=n)
    return {**made, "name": name, "epochs": None,
            "note": f"forked from point {n} (step {made['step']}) of run {run_id}, live"}


@router.post("/api/runs/{run_id}/history/{point}/fork", status_code=201,
             summary="Fork the weights at a replay point of a run into a model of yours")
async def fork_run_point(run_id: str, point: Point, services: ServicesDep,
                         identity: IdentityDep) -> dict[str, Any]:
    """While the run trains, its worker saves that point's weights (they are kept there
    until the run saves its model); afterwards, from the saved model. 409 for a run that
    ended without a model, or for a point the live run has not kept yet."""
    return await run_in_threadpool(_fork_run, services, identity, run_id, point)


@router.post("/api/models/{model_id}/history/{point}/fork", status_code=201,
             summary="Fork the weights at a replay point into a model of yours")
async def fork_point(model_id: str, point: Point, services: ServicesDep,
                     identity: IdentityDep) -> dict[str, Any]:
    """A new private model with the weights as they were at that point; train on from it
    with `initial_model` in POST /api/runs. Counts against your model quota (429)."""
    return await run_in_threadpool(_fork, services, identity, model_id, point)
