"""Export and import of model archives: round trip and the checks on an honest archive."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from safetensors.torch import load_file, save

import server.store.disk
from server.errors import PlaygroundError, UnsupportedMedia
from server.nn.analysis import NetworkLimits
from server.nn.build import build_model
from server.nn.spec import NetworkSpec
from server.store.archive import export_zip, import_zip
from server.store.disk import DamagedModel, ModelStore

from .conftest import MANIFEST, PREPROCESSING, SPEC, leftovers, members, visible, zip_of

LIMITS = NetworkLimits()
MAX_BYTES = 1024 * 1024


def _import(store: ModelStore, data: bytes, limits: NetworkLimits = LIMITS) -> str:
    return import_zip(store, data, limits, MAX_BYTES)


def test_export_is_a_zip_of_the_three_files_in_a_folder(store: ModelStore, saved: str) -> None:
    data = export_zip(store, saved)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == [
            f"{saved}/spec.json", f"{saved}/weights.safetensors", f"{saved}/manifest.json"]
        # float weights barely compress: stored as they are (deflating 200 MB takes seconds)
        assert [i.compress_type for i in infos] == [
            zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]
        for info in infos:
            name = info.filename.split("/")[1]
            assert archive.read(info) == (store.root / saved / name).read_bytes()


def test_round_trip_gives_a_new_model_with_the_same_weights(store: ModelStore,
                                                             saved: str) -> None:
    store.update(saved, description="kept")
    new_id = _import(store, export_zip(store, saved))
    assert new_id != saved
    assert sorted(visible(store)) == sorted([saved, new_id])
    old, new = store.root / saved, store.root / new_id
    assert (new / "weights.safetensors").read_bytes() == (old / "weights.safetensors").read_bytes()
    a, b = load_file(str(old / "weights.safetensors")), load_file(str(new / "weights.safetensors"))
    assert a.keys() == b.keys()
    for key in a:  # bit for bit, not merely close
        assert a[key].dtype == b[key].dtype
        assert a[key].numpy().tobytes() == b[key].numpy().tobytes()
    before = json.loads((old / "manifest.json").read_text())
    typed = store.entry(new_id).manifest
    assert typed is not None
    after = typed.to_dict()
    assert after["id"] == new_id
    assert after["imported_from"] == saved
    assert (after["name"], after["description"]) == ("My ../../etc net", "kept")
    assert after["sha256"] == before["sha256"]
    assert {k: after[k] for k in ("classes", "preprocessing", "created")} == {
        k: before[k] for k in ("classes", "preprocessing", "created")}
    spec, _, _ = store.load(new_id)
    assert spec == SPEC
    assert leftovers(store) == []


def test_the_shipped_flag_is_not_imported(store: ModelStore, saved: str) -> None:
    manifest = {**json.loads((store.root / saved / "manifest.json").read_text()),
                "shipped": True, "size_bytes": 1, "imported_from": "forged"}
    new_id = _import(store, zip_of(members(store, saved, manifest=manifest)))  # no top folder
    typed = store.entry(new_id).manifest
    assert typed is not None
    imported = typed.to_dict()
    assert "shipped" not in imported
    assert imported["imported_from"] == saved
    assert imported["size_bytes"] > 1000
    assert store.update(new_id, name="mine now").name == "mine now"


def test_a_damaged_model_is_not_exported(store: ModelStore, saved: str) -> None:
    (store.root / saved / "spec.json").write_text("{}")
    with pytest.raises(DamagedModel, match=r"spec\.json fails its checksum"):
        export_zip(store, saved)


def test_not_a_zip_is_refused_plainly(store: ModelStore) -> None:
    with pytest.raises(UnsupportedMedia) as caught:
        _import(store, b"GIF89a not an archive at all")
    assert caught.value.status == 415
    assert "not a zip archive" in caught.value.msg
    assert "GET /api/models/{id}/export" in caught.value.msg
    assert caught.value.loc == ["file"]


def _refused(store: ModelStore, files: dict[str, bytes], *words: str,
             limits: NetworkLimits = LIMITS, status: int = 422) -> PlaygroundError:
    before = visible(store)
    with pytest.raises(PlaygroundError) as caught:
        _import(store, zip_of(files), limits)
    error = caught.value
    assert (error.status, error.loc) == (status, ["file"]), error.msg
    for word in words:
        assert word in error.msg, error.msg
    assert visible(store) == before  # nothing written
    assert leftovers(store) == []
    return error


def test_weights_of_another_shape_are_listed(store: ModelStore, saved: str) -> None:
    other = NetworkSpec.model_validate({**SPEC.model_dump(), "layers": [
        {"type": "conv2d", "filters": 4, "kernel_size": 3}, {"type": "batch_norm"},
        {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}]})
    tensors = {k: v.contiguous() for k, v in build_model(other).state_dict().items()}
    tensors["extra.bias"] = tensors.pop("layers.1.running_mean")
    error = _refused(store, members(store, saved, weights=save(tensors)),
                     "weights.safetensors does not fit the network in spec.json",
                     "missing layers.1.running_mean", "unexpected extra.bias",
                     "layers.0.weight: (4, 1, 3, 3) float32 where the spec needs (2, 1, 3, 3) "
                     "float32")
    assert "layers.0.bias: (4,)" in error.msg


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_weights_are_refused_by_name(store: ModelStore, saved: str,
                                                value: float) -> None:
    tensors = load_file(str(store.root / saved / "weights.safetensors"))
    tensors["layers.0.weight"][0, 0, 1, 1] = value
    _refused(store, members(store, saved, weights=save(tensors)),
             "weights.safetensors: layers.0.weight holds NaN or infinite values")


def test_weights_of_another_dtype_are_refused(store: ModelStore, saved: str) -> None:
    tensors = load_file(str(store.root / saved / "weights.safetensors"))
    tensors["layers.0.weight"] = tensors["layers.0.weight"].half()
    _refused(store, members(store, saved, weights=save(tensors)),
             "layers.0.weight: (2, 1, 3, 3) float16 where the spec needs (2, 1, 3, 3) float32")


def test_a_spec_over_the_parameter_limit_is_refused(store: ModelStore, saved: str) -> None:
    _refused(store, members(store, saved), "spec.json", "parameters; the limit is 100",
             limits=NetworkLimits(max_params=100))


def test_an_invalid_spec_is_refused(store: ModelStore, saved: str) -> None:
    spec = {**SPEC.model_dump(), "layers": [{"type": "dense", "units": -3}]}
    _refused(store, members(store, saved, spec=spec),
             "spec.json is not a valid network spec: layers.0")
    _refused(store, members(store, saved, spec=b"\xff\xfe{"), "spec.json is not valid UTF-8")


def _manifest(**changes: Any) -> dict[str, Any]:
    return {**MANIFEST, **changes}


@pytest.mark.parametrize(("manifest", "words"), [
    (_manifest(classes=["a", "b"]), ["lists 2 classes", "ends in [3] outputs"]),
    (_manifest(classes=[]), ["classes must be a list"]),
    (_manifest(classes=["a", 2, "c"]), ["classes must be a list"]),
    (_manifest(input_shape=[3, 8, 8]), ["input_shape [3, 8, 8] does not match"]),
    (_manifest(preprocessing=None), ["preprocessing is missing"]),
    (_manifest(preprocessing={**PREPROCESSING, "channels": 3}),
     ["preprocessing.channels is 3 but spec.json's input has 1"]),
    (_manifest(preprocessing={**PREPROCESSING, "std": [0.0]}), ["preprocessing.std must be 1"]),
    (_manifest(preprocessing={**PREPROCESSING, "mean": [0.1, 0.2]}),
     ["preprocessing.mean must be 1"]),
    (_manifest(preprocessing={**PREPROCESSING, "scale": "x"}), ["preprocessing.scale must"]),
    (_manifest(preprocessing={**PREPROCESSING, "resize": "stretch"}),
     ["preprocessing.resize is 'stretch'", "fit_pad"]),
    (_manifest(preprocessing={**PREPROCESSING, "content_fraction": 2}),
     ["content_fraction must be in (0, 1]"]),
    (_manifest(name="x" * 300), ["manifest.json: name", "limit is 200"]),
    (_manifest(name="a\x00b"), ["manifest.json: name", "control character"]),
    (_manifest(name=["list"]), ["manifest.json name must be text"]),
    (_manifest(metrics=[0.9]), ["manifest.json metrics must be an object"]),
    (_manifest(metrics={"test_accuracy": 7}), ["test_accuracy must be a number from 0 to 1"]),
])
def test_bad_manifests_are_refused(store: ModelStore, saved: str, manifest: dict[str, Any],
                                   words: list[str]) -> None:
    _refused(store, members(store, saved, manifest=manifest), *words)


@pytest.mark.parametrize("raw", [b"[1, 2]", b'{"classes": NaN}', b"{" * 100_000, b"\x00"])
def test_unreadable_manifests_are_refused(store: ModelStore, saved: str, raw: bytes) -> None:
    _refused(store, members(store, saved, manifest=raw), "manifest.json")


def test_an_import_that_crashes_while_saving_leaves_nothing(
        store: ModelStore, saved: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = export_zip(store, saved)

    def crash(tensors: object, filename: str) -> None:
        Path(filename).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(server.store.disk, "save_file", crash)
    with pytest.raises(OSError, match="disk full"):
        _import(store, data)
    assert visible(store) == [saved]
    assert leftovers(store) == []


def test_checksums_in_the_archive_are_not_trusted(store: ModelStore, saved: str) -> None:
    manifest = {**MANIFEST, "sha256": {"spec.json": "0" * 64}}
    new_id = _import(store, zip_of(members(store, saved, manifest=manifest)))
    recorded = store.entry(new_id).manifest
    assert recorded is not None
    assert recorded.sha256 is not None
    spec_bytes = (store.root / new_id / "spec.json").read_bytes()
    assert recorded.sha256["spec.json"] == hashlib.sha256(spec_bytes).hexdigest()
