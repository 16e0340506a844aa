"""A trained model as ONNX, for other tools (Netron, ONNX Runtime, ...).

Uses PyTorch's TorchScript-based exporter (``dynamo=False``), which needs only the ``onnx``
package; the newer torch.export-based one would also need ``onnxscript``. The graph takes
``input`` (batch, channels, height, width), normalized exactly as the manifest's
preprocessing says, and gives ``probabilities`` (batch, classes): the softmax of the
network's class scores, whether or not the spec ends in a softmax layer. A detector (a
spec ending in a ``detection_head``) gives ``grid`` instead: (batch, S, S, B·(5 + C)), the
head's raw numbers, decoded as docs/detection.md says.
"""

from __future__ import annotations

import copy
import tempfile
import threading
import warnings
from pathlib import Path

import torch
from torch import nn

from server.errors import PlaygroundError
from server.nn.build import Network
from server.nn.spec import NetworkSpec

OPSET = 17
INPUT, OUTPUT, GRID_OUTPUT = "input", "probabilities", "grid"
_lock = threading.Lock()  # the exporter and warnings.catch_warnings hold global state


class _Probabilities(nn.Module):
    def __init__(self, network: Network):
        super().__init__()
        self.network = network

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.network.logits(x), dim=1)


def export_onnx(spec: NetworkSpec, model: Network) -> bytes:
    """The ONNX file of `model` (built from `spec`), with a dynamic batch axis."""
    # A private copy: the exporter switches modes and traces, the original keeps serving.
    detector = spec.layers[-1].type == "detection_head"
    private = copy.deepcopy(model).cpu().eval()
    wrapped = private if detector else _Probabilities(private)
    output = GRID_OUTPUT if detector else OUTPUT
    example = torch.zeros(1, spec.input.channels, spec.input.height, spec.input.width)
    with _lock, warnings.catch_warnings(), tempfile.TemporaryDirectory() as folder:
        # The legacy exporter announces its own deprecation on every call, and notes on its
        # graph optimizations (e.g. "Constant folding not applied") help no user.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", category=UserWarning, module=r"torch\.onnx")
        try:
            path = Path(folder) / "model.onnx"
            torch.onnx.export(wrapped, (example,), path, dynamo=False, opset_version=OPSET,
                              input_names=[INPUT], output_names=[output],
                              dynamic_axes={INPUT: {0: "batch"}, output: {0: "batch"}})
        except (RuntimeError, torch.onnx.OnnxExporterError) as exc:
            raise PlaygroundError(f"this model cannot be exported to ONNX ({exc}); export it "
                                  "as zip instead (format=zip)", ["format"],
                                  status=500) from exc
        return path.read_bytes()
