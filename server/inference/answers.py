"""What a prediction answers with: the top classes of one image, and the error of a model
that cannot run on its own input."""

from __future__ import annotations

from typing import Any

import torch

from server.errors import Conflict
from server.inference.predictor import Loaded


def run_failed(loaded: Loaded, exc: Exception) -> Conflict:
    """A model that cannot run on its own input shape: 409 with the reason."""
    return Conflict(f"model {loaded.id!r} failed to run: {exc}; it may be damaged: delete it "
                    "or import it again", ["model_id"])


def top_k(loaded: Loaded, probabilities: torch.Tensor, k: int) -> list[dict[str, Any]]:
    """One image's probabilities -> the k most likely classes, most likely first."""
    values, indices = probabilities.topk(min(k, probabilities.numel()))
    return [{"label": loaded.label(int(i)), "index": int(i), "probability": float(v)}
            for v, i in zip(values.tolist(), indices.tolist(), strict=True)]
