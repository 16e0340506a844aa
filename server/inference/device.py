"""Where prediction runs (CNNPG_PREDICT_DEVICE): the forward passes of /predict, /v2,
explanations, detection and the webcam, in the server process."""

from __future__ import annotations

import torch


def inference_device(setting: str) -> torch.device:
    """The device the setting names, checked against this machine: "auto" (the first CUDA
    GPU torch can use, else the CPU), "cpu", "cuda" (the first GPU) or "cuda:N". A GPU that
    is not there stops the server at start with the reason (ValueError)."""
    if setting == "auto":
        return torch.device("cuda", 0) if torch.cuda.is_available() else torch.device("cpu")
    device = torch.device(setting)
    if device.type != "cuda":
        return device
    if not torch.cuda.is_available():
        build = ("a CUDA build, but no GPU or driver is visible"
                 if torch.version.cuda else "a CPU-only build")
        raise ValueError(f"CNNPG_PREDICT_DEVICE={setting!r} asks for a GPU, and torch "
                         f"{torch.__version__} here is {build}: set CNNPG_PREDICT_DEVICE to "
                         "'auto' or 'cpu', or run where torch sees the GPU (make run "
                         "TORCH_BUILD=cuda)")
    count = torch.cuda.device_count()
    index = device.index or 0
    if index >= count:
        raise ValueError(f"CNNPG_PREDICT_DEVICE={setting!r} names GPU {index}, and torch sees "
                         f"{count} GPU{'s' if count > 1 else ''} here: use cuda:0 to "
                         f"cuda:{count - 1}, or 'auto'")
    return torch.device("cuda", index)
