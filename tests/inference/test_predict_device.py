"""CNNPG_PREDICT_DEVICE: where prediction runs. Its spelling is checked with the settings;
whether the GPU it names is there is checked at start, and `cnn-playground serve` stops
with the reason. Each test checks what this machine should give, with a GPU or without
(CI has none; tests/inference/test_predict_gpu.py runs the GPU itself, `make test-gpu`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from app_settings import make_settings
from pydantic import ValidationError

from server.config import Settings
from server.inference.device import inference_device
from server.main import create_app

ROOT = Path(__file__).resolve().parent.parent.parent
CUDA = torch.cuda.is_available()


@pytest.mark.parametrize(("value", "kept"), [
    ("auto", "auto"), ("cpu", "cpu"), ("CUDA", "cuda"), (" cuda:1 ", "cuda:1")])
def test_the_setting_takes_the_devices_torch_names(value: str, kept: str) -> None:
    assert Settings(predict_device=value).predict_device == kept


@pytest.mark.parametrize("value", ["nvidia", "cuda:", "cuda:x", "cuda:64", "mps", "", "cpu:0"])
def test_other_devices_are_refused_with_the_choices(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(predict_device=value)
    (error,) = caught.value.errors()
    assert error["loc"] == ("predict_device",)
    assert "'auto'" in error["msg"]
    assert "'cuda:N'" in error["msg"]


def test_auto_is_the_gpu_when_there_is_one_else_the_cpu() -> None:
    assert inference_device("auto") == (torch.device("cuda", 0) if CUDA else torch.device("cpu"))
    assert inference_device("cpu") == torch.device("cpu")


def test_a_gpu_that_is_not_there_stops_the_app_with_the_reason(tmp_path: Path) -> None:
    asked = f"cuda:{torch.cuda.device_count()}"  # one past the last GPU (cuda:0 without any)
    with pytest.raises(ValueError, match="CNNPG_PREDICT_DEVICE") as caught:
        create_app(make_settings(models_dir=tmp_path, predict_device=asked))
    assert ("use cuda:0 to" in str(caught.value)) if CUDA else (
        "'auto' or 'cpu'" in str(caught.value))


def test_serve_says_so_and_exits_2(tmp_path: Path) -> None:
    asked = f"cuda:{torch.cuda.device_count()}"
    done = subprocess.run(
        [sys.executable, "-m", "server", "serve", "--port", "1"], cwd=ROOT, timeout=120,
        capture_output=True, text=True,
        env={**os.environ, "CNNPG_PREDICT_DEVICE": asked, "CNNPG_WARM_START": "false",
             "CNNPG_MODELS_DIR": str(tmp_path)})
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.startswith(f"error: CNNPG_PREDICT_DEVICE='{asked}'"), done.stderr[-2000:]
