"""Generated Open Inference Protocol requests (infer_bodies.infer_requests) at
POST /v2/models/{name}/infer and its versioned twin, on a copy of the shipped model: an
answer, or an error in the detail shape (with the protocol's `error` beside it), never a
5xx, never slow."""

from __future__ import annotations

import shutil
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase

from server.config import PROJECT_ROOT

from .harness import SLOW_SECONDS, Server, is_error_shape
from .infer_bodies import infer_requests

SETTINGS = hypothesis.settings(deadline=None, database=None, derandomize=True,
                               phases=[Phase.explicit, Phase.generate],
                               suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def shipped(server: Server) -> str:
    """The shipped model, copied into the hostile server's store."""
    folder = next((PROJECT_ROOT / "models").glob("lenet-mnist-shipped-*"))
    target = server.log.parent / "models" / folder.name
    if not target.exists():
        shutil.copytree(folder, target)
    return folder.name


@pytest.mark.parametrize("path", ["/v2/models/{id}/infer", "/v2/models/{id}/versions/1/infer"])
def test_generated_infer_requests(server: Server, shipped: str, path: str) -> None:
    url = path.format(id=shipped)
    answered = []

    @hypothesis.settings(SETTINGS, max_examples=120)
    @hypothesis.given(request=infer_requests())
    def each(request: tuple[dict[str, str], bytes]) -> None:
        headers, body = request
        answer = server.send("POST", url, f"infer {path}", data=body,
                             headers={**server.headers(), **headers})
        what: Any = (headers, body[:300])
        assert answer.status_code < 500, (what, answer.text[:500])
        if answer.status_code >= 400:
            error = answer.json()
            assert is_error_shape(error), (what, answer.text[:500])
            assert error["error"] == error["detail"][0]["msg"], what
        else:
            answered.append(answer.status_code)
        assert server.tally.calls[-1][3] < SLOW_SECONDS, what

    each()
    assert len(answered) >= 15  # the generator reaches the model, not only the checks
