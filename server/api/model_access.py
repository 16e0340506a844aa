"""Which stored model a request may use: the ownership check, then the loaded model. Shared
by the prediction, detection and inference-protocol routes and the webcam socket."""

from __future__ import annotations

from fastapi.concurrency import run_in_threadpool

from server.classroom.access import check_model_readable
from server.classroom.sessions import Identity
from server.errors import NotFound, PlaygroundError
from server.inference.predictor import Loaded
from server.services import Services
from server.serving.names import resolve


def readable_model(services: Services, identity: Identity, model_id: str) -> Loaded:
    """In a worker thread: the ownership check, then the loaded model (one hop, not two).
    `model_id` that is no model you may read is tried as a model name: the version its
    `default` alias points to (as /v2/models/{name} does)."""
    try:
        check_readable(services, identity, model_id)
    except NotFound as missing:
        try:
            model_id = resolve(services, identity, model_id).model_id
        except PlaygroundError:
            raise NotFound(f"no model {model_id[:80]!r}: not a model id or name you may "
                           "read; list them with GET /api/models", ["model_id"]) from missing
    return services.predictor.get(model_id)


async def usable_model(services: Services, identity: Identity, model_id: str) -> Loaded:
    """The model, if the caller may read it. A model already in memory, unchanged (three
    stat calls), public or the caller's own needs no I/O to check: answered on the event
    loop. Anything else (loading, room shares that may ask Redis) in a worker thread."""
    loaded = services.predictor.cached(model_id)
    if loaded is not None and (loaded.manifest.is_public
                               or loaded.manifest.owner == identity.session_id):
        return loaded
    return await run_in_threadpool(readable_model, services, identity, model_id)


def check_readable(services: Services, identity: Identity, model_id: str) -> None:
    """Before anything is loaded: another session's private model is simply not there.
    A model already in memory answers from its manifest there (reading manifest.json,
    with its training history, costs ~0.3 ms a request)."""
    loaded = services.predictor.cached(model_id)
    manifest = loaded.manifest if loaded is not None else services.models.manifest(model_id)
    check_model_readable(services, identity, model_id, manifest)
