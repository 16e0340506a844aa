"""Names, versions and aliases in the store (store.names, store.naming): numbering per
(owner, name), concurrent saves, older models without a version, aliases that move, fall
back and are removed, and resolve()."""

from __future__ import annotations

import json
import multiprocessing
import threading
from pathlib import Path
from typing import Any

import pytest

from server.errors import Forbidden, InvalidInput, NotFound, PlaygroundError
from server.store import ModelStore, resolve
from server.store.naming import describe, move_alias, name_index, remove_alias

from .conftest import MANIFEST, SPEC, small_model


def save(store: ModelStore, name: str, owner: str | None = None,
         accuracy: float | None = None, **extra: Any) -> str:
    manifest = {**MANIFEST, **extra, "metrics": {} if accuracy is None
                else {"test_accuracy": accuracy}}
    if owner:
        manifest.update(owner=owner, visibility="private")
    return store.save(name, SPEC, small_model(), manifest)


def version_of(store: ModelStore, model_id: str) -> int:
    return name_index(store, store.entries())[model_id][0]


def test_saving_under_one_name_adds_versions_per_owner(store: ModelStore) -> None:
    first, second = save(store, "digits", "s1"), save(store, "digits", "s1")
    other_name, other_owner = save(store, "letters", "s1"), save(store, "digits", "s2")
    public = save(store, "digits")
    assert [version_of(store, i) for i in (first, second, other_name, other_owner, public)] \
        == [1, 2, 1, 1, 1]
    manifest = store.manifest(second)
    assert manifest is not None
    assert manifest.version == 2
    assert resolve(store, "digits", reader="s1") == second  # default: the newest
    assert resolve(store, "digits", version=1, reader="s1") == first
    assert resolve(store, "digits", reader="s2") == other_owner
    assert resolve(store, "digits", reader="s3") == public  # the global namespace
    assert resolve(store, "digits") == public


