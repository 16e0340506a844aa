"""The typed Manifest reads every manifest written so far and writes the same keys back.

fixtures/ holds what the code before the Manifest wrote (commit 9735f48): the shipped
model's manifest.json and that model exported with `cnn-playground models export`.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import torch

from server.inference.predictor import Predictor
from server.nn.analysis import NetworkLimits
from server.store.archive import export_zip, import_zip
from server.store.disk import ModelStore
from server.store.listing import listing
from server.store.manifest import Manifest

from .conftest import MANIFEST, SPEC, small_model

FIXTURES = Path(__file__).parent / "fixtures"
SHIPPED = FIXTURES / "shipped-manifest.json"
EXPORTED = FIXTURES / "lenet-exported-9735f48.zip"
SHIPPED_ID = "lenet-mnist-shipped-20261124-078ce5"


def _zip_manifest(data: bytes) -> dict[str, object]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith("manifest.json")]
        return dict(json.loads(archive.read(name)))


def test_the_shipped_manifest_reads_and_writes_back_unchanged() -> None:
    document = json.loads(SHIPPED.read_text())
    manifest = Manifest.model_validate(document)
    assert manifest.id == SHIPPED_ID
    assert manifest.shipped is True
    assert manifest.classes == [str(i) for i in range(10)]
    assert manifest.input_shape == [1, 28, 28]
    assert manifest.dataset == "mnist"
    assert manifest.preprocessing is not None
    assert manifest.preprocessing["resize"] == "fit_pad"
    assert manifest.test_accuracy is not None
    assert manifest.test_accuracy > 0.97
    assert manifest.is_public
    assert manifest.to_dict() == document  # every key and value, nothing added
    assert json.loads(manifest.to_json()) == document


def test_the_exported_zip_reads_and_writes_back_unchanged() -> None:
    document = _zip_manifest(EXPORTED.read_bytes())
    manifest = Manifest.model_validate(document)
    assert manifest.id == SHIPPED_ID
    assert "owner" not in document
    assert "visibility" not in document
    assert manifest.to_dict() == document


def test_the_exported_zip_imports_and_predicts(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    new_id = import_zip(store, EXPORTED.read_bytes(), NetworkLimits(), 64 * 1024 * 1024)
    entry = store.entry(new_id)
    assert entry.damaged is None
    assert entry.manifest is not None
    assert entry.manifest.imported_from == SHIPPED_ID
    assert entry.manifest.name == json.loads(SHIPPED.read_text())["name"]
    assert entry.manifest.shipped is None  # the flag is never imported
    row = listing(entry)
    assert (row["classes"], row["dataset"], row["visibility"]) == (
        [str(i) for i in range(10)], "mnist", "public")
    loaded = Predictor(store).get(new_id)
    assert loaded.preprocessing.height == 28
    assert loaded.probabilities(torch.zeros(1, 1, 28, 28)).shape == (1, 10)
    # exported again, the archive's manifest has the keys the original export had
    again = _zip_manifest(export_zip(store, new_id))
    first = _zip_manifest(EXPORTED.read_bytes())
    assert set(again) == (set(first) - {"shipped"}) | {"imported_from", "version"}


def test_a_saved_manifest_has_the_keys_given_plus_the_stores(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    given = {**MANIFEST, "parent_run": None, "owner": "s1", "visibility": "private",
             "future_field": {"kept": [1, 2]}}
    model_id = store.save("Net", SPEC, small_model(), given)
    written = json.loads((store.root / model_id / "manifest.json").read_text())
    assert set(written) == set(given) | {"id", "name", "version", "created", "size_bytes",
                                         "sha256"}
    assert written["future_field"] == {"kept": [1, 2]}
    assert written["parent_run"] is None
    store.update(model_id, description="d")
    rewritten = json.loads((store.root / model_id / "manifest.json").read_text())
    assert rewritten == {**written, "description": "d"}


def test_an_old_minimal_manifest_still_reads() -> None:
    manifest = Manifest.model_validate({"sha256": {"spec.json": "0" * 64}})
    assert manifest.classes == []
    assert manifest.name is None
    assert manifest.is_public
    assert manifest.to_dict() == {"sha256": {"spec.json": "0" * 64}}


def test_values_are_written_back_as_json_dumps_wrote_them() -> None:
    raw = json.dumps({"seed": 3, "history": [{"val_loss": float("nan")}]}, indent=1)
    assert Manifest.model_validate(json.loads(raw)).to_json().decode() == raw
