"""Hostile archives: path traversal, links, zip bombs, pickles. All refused before writing."""

from __future__ import annotations

import io
import os
import pickle
import struct
import zipfile
from pathlib import Path

import pytest
import torch

from server.errors import PlaygroundError, TooLarge
from server.nn.analysis import NetworkLimits
from server.store import ModelStore
from server.store.archive import import_zip

from .conftest import leftovers, members, visible, zip_of

MAX_BYTES = 256 * 1024


def _refused(store: ModelStore, data: bytes, *words: str, status: int = 422) -> PlaygroundError:
    before = visible(store)
    with pytest.raises(PlaygroundError) as caught:
        import_zip(store, data, NetworkLimits(), MAX_BYTES)
    error = caught.value
    assert (error.status, error.loc) == (status, ["file"]), error.msg
    for word in words:
        assert word in error.msg, error.msg
    assert visible(store) == before
    assert leftovers(store) == []
    return error


@pytest.mark.parametrize("bad_name", [
    "../spec.json", "model/../../spec.json", "/etc/spec.json", "model//spec.json",
    "C:/spec.json", "model\\..\\spec.json", "./spec.json"])
def test_paths_outside_the_archive_are_refused(store: ModelStore, saved: str,
                                               bad_name: str) -> None:
    files = members(store, saved)
    files[bad_name] = files.pop("spec.json")
    _refused(store, zip_of(files), "unsafe path")
    assert not (store.root.parent / "spec.json").exists()


def test_symbolic_links_are_refused(store: ModelStore, saved: str) -> None:
    files = {**members(store, saved), "spec.json": b"/etc/passwd"}
    _refused(store, zip_of(files, links=("spec.json",)), "'spec.json' is a symbolic link")


@pytest.mark.parametrize(("change", "words"), [
    (lambda f: f.pop("manifest.json"), ["lacks manifest.json"]),
    (lambda f: f.update({"notes.txt": b"hi"}), ["'notes.txt' is not expected"]),
    (lambda f: f.update({"a/b/spec.json": f.pop("spec.json")}), ["'a/b/spec.json' is not"]),
    (lambda f: f.update({"one/spec.json": f.pop("spec.json")}), ["several folders"]),
    (lambda f: f.update({f"m{i}/": b"" for i in range(20)}), ["holds 23 entries"]),
])
def test_anything_but_the_three_files_is_refused(store: ModelStore, saved: str,
                                                 change: object, words: list[str]) -> None:
    files = members(store, saved)
    change(files)  # type: ignore[operator]
    _refused(store, zip_of(files), *words)


def test_a_duplicated_member_is_refused(store: ModelStore, saved: str) -> None:
    files = members(store, saved)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("spec.json", b"{}")
    _refused(store, buffer.getvalue(), "holds spec.json twice")


def test_a_zip_bomb_is_stopped_at_the_limit(store: ModelStore, saved: str) -> None:
    bomb = b"\x00" * (64 * MAX_BYTES)  # 16 MB of zeros deflate to about 16 KB
    data = zip_of({**members(store, saved), "weights.safetensors": bomb})
    assert len(data) < MAX_BYTES / 8
    _refused(store, data, "weights.safetensors unpacks to more than 255.",
             "of the 256.0 KB archive limit (setting CNNPG_MAX_MODEL_BYTES)",
             status=413)


def _lie_about_size(data: bytes, member: str, size: int) -> bytes:
    """Rewrite the central directory so `member` claims `size` bytes uncompressed."""
    out = bytearray(data)
    start = 0
    while (start := out.find(b"PK\x01\x02", start)) >= 0:
        name_length = struct.unpack_from("<H", out, start + 28)[0]
        if out[start + 46:start + 46 + name_length].decode().endswith(member):
            struct.pack_into("<I", out, start + 24, size)
        start += 4
    return bytes(out)


def test_sizes_in_the_headers_are_not_trusted(store: ModelStore, saved: str) -> None:
    """A member that claims 100 bytes but inflates to 16 MB is never inflated past its claim
    (then fails its CRC): memory stays bounded whatever the headers say."""
    bomb = b"\x00" * (64 * MAX_BYTES)
    honest = zip_of({**members(store, saved), "weights.safetensors": bomb})
    lying = _lie_about_size(honest, "weights.safetensors", 100)
    with zipfile.ZipFile(io.BytesIO(lying)) as archive:
        assert archive.getinfo("weights.safetensors").file_size == 100
    _refused(store, lying, "weights.safetensors cannot be unpacked")


def test_an_honest_member_over_the_limit_is_refused(store: ModelStore, saved: str) -> None:
    data = zip_of({**members(store, saved), "weights.safetensors": os.urandom(MAX_BYTES + 1)})
    error = _refused(store, data, "weights.safetensors", status=413)
    assert isinstance(error, TooLarge)


def test_the_total_size_is_limited(store: ModelStore, saved: str) -> None:
    """Each member under the limit, all three together over it."""
    files = members(store, saved)
    padding = MAX_BYTES - len(files["spec.json"]) - 10
    files["weights.safetensors"] = os.urandom(padding)
    _refused(store, zip_of(files), "manifest.json unpacks to more than", status=413)


class Payload:
    """Unpickling this creates the marker file: proof that a pickle was loaded."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.mkdir, (str(self.marker),)


def test_a_pickle_disguised_as_weights_is_never_unpickled(store: ModelStore, saved: str,
                                                          tmp_path: Path) -> None:
    proof = tmp_path / "payload-works"
    pickle.loads(pickle.dumps(Payload(proof)))  # our own payload: it does work
    assert proof.is_dir()
    marker = tmp_path / "unpickled"
    weights = pickle.dumps({"layers.0.weight": Payload(marker)})
    error = _refused(store, zip_of(members(store, saved, weights=weights)),
                     "weights.safetensors is not safetensors but looks like a Python pickle",
                     "never loaded", "safetensors.torch.save_file")
    assert not marker.exists()
    assert "unpickled" not in error.msg


@pytest.mark.parametrize("protocol", [0, 2, 5])
def test_pickles_of_any_protocol_are_refused(store: ModelStore, saved: str, tmp_path: Path,
                                             protocol: int) -> None:
    marker = tmp_path / "unpickled"
    weights = pickle.dumps([Payload(marker)], protocol=protocol)
    _refused(store, zip_of(members(store, saved, weights=weights)), "weights.safetensors")
    assert not marker.exists()


def test_a_torch_save_file_is_refused(store: ModelStore, saved: str) -> None:
    buffer = io.BytesIO()
    torch.save({"layers.0.weight": torch.zeros(2, 1, 3, 3)}, buffer)
    _refused(store, zip_of(members(store, saved, weights=buffer.getvalue())),
             "looks like a Python pickle (torch.save / .pt / .pth)")


def test_garbage_weights_are_refused(store: ModelStore, saved: str) -> None:
    _refused(store, zip_of(members(store, saved, weights=b"\x10\x00\x00\x00\x00\x00\x00\x00"
                                                        b"{not a header}  ")),
             "weights.safetensors is not a valid safetensors file")


def test_an_encrypted_member_is_refused(store: ModelStore, saved: str) -> None:
    data = bytearray(zip_of(members(store, saved)))
    start = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, start + 8, struct.unpack_from("<H", data, start + 8)[0] | 1)
    _refused(store, bytes(data), "is encrypted")
