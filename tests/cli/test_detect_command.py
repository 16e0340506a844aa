"""`cnn-playground train` a detector and `cnn-playground detect` with it, in real
subprocesses against a temp store; a classifier and a bad threshold are refused."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from inference.conftest import png, shipped_folder

from server.config import PROJECT_ROOT, Settings
from server.datasets.registry import DatasetRegistry
from server.detection import scene_cache


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server", *map(str, args)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=300)


def test_train_a_detector_then_detect_digits_in_a_picture(tmp_path: Path) -> None:
    store = tmp_path / "models"
    trained = cli("train", "--preset", "yolo-tiny-mnist", "--dataset", "mnist-detect",
                  "--epochs", "1", "--max-train-samples", "300", "--batch-size", "32",
                  "--lr", "0.003", "--threads", "2", "--models-dir", store)
    assert trained.returncode == 0, trained.stderr
    assert "test mAP@0.5" in trained.stdout
    model = next(store.iterdir()).name
    registry = DatasetRegistry(Settings().datasets_dir)
    scenes = scene_cache.load_scenes(registry.scenes_dir, registry, "test")
    picture = tmp_path / "scene.png"
    picture.write_bytes(png(scenes.images[5][..., 0]))
    missing = tmp_path / "missing.png"
    table = cli("detect", model, picture, missing, "--score-threshold", "0",
                "--models-dir", store)
    assert table.returncode == 1  # one file could not be read
    lines = table.stdout.splitlines()
    assert lines[0].startswith(f"{picture}: ")
    assert " at x " in lines[0]
    assert lines[1].startswith(f"{missing}: cannot read it")
    answer = json.loads(cli("detect", model, picture, "--score-threshold", "0", "--json",
                            "--models-dir", store).stdout)
    found = answer["results"][0]["detections"]
    assert found
    assert all(0 <= d["class"] <= 9 and 0 <= d["score"] <= 1 for d in found)
    assert [d["score"] for d in found] == sorted((d["score"] for d in found), reverse=True)
    bad = cli("detect", model, picture, "--iou-threshold", "1.5", "--models-dir", store)
    assert bad.returncode == 2
    assert "--iou-threshold 1.5 is outside 0 to 1" in bad.stderr
    wrong = cli("predict", model, picture, "--models-dir", store)
    assert wrong.returncode == 1
    assert f"cnn-playground detect {model}" in wrong.stderr


def test_a_classifier_cannot_detect(tmp_path: Path) -> None:
    shutil.copytree(shipped_folder(), tmp_path / shipped_folder().name)
    picture = tmp_path / "blank.png"
    picture.write_bytes(png(np.zeros((28, 28), np.uint8)))
    result = cli("detect", shipped_folder().name, picture, "--models-dir", tmp_path)
    assert result.returncode == 1
    assert "is a classifier" in result.stderr
