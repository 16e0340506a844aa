"""The model store: atomic saves, checksums and damaged folders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

import server.store.disk
from server.store.disk import DamagedModel, ModelStore

from .conftest import MANIFEST, SPEC, leftovers, small_model, visible


def test_round_trip_predicts_the_same(store: ModelStore, saved: str) -> None:
    assert saved.startswith("my-etc-net-")  # a name is never a path
    assert sorted(p.name for p in (store.root / saved).iterdir()) == [
        "manifest.json", "spec.json", "weights.safetensors"]
    spec, loaded, manifest = store.load(saved)
    assert spec == SPEC
    assert manifest.name == "My ../../etc net"
    x = torch.randn(4, 1, 8, 8)
    with torch.no_grad():
        assert torch.equal(loaded(x), small_model()(x))
    assert leftovers(store) == []


def _flip_one_byte(folder: Path) -> None:
    path = folder / "weights.safetensors"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01  # the last byte of the last tensor: same size, still parses
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(("damage", "reason"), [
    (lambda d: (d / "weights.safetensors").write_bytes(b"x" * 10), "weights.safetensors fails"),
    (_flip_one_byte, "weights.safetensors fails its checksum"),
    (lambda d: (d / "spec.json").unlink(), "spec.json is missing"),
    (lambda d: (d / "manifest.json").write_text("{not json"), "manifest.json is missing or"),
    (lambda d: (d / "manifest.json").write_text("[1, 2]"), "manifest.json is missing or"),
])
def test_damaged_folders_are_found_and_never_served(
        store: ModelStore, saved: str, damage: Callable[[Path], None], reason: str) -> None:
    damage(store.root / saved)
    damaged = store.entry(saved).damaged  # verified: checksums
    assert damaged is not None
    assert damaged.startswith(reason)
    with pytest.raises(DamagedModel, match="is damaged") as caught:
        store.load(saved)
    assert caught.value.status == 409


def test_staging_folders_and_presets_are_not_models(tmp_path: Path) -> None:
    (tmp_path / ".tmp-half-written").mkdir()
    (tmp_path / ".tmp-half-written" / "spec.json").write_text("{}")
    (tmp_path / ".trash-old-model-1234").mkdir()
    (tmp_path / ".trash-old-model-1234" / "manifest.json").write_text("{}")
    (tmp_path / "presets").mkdir()
    (tmp_path / "presets" / "spec.json").write_text("{}")
    assert ModelStore(tmp_path).entries() == []


class Crash(Exception):
    """Stands for the process dying in the middle of a save."""


def _crash_on(name: str) -> Callable[..., Any]:
    real = server.store.disk._write

    def write(path: Path, data: bytes) -> None:
        if path.name == name:
            path.write_bytes(data[: len(data) // 2])  # half a file, then the crash
            raise Crash(name)
        real(path, data)

    return write


@pytest.mark.parametrize("crash_at", ["spec.json", "manifest.json", "weights", "rename"])
def test_a_crash_mid_save_leaves_no_half_model(store: ModelStore, saved: str,
                                               monkeypatch: pytest.MonkeyPatch,
                                               crash_at: str) -> None:
    if crash_at == "weights":
        def save_file(tensors: dict[str, torch.Tensor], filename: str) -> None:
            Path(filename).write_bytes(b"\x00" * 100)
            raise Crash(crash_at)
        monkeypatch.setattr(server.store.disk, "save_file", save_file)
    elif crash_at == "rename":
        def rename(self: Path, target: Path) -> None:
            raise Crash(crash_at)
        monkeypatch.setattr(Path, "rename", rename)
    else:
        monkeypatch.setattr(server.store.disk, "_write", _crash_on(crash_at))
    with pytest.raises(Crash):
        store.save("second model", SPEC, small_model(1), dict(MANIFEST))
    assert visible(store) == [saved]  # only the model saved before; nothing half-written
    assert leftovers(store) == []  # and the staging folder is gone
    assert [e.damaged for e in store.entries()] == [None]


def test_a_staging_folder_left_by_a_killed_process_is_invisible(store: ModelStore,
                                                                saved: str) -> None:
    """A crash that skips the cleanup (kill -9) leaves a hidden folder, never a model."""
    staging = store.root / ".tmp-killed-20260101-abcdef"
    staging.mkdir()
    (staging / "spec.json").write_text(SPEC.model_dump_json())
    assert visible(store) == [saved]
