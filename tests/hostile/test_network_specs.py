"""Generated network specs (strategies.network_specs) at every endpoint that reads one: the
Builder's summary and export, and the start of a training run (a run that starts is stopped
at once). Each answer is a result or an error in the detail shape: never a 5xx, never slow."""

from __future__ import annotations

from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase

from .harness import SLOW_SECONDS, Server, is_error_shape
from .strategies import network_specs

SETTINGS = hypothesis.settings(deadline=None, database=None, derandomize=True,
                               phases=[Phase.explicit, Phase.generate],
                               suppress_health_check=list(HealthCheck))
QUICK = {"epochs": 1, "max_train_samples": 50, "batch_size": 50}


def check(server: Server, label: str, spec: Any, answer: Any) -> None:
    assert answer.status_code < 500, (label, spec, answer.text[:500])
    if answer.status_code >= 400:
        assert is_error_shape(answer.json()), (label, spec, answer.text[:500])
    slowest = server.tally.calls[-1][3]
    assert slowest < SLOW_SECONDS, (label, spec, slowest)


@pytest.mark.parametrize("path", ["/api/networks/summary", "/api/networks/export"])
def test_generated_specs_at_the_builder(server: Server, path: str) -> None:
    @hypothesis.settings(SETTINGS, max_examples=150)
    @hypothesis.given(spec=network_specs())
    def each(spec: Any) -> None:
        check(server, path, spec, server.send("POST", path, f"spec {path}", json=spec))

    each()


def test_generated_specs_start_runs_or_say_why_not(server: Server) -> None:
    token = server.new_token()
    headers = server.headers(token)

    @hypothesis.settings(SETTINGS, max_examples=60)
    @hypothesis.given(spec=network_specs())
    def each(spec: Any) -> None:
        body = {"network": spec, "dataset": "mnist", "training": QUICK}
        answer = server.send("POST", "/api/runs", "spec /api/runs", json=body, headers=headers)
        check(server, "/api/runs", spec, answer)
        if answer.status_code == 201:  # a valid network: stop it before it trains for long
            stop = server.send("POST", f"/api/runs/{answer.json()['id']}/stop", "spec stop",
                               headers=headers)
            check(server, "stop", spec, stop)

    each()
