"""Fork what a room broadcasts into your own session: the network (a spec to edit), the
trained model, a checkpoint of the live run (its weights now, at the current epoch), or
the dataset (a private copy to add your own pictures to and train on)."""

from __future__ import annotations

from typing import Any

from server.classroom.access import check_model_quota
from server.classroom.rooms import Room
from server.classroom.sessions import Identity
from server.datasets.user_fork import fork_dataset
from server.detection import own_scenes
from server.errors import Conflict, NotFound
from server.nn.spec import NetworkSpec
from server.services import Services
from server.store.disk import TEXT_LIMITS
from server.store.manifest import Manifest
from server.training.runs import Run

SUGGESTED_PRESET = "lenet-mnist"  # the Datasets page's "Train on this": adapts to any dataset


def _run(services: Services, room: Room) -> Run | None:
    run_id = room.broadcast.run_id
    return services.runs.get(run_id) if room.broadcast.kind == "run" and run_id else None


def network_of(services: Services, room: Room) -> tuple[NetworkSpec, str]:
    """The broadcast network as a spec, and a name for it."""
    b, run = room.broadcast, _run(services, room)
    if b.kind == "network" and b.network is not None:
        return b.network, b.title or "the teacher's network"
    if run is not None:
        return run.spec, run.network_name
    if b.kind == "model" and b.model_id:
        loaded = services.predictor.get(b.model_id)
        return loaded.spec, loaded.manifest.name or b.model_id
    raise Conflict(f"room {room.code} is not showing a network (it shows {b.kind}); wait for "
                   "the teacher to broadcast a run, a network or a model", ["what"],
                   code="no_network_shown", params={"code": room.code, "kind": b.kind})


def _answer(model_id: str, name: str, epoch: int | None, note: str = "") -> dict[str, Any]:
    return {"kind": "model", "model_id": model_id, "name": name, "epoch": epoch,
            "note": note, "train_url": f"/training#from={model_id}"}


def _copy(services: Services, identity: Identity, room: Room, source: str,
          note: str = "") -> dict[str, Any]:
    manifest = services.models.manifest(source) or Manifest()
    suffix = " (fork)"  # the name stays within the store's cap
    name = (manifest.name or source)[:TEXT_LIMITS["name"] - len(suffix)] + suffix
    epochs = manifest.epochs
    model_id = services.models.copy(source, name, {
        "owner": identity.session_id, "visibility": "private"})
    return _answer(model_id, name, epochs, note)


def _dataset(services: Services, identity: Identity, room: Room) -> dict[str, Any]:
    b = room.broadcast
    if b.kind != "dataset" or not b.dataset_id:
        shown = "nothing" if b.kind == "none" else f"a {b.kind.replace('_', ' ')}"
        raise Conflict(f"room {room.code} is not showing a dataset (it shows {shown}); wait "
                       "for the teacher to broadcast one", ["what"],
                       code="no_dataset_shown", params={"code": room.code, "kind": b.kind})
    store = services.user_datasets
    try:
        source = store.get(b.dataset_id)
    except NotFound:
        raise Conflict(f"the dataset room {room.code} shows ({b.title}) was deleted by its "
                       "teacher; wait for the teacher to broadcast another", ["what"],
                       code="shown_dataset_deleted",
                       params={"code": room.code, "title": b.title}) from None
    copy = fork_dataset(store, source, identity.session_id)
    counts = store.counts(copy)  # a detection dataset: boxes per class
    boxes = copy.task == "detection"
    train_url = (f"/detection?dataset={copy.id}" if boxes
                 else f"/training?dataset={copy.id}&preset={SUGGESTED_PRESET}")
    total = own_scenes.picture_count(store.root / copy.id) if boxes else sum(counts.values())
    return {"kind": "dataset", "dataset_id": copy.id, "name": copy.name, "task": copy.task,
            "classes": [c.name for c in copy.classes], "counts": counts,
            "total": total, "datasets_url": f"/datasets#open={copy.id}",
            "train_url": train_url}


def fork(services: Services, identity: Identity, room: Room, what: str) -> dict[str, Any]:
    """Blocking (a checkpoint waits for the worker, a dataset copies files): call it from a
    thread."""
    if what == "dataset":
        return _dataset(services, identity, room)
    if what == "network":
        spec, name = network_of(services, room)
        return {"kind": "network", "network": spec.model_dump(mode="json"), "name": name}
    with services.models.owner_lock(identity.session_id):
        check_model_quota(services, identity)
        return _fork_model(services, identity, room, what)


def _fork_model(services: Services, identity: Identity, room: Room,
                what: str) -> dict[str, Any]:
    b, run = room.broadcast, _run(services, room)
    if b.kind == "model" and b.model_id:
        return _copy(services, identity, room, b.model_id)
    if run is None:
        raise Conflict(f"room {room.code} is not showing a run or a model (it shows {b.kind}); "
                       "fork the network instead, or wait for the teacher", ["what"],
                       code="no_run_or_model_shown", params={"code": room.code, "kind": b.kind})
    if what == "model" or run.final:
        if run.model_id is None:
            state = "has not finished" if not run.final else f"{run.status} without a model"
            fix = "fork a checkpoint of it now" if not run.final else "fork the network"
            raise Conflict(f"run {run.id} {state}, so there is no trained model yet; {fix}",
                           ["what"], code="run_unfinished_no_model" if not run.final
                           else "run_ended_no_model", params={"run": run.id,
                                                              "status": run.status})
        note = "the run has finished: this is its trained model" if what == "checkpoint" else ""
        return _copy(services, identity, room, run.model_id, note)
    name = f"{run.network_name} at epoch {run.epoch} (checkpoint)"
    result = services.runs.checkpoint(run.id, identity.session_id, name)
    manifest = services.models.manifest(result["model_id"]) or Manifest(name=name)
    return _answer(result["model_id"], manifest.name or name, result["epoch"])
