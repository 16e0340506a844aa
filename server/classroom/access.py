"""Who may see and change what: the checks every route shares.

Private things (your runs, uploads, models and datasets) are invisible to other sessions:
404, the same answer as for an id that does not exist, so ids cannot be probed. Shared
things (a public model; a run, model or dataset broadcast in a room you joined) can be read
by others, but only their owner may change them: 403 names the owner rule.
"""

from __future__ import annotations

from server.classroom.sessions import Identity
from server.datasets.user_files import DatasetRecord
from server.errors import Forbidden, NotFound, OverLimit
from server.services import Services
from server.store.manifest import Manifest
from server.training.runs import Run


def run_missing(run_id: str) -> NotFound:
    return NotFound(f"no run {run_id!r}; list yours with GET /api/runs", ["run_id"],
                    code="run_not_found", params={"run_id": run_id})


def readable_run(services: Services, identity: Identity, run_id: str) -> Run:
    """Your run, or one broadcast in a room you joined; otherwise 404."""
    try:
        run = services.runs.get(run_id)
    except NotFound:
        raise run_missing(run_id) from None
    if run.owner == identity.session_id or services.rooms.shares(identity.session_id,
                                                                 run_id=run_id):
        return run
    raise run_missing(run_id)


def owned_run(services: Services, identity: Identity, run_id: str) -> Run:
    run = readable_run(services, identity, run_id)
    if run.owner != identity.session_id:
        raise Forbidden(f"run {run_id} is shared with you through a room, but only the "
                        "session that started it can pause, resume, step, stop it or change "
                        "its learning rate; fork it to train your own copy", ["run_id"],
                        code="run_not_yours", params={"run_id": run_id})
    return run


def visibility(manifest: Manifest | None) -> str:
    """Models without an owner (shipped, trained with the CLI, copied in by the operator)
    are public; a session's models are private until published."""
    return "public" if manifest is None or manifest.is_public else "private"


def can_read_model(services: Services, identity: Identity, model_id: str,
                   manifest: Manifest | None) -> bool:
    """Public, yours, broadcast in a room you joined, or the model that a run broadcast
    in such a room trained (its owner's own, not a student's checkpoint of it)."""
    manifest = manifest or Manifest()
    sid = identity.session_id
    if manifest.is_public or manifest.owner == sid:
        return True
    if services.rooms.shares(sid, model_id=model_id, model_owner=manifest.owner):
        return True
    parent = manifest.parent_run
    if parent is not None and services.rooms.shares(sid, run_id=parent):
        try:
            return services.runs.get(parent).owner == manifest.owner
        except NotFound:
            return False
    return False


def check_model_readable(services: Services, identity: Identity, model_id: str,
                         manifest: Manifest | None) -> None:
    if not can_read_model(services, identity, model_id, manifest):
        raise NotFound(f"no model {model_id!r}; list them with GET /api/models", ["model_id"],
                       code="model_not_found", params={"model_id": model_id})


def check_model_owned(services: Services, identity: Identity, model_id: str,
                      action: str) -> Manifest | None:
    """The manifest of a model you may change; 404 when you cannot even see it, 403 when it
    is shared but not yours."""
    manifest = services.models.manifest(model_id)
    check_model_readable(services, identity, model_id, manifest)
    owner = manifest.owner if manifest else None
    if owner != identity.session_id and not (manifest and manifest.shipped):
        whose = "the server's" if not owner else "another session's"
        raise Forbidden(f"model {model_id!r} is {whose}: you can use it, but only its owner "
                        f"can {action} it; fork or import a copy to change it", ["model_id"],
                        code="model_not_yours", params={"model_id": model_id})
    return manifest


def check_model_quota(services: Services, identity: Identity) -> None:
    """Room for one more model: the ones kept plus those unfinished runs will save. Call it
    holding services.models.owner_lock(session) until the model is saved."""
    limit, sid = services.settings.session_max_models, identity.session_id
    mine = services.models.owned_by(sid)
    pending = [r for r in services.runs.list(sid) if not r.final]
    if len(mine) + len(pending) + 1 > limit:
        waiting = f" and {len(pending)} unfinished runs that will save one" if pending else ""
        raise OverLimit(f"you have {len(mine)} models{waiting}; the limit per session is "
                        f"{limit} (CNNPG_SESSION_MAX_MODELS): delete some with DELETE "
                        "/api/models/{model_id}", ["models"], code="model_limit",
                        params={"count": len(mine), "pending": len(pending), "limit": limit})


def dataset_missing(dataset_id: str) -> NotFound:
    return NotFound(f"no dataset {dataset_id!r}; list yours with GET /api/datasets",
                    ["dataset_id"], code="dataset_not_found", params={"dataset_id": dataset_id})


def readable_dataset(services: Services, identity: Identity,
                     dataset_id: str) -> DatasetRecord:
    """Your dataset, or one broadcast in a room you joined; otherwise 404 (the answer for an
    unknown id)."""
    try:
        record = services.user_datasets.get(dataset_id)
    except NotFound:
        raise dataset_missing(dataset_id) from None
    if record.owner == identity.session_id or services.rooms.shares(identity.session_id,
                                                                     dataset_id=dataset_id):
        return record
    raise dataset_missing(dataset_id)


def owned_dataset(services: Services, identity: Identity, dataset_id: str) -> DatasetRecord:
    """A dataset you may change: 404 when you cannot see it, 403 when a room shows it to
    you but it is the teacher's."""
    record = readable_dataset(services, identity, dataset_id)
    if record.owner != identity.session_id:
        raise Forbidden(f"dataset {dataset_id} is shown to you in a room, but only the "
                        "session that made it can change or export it; fork it on the room "
                        "page to add your own pictures", ["dataset_id"],
                        code="dataset_not_yours", params={"dataset_id": dataset_id})
    return record
