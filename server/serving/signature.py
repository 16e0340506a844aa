"""A stored model as the Open Inference Protocol describes it: one UINT8 input of raw
pixels at the model's size, two outputs (the probabilities and the most likely label)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from server.inference.predictor import Loaded
from server.inference.preprocess import prepare_at_size
from server.nn.analysis import analyze
from server.serving.names import Resolved

INPUT = "input"
PROBABILITIES, LABELS = "probabilities", "labels"
OUTPUTS = [PROBABILITIES, LABELS]


def input_shape(loaded: Loaded) -> list[int]:
    pre = loaded.preprocessing
    return [-1, pre.height, pre.width, pre.channels]


def metadata(loaded: Loaded, name: str, resolved: Resolved) -> dict[str, Any]:
    shape = analyze(loaded.spec).summary()["output_shape"] or [len(loaded.classes)]
    return {"name": name, "versions": resolved.versions, "platform": "pytorch", "inputs": [
                {"name": INPUT, "datatype": "UINT8", "shape": input_shape(loaded)}],
            "outputs": [{"name": PROBABILITIES, "datatype": "FP32", "shape": [-1, int(shape[-1])]},
                        {"name": LABELS, "datatype": "BYTES", "shape": [-1, 1]}]}


def model_input(loaded: Loaded, pixels: np.ndarray) -> torch.Tensor:
    """(N, H, W, C) uint8 at the model's size -> (N, C, H, W), each image as POST /predict
    prepares one image of that size: scaled and normalized; for light-on-dark datasets
    (MNIST) a light background is inverted and a grey one stretched first, as there."""
    return prepare_at_size(pixels, loaded.preprocessing)


def outputs(loaded: Loaded, probabilities: torch.Tensor) -> dict[str, tuple[str, list[int], Any]]:
    values = probabilities.float().numpy()
    labels = [loaded.label(int(i)) for i in values.argmax(axis=1)]
    return {PROBABILITIES: ("FP32", list(values.shape), values),
            LABELS: ("BYTES", [len(labels), 1], labels)}
