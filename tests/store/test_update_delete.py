"""Renaming, describing and deleting models; the shipped model is read-only."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from server.errors import InvalidInput, NotFound, PlaygroundError
from server.store.disk import ModelStore, ReadOnlyModel

from .conftest import leftovers, visible


def _manifest(store: ModelStore, model_id: str) -> dict[str, object]:
    return dict(json.loads((store.root / model_id / "manifest.json").read_text()))


def _ship(store: ModelStore, model_id: str) -> None:
    path = store.root / model_id / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "shipped": True}))


def test_update_rewrites_the_manifest_and_keeps_the_checksums(store: ModelStore,
                                                              saved: str) -> None:
    before = _manifest(store, saved)
    returned = store.update(saved, name="  Digits, v2 ✓  ",
                            description="line one\nline two").to_dict()
    assert returned == _manifest(store, saved)
    assert returned["name"] == "Digits, v2 ✓"
    assert returned["description"] == "line one\nline two"
    assert {k: v for k, v in returned.items() if k not in ("name", "description")} == {
        k: v for k, v in before.items() if k != "name"}
    assert store.entry(saved).damaged is None
    assert store.update(saved, description="").name == "Digits, v2 ✓"  # name untouched
    assert leftovers(store) == []


@pytest.mark.parametrize(("field", "value", "words"), [
    ("name", "   ", ["name is empty", "1 to 200"]),
    ("name", "x" * 201, ["name 'xxxx", "201 characters", "limit is 200"]),
    ("name", "bell\x07", ["name 'bell\\x07'", "control character"]),
    ("name", "two\nlines", ["control character '\\n'"]),
    ("description", "y" * 2001, ["description 'yyyy", "limit is 2000"]),
    ("description", "esc \x1b[31m", ["control character '\\x1b'", "line breaks and tabs"]),
])
def test_bad_names_and_descriptions_are_refused(store: ModelStore, saved: str, field: str,
                                                value: str, words: list[str]) -> None:
    before = (store.root / saved / "manifest.json").read_bytes()
    with pytest.raises(InvalidInput) as caught:
        store.update(saved, **{field: value})
    assert caught.value.loc == [field]
    for word in words:
        assert word in caught.value.msg
    assert len(caught.value.msg) < 200  # the value is quoted truncated
    assert (store.root / saved / "manifest.json").read_bytes() == before


def test_a_crash_while_updating_keeps_the_old_manifest(store: ModelStore, saved: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    before = (store.root / saved / "manifest.json").read_bytes()

    def replace(src: object, dst: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="disk gone"):
        store.update(saved, name="new name")
    monkeypatch.undo()
    assert (store.root / saved / "manifest.json").read_bytes() == before
    assert leftovers(store) == []
    assert store.entry(saved).damaged is None


def test_delete_removes_the_folder(store: ModelStore, saved: str) -> None:
    store.delete(saved)
    assert visible(store) == []
    assert sorted(os.listdir(store.root)) == []
    with pytest.raises(NotFound):
        store.delete(saved)


def test_a_crash_while_deleting_leaves_no_visible_model(store: ModelStore, saved: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder leaves the listing in one rename; files left by a crash stay hidden."""
    monkeypatch.setattr(shutil, "rmtree", lambda *a, **k: None)
    store.delete(saved)
    monkeypatch.undo()
    assert visible(store) == []
    assert [p.startswith(f".trash-{saved}-") for p in os.listdir(store.root)] == [True]


@pytest.mark.parametrize("damage", ["{broken", "[]"])
def test_damaged_models_can_be_deleted(store: ModelStore, saved: str, damage: str) -> None:
    (store.root / saved / "manifest.json").write_text(damage)
    assert store.entry(saved).damaged is not None
    store.delete(saved)
    assert visible(store) == []


@pytest.mark.parametrize("model_id", ["../models", "no-such-model-1", ".trash-x", "presets",
                                      "presets/..", "empty-folder"])
def test_unknown_ids_are_not_found(store: ModelStore, saved: str, model_id: str) -> None:
    (store.root / "presets").mkdir()
    (store.root / "presets" / "lenet.json").write_text("{}")
    (store.root / "empty-folder").mkdir()
    for action in (store.delete, lambda i: store.update(i, name="x")):
        with pytest.raises(NotFound) as caught:
            action(model_id)
        assert caught.value.status == 404
    assert visible(store) == [saved]
    assert (store.root / "presets" / "lenet.json").exists()


def test_the_shipped_model_is_read_only(store: ModelStore, saved: str) -> None:
    _ship(store, saved)
    before = sorted((p.name, p.read_bytes()) for p in (store.root / saved).iterdir())
    for action in (lambda: store.update(saved, name="mine"), lambda: store.delete(saved)):
        with pytest.raises(ReadOnlyModel) as caught:
            action()
        error: PlaygroundError = caught.value
        assert (error.status, error.kind, error.loc) == (403, "forbidden", ["model_id"])
        assert f"the shipped model {saved!r}" in error.msg
        assert "read-only" in error.msg
        assert "export it and import a copy" in error.msg
    assert sorted((p.name, p.read_bytes()) for p in (store.root / saved).iterdir()) == before
    assert visible(store) == [saved]


def test_a_copy_of_the_shipped_model_without_the_flag_can_change(store: ModelStore,
                                                                  saved: str) -> None:
    _ship(store, saved)
    copy = "copy-of-shipped-1"
    shutil.copytree(store.root / saved, store.root / copy)
    path: Path = store.root / copy / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "shipped": False}))
    assert store.update(copy, name="changed").name == "changed"
    store.delete(copy)
    assert visible(store) == [saved]
