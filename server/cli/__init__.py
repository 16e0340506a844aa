"""The `cnn-playground` command (entry point `server.cli:main`)."""

from __future__ import annotations

from server.cli.main import main

__all__ = ["main"]
