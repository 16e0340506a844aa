"""Which stored model a protocol request means: `{name}` and an optional `{version}`.

The store's rule (server/store/naming.py), the same as everywhere else in the API:
- `{name}` that is a model id you may read: that exact model, at its own version (a
  `{version}` must be that one).
- otherwise a model name in your namespace, then the global one: without `{version}` the
  model its `default` alias points to (the newest version unless moved with PUT
  /api/models/names/{name}/aliases/default), with it that numbered version.
Models you may not read (another session's private ones) are not there: 404, as for a name
nobody used. `versions` lists the name's readable, undamaged versions (a model id: its own).
"""

from __future__ import annotations

from dataclasses import dataclass

from server.classroom.access import can_read_model
from server.classroom.sessions import Identity
from server.errors import InvalidInput, NotFound
from server.inference.predictor import Loaded
from server.services import Services
from server.store.disk import ID_PATTERN
from server.store.manifest import Manifest
from server.store.names import versions as numbered
from server.store.naming import NAME_LIMIT, describe
from server.store.naming import resolve as store_resolve


@dataclass(frozen=True)
class Resolved:
    model_id: str
    version: str  # the version meant
    versions: list[str]  # every version of the name (a model id: its own)


def _version_number(version: str, name: str) -> int:
    if not version.isdigit() or len(version) > 9 or int(version) < 1:
        raise NotFound(f"model {name[:80]!r} has no version {version[:40]!r}: versions are "
                       "whole numbers from 1; leave the version out for the default",
                       ["version"])
    return int(version)


def resolve(services: Services, identity: Identity, name: str,
            version: str | None = None) -> Resolved:
    """The model a request means (in a thread: it may read every manifest)."""
    if not name or len(name) > NAME_LIMIT:
        raise InvalidInput(f"model name of {len(name)} characters; send a model id or a "
                           f"name of 1 to {NAME_LIMIT} characters", ["name"])
    number = None if version is None else _version_number(version, name)

    def readable(model_id: str, manifest: Manifest | None) -> bool:
        return can_read_model(services, identity, model_id, manifest)

    try:
        model_id = store_resolve(services.models, name, number, None, identity.session_id,
                                 readable)
    except NotFound as exc:
        if "version" in exc.loc:
            raise
        raise NotFound(f"no model {name[:80]!r}: not a model id or name you may read; list "
                       "them with GET /api/models", ["name"]) from exc
    entries = services.models.entries()
    mine = str(numbered(entries).get(model_id, 1))
    if ID_PATTERN.match(name) and model_id == name:
        return Resolved(model_id, mine, [mine])
    listed = describe(services.models, name, identity.session_id)["versions"]
    return Resolved(model_id, mine, [str(v["version"]) for v in listed if not v["damaged"]])


def resolve_loaded(services: Services, identity: Identity, name: str,
                   version: str | None = None) -> tuple[Resolved, Loaded] | None:
    """Without I/O (on the event loop): the model `name` when it is a model id already
    loaded and unchanged, public or the caller's own, whose manifest holds its version
    (every model saved since versions exist), and `version` is absent or that version.
    None otherwise: resolve() then decides, and explains any error."""
    loaded = services.predictor.cached(name)
    if loaded is None or loaded.manifest.version is None:
        return None
    manifest = loaded.manifest
    if not (manifest.is_public or manifest.owner == identity.session_id):
        return None
    mine = str(manifest.version)
    if version is not None and version != mine:
        return None
    return Resolved(loaded.id, mine, [mine]), loaded
