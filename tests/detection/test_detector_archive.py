"""A detector's zip exports and imports back (its classes are its head's, not its output
size), and a manifest whose classes do not match the head is refused."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import torch

from server.detection.detector import yolo_tiny, yolo_tiny_spec
from server.errors import InvalidInput
from server.nn.analysis import NetworkLimits
from server.store import ModelStore
from server.store.archive import export_zip, import_zip
from server.training.detection_session import PREPROCESSING


def test_a_detector_round_trips_through_its_zip(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    torch.manual_seed(0)
    model = yolo_tiny()
    model_id = store.save("yolo", yolo_tiny_spec(), model, {
        "task": "detection", "classes": [str(i) for i in range(10)],
        "input_shape": [1, 96, 96], "preprocessing": PREPROCESSING.describe(),
        "dataset": "mnist-detect"})
    data = export_zip(store, model_id)
    again = import_zip(store, data, NetworkLimits(), 50 * 2**20)
    _, loaded, manifest = store.load(again)
    assert manifest.model_extra is not None
    assert manifest.model_extra["task"] == "detection"
    x = torch.randn(2, 1, 96, 96)
    with torch.no_grad():
        assert torch.equal(loaded.eval()(x), model.eval()(x))
    # Nine class names for a head of ten: refused, naming both numbers.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as copy:
        for item in source.infolist():
            body = source.read(item)
            if item.filename.endswith("manifest.json"):
                manifest_json = json.loads(body)
                manifest_json["classes"] = manifest_json["classes"][:9]
                body = json.dumps(manifest_json).encode()
            copy.writestr(item, body)
    with pytest.raises(InvalidInput, match="lists 9 classes but the detection_head"):
        import_zip(store, out.getvalue(), NetworkLimits(), 50 * 2**20)
