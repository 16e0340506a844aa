"""Models by name: resolve a name (and a version or alias) to a model id, describe a name's
versions and aliases, move and remove aliases. The rules are in store.names.

A reader sees two namespaces: its own session's names first, then the global one (the
models without an owner). Another session's names are not visible, even where that session
published a model: such a model is used by its id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from server.errors import Forbidden, InvalidInput, NotFound
from server.store.disk import ID_PATTERN, Entry, ModelStore
from server.store.manifest import Manifest
from server.store.names import (
    ALIAS_PATTERN,
    AUTOMATIC,
    aliases,
    group_of,
    names_lock,
    read_pinned,
    versions,
    write_pinned,
)

Reader = Callable[[str, Manifest | None], bool]  # may this reader use model id with manifest?
NAME_LIMIT = 200  # characters, as store.disk.TEXT_LIMITS


def name_index(store: ModelStore, entries: list[Entry]) -> dict[str, tuple[int, list[str]]]:
    """model id -> (its version, the aliases pointing to it), for a listing."""
    numbers = versions(entries)
    groups: dict[tuple[str, str], dict[int, Manifest]] = {}
    ids: dict[tuple[str, str, int], str] = {}
    for entry in entries:
        if entry.manifest is not None:
            key = group_of(entry.id, entry.manifest)
            groups.setdefault(key, {})[numbers[entry.id]] = entry.manifest
            ids[(*key, numbers[entry.id])] = entry.id
    index: dict[str, tuple[int, list[str]]] = {i: (numbers[i], []) for i in numbers}
    pinned: dict[str, dict[str, dict[str, int]]] = {}
    for (owner, name), members in groups.items():
        if owner not in pinned:
            pinned[owner] = read_pinned(store.root, owner)
        for alias, version in aliases(members, pinned[owner].get(name, {})).items():
            index[ids[(owner, name, version)]][1].append(alias)
    return index


def _members(entries: list[Entry], owner: str, name: str) -> dict[int, Entry]:
    numbers = versions(entries)
    return {numbers[e.id]: e for e in entries
            if e.manifest is not None and group_of(e.id, e.manifest) == (owner, name)}


def _namespace(entries: list[Entry], name: str, reader: str | None) -> str:
    """The reader's own namespace when it holds the name, else the global one; NotFound."""
    held = {group_of(e.id, e.manifest) for e in entries if e.manifest is not None}
    if reader and (reader, name) in held:
        return reader
    if ("", name) in held:
        return ""
    raise NotFound(f"no model named {name[:80]!r} among yours or the public ones; list them "
                   "with GET /api/models", ["name"])


def check_name(name: str) -> str:
    if not name or len(name) > NAME_LIMIT:
        raise InvalidInput(f"name {name[:40]!r}... is {len(name)} characters; a model name "
                           f"is 1 to {NAME_LIMIT} characters", ["name"])
    return name


def check_alias(alias: str) -> str:
    if not ALIAS_PATTERN.match(alias):
        raise InvalidInput(f"alias {alias[:40]!r} is not an alias name: use 1 to 32 "
                           "lowercase letters, digits, '_' or '-', starting with a letter "
                           "(e.g. default, best, prod)", ["alias"])
    return alias


def _listed(members: dict[int, Any]) -> str:
    return ", ".join(str(v) for v in sorted(members)) or "none"


def resolve(store: ModelStore, name_or_id: str, version: int | None = None,
            alias: str | None = None, reader: str | None = None,
            can_read: Reader | None = None) -> str:
    """The id of the model that `name_or_id` names for this reader (a session id, or None
    for anonymous): a model id the reader may use (that exact model; `version`, when
    given, must be its version), else a name in the reader's namespace, then the global
    one, at `version`, at `alias`, or at its `default` alias. `can_read` decides about
    ids (default: public or the reader's own). NotFound or InvalidInput otherwise."""
    if version is not None and alias is not None:
        raise InvalidInput(f"give a version ({version}) or an alias ({alias[:40]!r}), not "
                           "both", ["alias"])
    if version is not None and version < 1:
        raise InvalidInput(f"version {version} is not a version: they are numbered from 1",
                           ["version"])
    check_name(name_or_id)
    if alias is not None:
        check_alias(alias)
    entries = store.entries()
    allowed = can_read or (lambda _id, m: m is None or m.is_public or m.owner == reader)
    for entry in entries:
        if (ID_PATTERN.match(name_or_id) and entry.id == name_or_id
                and allowed(entry.id, entry.manifest)):
            return _by_id(entry, entries, version, alias)
    owner = _namespace(entries, name_or_id, reader)
    members = _members(entries, owner, name_or_id)
    if version is not None:
        if version not in members:
            raise NotFound(f"model {name_or_id[:80]!r} has no version {version}; its versions "
                           f"are {_listed(members)}", ["version"])
        return members[version].id
    named = aliases({v: e.manifest for v, e in members.items() if e.manifest},
                    read_pinned(store.root, owner).get(name_or_id, {}))
    wanted = alias or "default"
    if wanted not in named:
        raise NotFound(f"model {name_or_id[:80]!r} has no alias {wanted!r}; its aliases are "
                       f"{', '.join(named) or 'none'} (set one with PUT /api/models/names/"
                       "{name}/aliases/{alias})", ["alias"])
    return members[named[wanted]].id


