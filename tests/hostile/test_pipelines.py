"""Generated kernel pipelines (strategies.pipelines) at /api/kernels/apply and
/api/kernels/explain, on the built-in samples: a filtered image or an error in the detail
shape, never a 5xx, never slow."""

from __future__ import annotations

import json
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st

from .harness import SLOW_SECONDS, Server, is_error_shape
from .strategies import SAMPLES, pipelines, preview_sides, sources

SETTINGS = hypothesis.settings(deadline=None, database=None, derandomize=True,
                               phases=[Phase.explicit, Phase.generate],
                               suppress_health_check=list(HealthCheck))


def check(server: Server, what: Any, answer: Any) -> None:
    assert answer.status_code < 500, (what, answer.text[:500])
    if answer.status_code >= 400:
        assert is_error_shape(answer.json()), (what, answer.text[:500])
    seconds = server.tally.calls[-1][3]
    assert seconds < SLOW_SECONDS, (what, seconds)


@hypothesis.settings(SETTINGS, max_examples=120)
@hypothesis.given(pipeline=pipelines(), sample=st.sampled_from(SAMPLES))
def test_generated_pipelines_at_apply(server: Server, pipeline: Any, sample: str) -> None:
    answer = server.send("POST", "/api/kernels/apply", "pipeline apply", data={
        "sample": sample, "spec": json.dumps(pipeline), "format": "json"})
    check(server, pipeline, answer)


@hypothesis.settings(SETTINGS, max_examples=80)
@hypothesis.given(pipeline=pipelines(), source=sources, preview=preview_sides,
                  x=st.integers(-1, 600), y=st.integers(-1, 600))
def test_generated_pipelines_at_explain(server: Server, pipeline: Any, source: Any,
                                        preview: Any, x: int, y: int) -> None:
    body = {"source": source, "spec": pipeline, "x": x, "y": y, "preview_max_side": preview}
    answer = server.send("POST", "/api/kernels/explain", "pipeline explain", json=body)
    check(server, body, answer)
