"""build_model(spec): an nn.Module whose layers can be hooked by index (model.layers[i])."""

from __future__ import annotations

import torch
from torch import nn

from server.nn.analysis import NetworkLimits, analyze
from server.nn.blocks import DetectionHead, InceptionBlock, ResidualBlock, SamePad
from server.nn.registry import REGISTRY
from server.nn.spec import NetworkSpec

# The only names a layer's source expression may use. The expressions are generated from
# validated numbers and literals (never user text), so this eval runs trusted code.
NAMESPACE = {"nn": nn, "ResidualBlock": ResidualBlock, "InceptionBlock": InceptionBlock,
             "SamePad": SamePad, "DetectionHead": DetectionHead, "__builtins__": {}}


class Network(nn.Module):
    """One module per spec layer, applied in order."""

    def __init__(self, layers: list[nn.Module]):
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """The scores before a final softmax (if the spec ends in one). Training uses these
        with cross-entropy: log(softmax(x)) computed apart loses precision and can give -inf."""
        *body, last = self.layers
        for layer in body:
            x = layer(x)
        return _logits(last, x)

    def trace(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """Every layer's output and the logits in one pass. No hooks, so requests sharing
        the module in several threads cannot see each other's tensors."""
        outputs: list[torch.Tensor] = []
        *body, last = self.layers
        for layer in body:
            x = layer(x)
            outputs.append(x)
        logits = _logits(last, x)
        softmax = last if isinstance(last, nn.Softmax) else (
            last[-1] if isinstance(last, nn.Sequential) else None)
        outputs.append(softmax(logits) if isinstance(softmax, nn.Softmax) else logits)
        return outputs, logits


def _logits(last: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The last layer applied without its softmax (if it has one)."""
    if isinstance(last, nn.Softmax):
        return x
    if isinstance(last, nn.Sequential) and isinstance(last[-1], nn.Softmax):
        for inner in list(last)[:-1]:
            x = inner(x)
        return x
    return last(x)  # type: ignore[no-any-return]


def layer_sources(spec: NetworkSpec, limits: NetworkLimits | None = None) -> list[str]:
    """The PyTorch expression of every layer; raises the analysis errors first."""
    analysis = analyze(spec, limits)
    analysis.raise_errors()
    return [REGISTRY[layer.type].source(layer, shape)
            for layer, shape in zip(spec.layers, analysis.shapes, strict=True)]


def build_model(spec: NetworkSpec, limits: NetworkLimits | None = None) -> Network:
    sources = layer_sources(spec, limits)
    return Network([eval(src, NAMESPACE) for src in sources])  # trusted: see NAMESPACE