def _by_id(entry: Entry, entries: list[Entry], version: int | None, alias: str | None) -> str:
    if alias is not None:
        raise InvalidInput(f"{entry.id!r} is a model id, which names one version: an alias "
                           f"({alias!r}) goes with a model name", ["alias"])
    actual = versions(entries).get(entry.id)
    if version is not None and actual != version:
        raise NotFound(f"model {entry.id!r} is version {actual}, not {version}; ask for its "
                       "name to reach other versions", ["version"])
    return entry.id


def describe(store: ModelStore, name: str, reader: str | None) -> dict[str, Any]:
    """A name's versions (oldest first) and aliases, as GET /api/models/names/{name}."""
    check_name(name)
    entries = store.entries()
    owner = _namespace(entries, name, reader)
    members = _members(entries, owner, name)
    pinned = read_pinned(store.root, owner).get(name, {})
    named = aliases({v: e.manifest for v, e in members.items() if e.manifest}, pinned)
    return {"name": name, "namespace": "yours" if owner else "public",
            "aliases": named, "set_by_hand": sorted(a for a in pinned if a in named),
            "versions": [{"version": v, "id": e.id, "damaged": e.damaged,
                          "created": e.manifest.created if e.manifest else None,
                          "test_accuracy": e.manifest.test_accuracy if e.manifest else None,
                          "aliases": [a for a, n in named.items() if n == v]}
                         for v, e in sorted(members.items())]}


def _owned_namespace(store: ModelStore, name: str, reader: str | None, action: str) -> str:
    owner = _namespace(store.entries(), name, reader)
    if not owner:
        raise Forbidden(f"model name {name[:80]!r} is the server's: you can use its aliases, "
                        f"but only the operator can {action} them; fork a version to name "
                        "your own", ["name"])
    return owner


def move_alias(store: ModelStore, name: str, alias: str, version: int,
               reader: str | None) -> dict[str, Any]:
    """Point `alias` at `version` of your name `name` (set by hand from now on)."""
    check_name(name)
    check_alias(alias)
    owner = _owned_namespace(store, name, reader, "move")
    with names_lock(store.root, owner):
        members = _members(store.entries(), owner, name)
        if version not in members:
            raise NotFound(f"model {name[:80]!r} has no version {version}; its versions are "
                           f"{_listed(members)}", ["version"])
        pinned = read_pinned(store.root, owner)
        pinned.setdefault(name, {})[alias] = version
        write_pinned(store.root, owner, pinned)
    return describe(store, name, reader)


def remove_alias(store: ModelStore, name: str, alias: str,
                 reader: str | None) -> dict[str, Any]:
    """Remove your alias; `best` set by hand goes back to its automatic rule. `default`
    cannot be removed (move it instead)."""
    check_name(name)
    check_alias(alias)
    if alias == "default":
        raise InvalidInput("the alias 'default' cannot be removed: every name has one; move "
                           "it with PUT /api/models/names/{name}/aliases/default", ["alias"])
    owner = _owned_namespace(store, name, reader, "remove")
    with names_lock(store.root, owner):
        pinned = read_pinned(store.root, owner)
        table = pinned.get(name, {})
        if alias not in table and alias not in AUTOMATIC:
            raise NotFound(f"model {name[:80]!r} has no alias {alias!r}; its hand-set aliases "
                           f"are {', '.join(sorted(table)) or 'none'}", ["alias"])
        table.pop(alias, None)
        pinned[name] = table
        write_pinned(store.root, owner, pinned)
    return describe(store, name, reader)
