"""The prediction API that the CLI's answers are compared with: the inference tests' own
fixtures (a client on a models folder holding the shipped model)."""

from __future__ import annotations

from inference.conftest import api, models_dir

__all__ = ["api", "models_dir"]  # imported so pytest finds them