def test_concurrent_saves_get_distinct_versions(store: ModelStore) -> None:
    ids: list[str] = []
    barrier = threading.Barrier(6)

    def one() -> None:
        barrier.wait()
        ids.append(save(store, "race", "s1"))

    threads = [threading.Thread(target=one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    manifests = [store.manifest(i) for i in ids]
    assert sorted(m.version or 0 for m in manifests if m is not None) == [1, 2, 3, 4, 5, 6]


def _save_three(root: str, start: Any) -> None:
    start.wait()
    store = ModelStore(Path(root))
    for _ in range(3):
        save(store, "race", "s1")


def test_saves_from_two_processes_get_distinct_versions(store: ModelStore) -> None:
    """Replicas sharing one store: only the flock on the store folder orders them."""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(2)
    workers = [context.Process(target=_save_three, args=(str(store.root), start))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0]
    found = [m.version for m in (e.manifest for e in store.entries()) if m is not None]
    assert sorted(v or 0 for v in found) == [1, 2, 3, 4, 5, 6]


def test_models_saved_before_versions_are_numbered_by_creation(store: ModelStore) -> None:
    ids = [save(store, "old", "s1", created=f"2025-01-0{day}T00:00:00Z") for day in (3, 1, 2)]
    for model_id in ids:  # as an older app wrote them: no version
        path = store.root / model_id / "manifest.json"
        document = json.loads(path.read_text())
        del document["version"]
        path.write_text(json.dumps(document))
    assert [version_of(store, i) for i in ids] == [3, 1, 2]
    newer = save(store, "old", "s1")
    assert version_of(store, newer) == 4
    assert resolve(store, "old", reader="s1") == newer
    assert "version" not in json.loads((store.root / ids[0] / "manifest.json").read_text())


def test_default_and_best_follow_their_rule_until_moved(store: ModelStore) -> None:
    v1, v2, v3 = (save(store, "net", "s1", accuracy=a) for a in (0.5, 0.9, 0.7))
    assert name_index(store, store.entries())[v2] == (2, ["best"])
    assert name_index(store, store.entries())[v3] == (3, ["default"])
    assert resolve(store, "net", alias="best", reader="s1") == v2
    view = move_alias(store, "net", "default", 1, "s1")
    assert view["aliases"] == {"best": 2, "default": 1}
    assert view["set_by_hand"] == ["default"]
    v4 = save(store, "net", "s1", accuracy=0.95)
    assert resolve(store, "net", reader="s1") == v1  # set by hand: stays
    assert resolve(store, "net", alias="best", reader="s1") == v4  # automatic: moves
    move_alias(store, "net", "best", 3, "s1")
    assert remove_alias(store, "net", "best", "s1")["aliases"]["best"] == 4  # automatic again


def test_deleting_a_version_removes_the_aliases_set_on_it(store: ModelStore) -> None:
    v1, v2, v3 = (save(store, "net", "s1") for _ in range(3))
    move_alias(store, "net", "default", 2, "s1")
    move_alias(store, "net", "prod", 2, "s1")
    move_alias(store, "net", "old", 1, "s1")
    store.delete(v2)
    view = describe(store, "net", "s1")
    assert view["aliases"] == {"default": 3, "old": 1}  # default: the newest remaining
    with pytest.raises(NotFound) as caught:
        resolve(store, "net", alias="prod", reader="s1")
    assert "'prod'" in caught.value.msg
    assert "default, old" in caught.value.msg
    store.delete(v3)
    assert resolve(store, "net", reader="s1") == v1
    v_next = save(store, "net", "s1")  # the highest remaining + 1: 2 again, no stale alias
    assert version_of(store, v_next) == 2
    assert describe(store, "net", "s1")["aliases"] == {"default": 2, "old": 1}


def test_renaming_gives_the_next_version_of_the_new_name(store: ModelStore) -> None:
    save(store, "target", "s1")
    moved = save(store, "source", "s1")
    store.update(moved, name="target")
    assert version_of(store, moved) == 2
    assert resolve(store, "target", reader="s1") == moved


def test_another_sessions_name_is_not_found(store: ModelStore) -> None:
    private = save(store, "secret", "s1")
    for action in (lambda: resolve(store, "secret", reader="s2"),
                   lambda: describe(store, "secret", "s2"),
                   lambda: move_alias(store, "secret", "prod", 1, "s2"),
                   lambda: resolve(store, private, reader="s2")):
        with pytest.raises(NotFound) as caught:
            action()
        assert "GET /api/models" in caught.value.msg
    public = save(store, "shared")
    assert resolve(store, public, reader="s2") == public
    with pytest.raises(Forbidden) as refused:  # the server's name: used, not changed
        move_alias(store, "shared", "prod", 1, "s2")
    assert "operator" in refused.value.msg


@pytest.mark.parametrize("alias", ["Default", "1st", "a" * 33, "../x", "", "a b", "pr\u00f6d",
                                   "x\x00", "-x", "a/b"])
def test_hostile_alias_names_are_refused(store: ModelStore, alias: str) -> None:
    save(store, "net", "s1")
    for action in (lambda: move_alias(store, "net", alias, 1, "s1"),
                   lambda: remove_alias(store, "net", alias, "s1"),
                   lambda: resolve(store, "net", alias=alias, reader="s1")):
        with pytest.raises(InvalidInput) as caught:
            action()
        assert caught.value.loc == ["alias"]
        assert "lowercase letters" in caught.value.msg
    assert not (store.root / "_names").exists()  # nothing written


@pytest.mark.parametrize(("call", "error", "loc", "fragment"), [
    ({"version": 3}, NotFound, ["version"], "its versions are 1, 2"),
    ({"version": 0}, InvalidInput, ["version"], "numbered from 1"),
    ({"version": 1, "alias": "best"}, InvalidInput, ["alias"], "not both"),
    ({"alias": "nope"}, NotFound, ["alias"], "its aliases are default"),
    ({"name": "nope"}, NotFound, ["name"], "no model named 'nope'"),
    ({"name": "x" * 201}, InvalidInput, ["name"], "1 to 200"),
    ({"by_id": True, "version": 2}, NotFound, ["version"], "is version 1, not 2"),
    ({"by_id": True, "alias": "default"}, InvalidInput, ["alias"], "goes with a model name"),
])
def test_resolve_explains_what_it_cannot_find(store: ModelStore, call: dict[str, Any],
                                              error: type[PlaygroundError], loc: list[str],
                                              fragment: str) -> None:
    first = save(store, "net", "s1")
    save(store, "net", "s1")
    target = first if call.pop("by_id", False) else call.pop("name", "net")
    with pytest.raises(error) as caught:
        resolve(store, target, reader="s1", **call)
    assert caught.value.loc == loc
    assert fragment in caught.value.msg


def test_default_cannot_be_removed_and_unknown_aliases_are_not_found(store: ModelStore) -> None:
    save(store, "net", "s1")
    with pytest.raises(InvalidInput, match="cannot be removed"):
        remove_alias(store, "net", "default", "s1")
    with pytest.raises(NotFound, match="hand-set aliases are none"):
        remove_alias(store, "net", "prod", "s1")
    with pytest.raises(NotFound, match="no version 5"):
        move_alias(store, "net", "prod", 5, "s1")
