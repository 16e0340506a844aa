"""Which requests pass without a session when they carry no credentials (sessions.PASSING):
health probes and predictions only, also when the app is served under a prefix."""

from __future__ import annotations

from typing import Any

import pytest

from server.classroom.sessions import passing, route_path


def scope(path: str, root: str = "", kind: str = "http") -> dict[str, Any]:
    return {"type": kind, "path": root + path, "root_path": root}


@pytest.mark.parametrize("root", ["", "/playground"])
@pytest.mark.parametrize(("path", "passes"), [
    ("/api/health", True),
    ("/api/ready", True),
    ("/v2", True),
    ("/v2/health/ready", True),
    ("/v2/models/lenet/versions/2/infer", True),
    ("/api/models/m-1/predict", True),
    ("/api/models/m-1/predict/batch", True),
    ("/api/models/m-1/detect", True),
    ("/api/models/m-1/export", False),  # not a prediction: a session as everywhere
    ("/api/models/m-1/predict/batch/x", False),
    ("/api/models", False),
    ("/api/sessions/me", False),
    ("/api/runs", False),
    ("/v2x", False),
    ("/", False),
])
def test_only_probes_and_predictions_pass(root: str, path: str, passes: bool) -> None:
    assert passing(scope(path, root)) is passes
    assert route_path(scope(path, root)) == path


def test_sockets_never_pass() -> None:
    assert not passing(scope("/v2/health/ready", kind="websocket"))
