"""`cnn-playground predict` and `models ...` in a real subprocess, against a temp store."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from inference.conftest import model_id, png, shipped_folder

from server.config import PROJECT_ROOT, Settings
from server.datasets.registry import DatasetRegistry


def cli(*args: str | Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server", *map(str, args)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, input=stdin, timeout=120)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-store")
    shutil.copytree(shipped_folder(), folder / shipped_folder().name)
    return folder


def test_predict_prints_a_table_and_json_equal_to_the_api(
        store: Path, api: TestClient, tmp_path: Path) -> None:
    images, labels = DatasetRegistry(Settings().datasets_dir).load("mnist", "test")
    files = []
    for i in range(3):
        files.append(tmp_path / f"digit{i}.png")
        files[-1].write_bytes(png(images[i, ..., 0]))
    model = shipped_folder().name
    table = cli("predict", model, *files, "--models-dir", store)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert [line.split()[1] for line in lines] == [str(v) for v in labels[:3]]
    as_json = json.loads(cli("predict", model, files[0], "--json", "--top-k", "10",
                             "--models-dir", store).stdout)
    ours = as_json["results"][0]["predictions"]
    theirs = api.post(f"/api/models/{model_id(api, 'shipped')}/predict?top_k=10",
                      files={"file": ("d.png", files[0].read_bytes())}).json()["predictions"]
    assert [p["index"] for p in ours] == [p["index"] for p in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert a["probability"] == pytest.approx(b["probability"], abs=1e-6)


def test_predict_reports_each_bad_file_and_fails(store: Path, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    good = tmp_path / "blank.png"
    good.write_bytes(png(np.zeros((28, 28), np.uint8)))
    result = cli("predict", shipped_folder().name, good, text, tmp_path / "missing.png",
                 "--models-dir", store)
    assert result.returncode == 1
    assert "not an accepted image" in result.stdout
    assert "cannot read it (No such file or directory)" in result.stdout
    unknown = cli("predict", "no-such-model", good, "--models-dir", store)
    assert unknown.returncode == 1
    assert "no model 'no-such-model'" in unknown.stderr


def test_models_list_and_show(store: Path) -> None:
    listing = cli("models", "list", "--models-dir", store)
    assert listing.returncode == 0
    assert shipped_folder().name in listing.stdout
    assert "mnist" in listing.stdout
    rows = json.loads(cli("models", "list", "--json", "--models-dir", store).stdout)
    assert [r["id"] for r in rows] == [shipped_folder().name]
    shown = cli("models", "show", shipped_folder().name, "--models-dir", store)
    assert "conv2d" in shown.stdout
    assert "1,256,080 parameters" in shown.stdout


@pytest.mark.parametrize("command", [[], ["predict"], ["models"], ["models", "export"],
                                     ["serve"], ["train"], ["datasets"]])
def test_every_command_has_help_with_examples(command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: cnn-playground" in result.stdout
    assert "examples:" in result.stdout
