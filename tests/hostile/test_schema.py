"""schemathesis over the app's own /openapi.json, against the real server (its own process,
small caps): every operation gets generated requests, valid and invalid by the schema, and a
stateful run follows links (a new room's code and teacher key, an upload's id, a run's id).
No answer may be a 5xx, take over 2 s, or be an error in any shape but the detail shape.
The module's last test checks the totals and the budgets beside them: at least 2,000
generated requests, /api/health under 50 ms meanwhile (over the machine's own noise, measured
on the idle server first), resident memory within the caps."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis.errors import FlakyStrategyDefinition, Unsatisfiable
from pictures import noise, png
from schemathesis import Case, GenerationMode
from schemathesis.specs.openapi.schemas import OpenApiSchema

from .harness import (
    CACHE_CAP_BYTES,
    SLOW_SECONDS,
    Server,
    is_error_shape,
    percentile,
    rss_bytes,
)
from .links import with_links

EXAMPLES = 35  # per operation and mode: about 2,000 requests over the 44 operations
# 20 steps: with 12, the derandomized walk over the 80-odd operations (more with each
# feature) stopped following a created image or room into its linked request. 50 runs: with
# 25, a walk on a server that had answered nothing else before (the module run alone) never
# followed a created image to its GET.
STATEFUL_RUNS, STATEFUL_STEPS = 50, 20
MIN_GENERATED = 2000
FAST = hypothesis.settings(deadline=None, database=None, derandomize=True,
                           phases=[Phase.explicit, Phase.generate],
                           suppress_health_check=list(HealthCheck))
PHOTO = png(noise(48, 64, seed=7))


@pytest.fixture(scope="module")
def schema(server: Server) -> OpenApiSchema:
    document = requests.get(server.base + "/openapi.json", timeout=10).json()
    return schemathesis.openapi.from_dict(with_links(document))


def label(case: Case, mode: str) -> str:
    return f"schema {case.operation.label} [{mode}]"


def sent(server: Server, case: Case, mode: str, problems: list[str]) -> Any:
    """Send one generated case; note what is wrong with its answer."""
    started = time.monotonic()
    try:
        answer = case.call(base_url=server.base, headers=server.headers(), timeout=10)
    except (requests.exceptions.InvalidHeader, ValueError, UnicodeError):
        return None  # a header requests itself will not send (CR/LF, non-Latin-1)
    seconds = time.monotonic() - started
    server.tally.record(label(case, mode), answer.status_code, started, seconds)
    where = f"{case.as_curl_command(headers=server.headers())}\n  -> {answer.status_code}"
    if answer.status_code >= 500:
        problems.append(f"5xx: {where} {answer.text[:300]}")
    if seconds > SLOW_SECONDS:
        problems.append(f"slow ({seconds:.2f} s): {where}")
    json_error = answer.status_code >= 400 and "json" in answer.headers.get("content-type", "")
    if json_error and not is_error_shape(answer.json()):
        problems.append(f"error not in the detail shape: {where} {answer.text[:300]}")
    return answer


def fuzz(server: Server, schema: OpenApiSchema, mode: GenerationMode) -> list[str]:
    problems: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @hypothesis.settings(FAST, max_examples=EXAMPLES)
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        def each(case: Case) -> None:
            sent(server, case, mode.value, problems)

        with contextlib.suppress(Unsatisfiable):  # nothing here can be made invalid
            each()
    return problems


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_generated_requests_get_answers_not_failures(
        server: Server, schema: OpenApiSchema, mode: GenerationMode) -> None:
    problems = fuzz(server, schema, mode)
    assert not problems, "\n".join(problems[:20])


def test_stateful_links_get_answers_not_failures(server: Server, schema: OpenApiSchema) -> None:
    problems: list[str] = []

    class Links(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Case) -> None:
            if case.operation.label == "POST /api/images":
                case.body = {"file": PHOTO}  # a real photo, so its id links onward

        def call(self, case: Case, **kwargs: Any) -> Any:
            answer = sent(server, case, "stateful", problems)
            assert answer is not None or case.headers  # only an unsendable header is skipped
            return answer if answer is not None else case.call(
                base_url=server.base, headers=server.headers(), timeout=10)

        def validate_response(self, *args: Any, **kwargs: Any) -> None:
            pass  # judged in sent(): no 5xx, no slow answer, the detail shape

    # Every example walks the same server, whose state (rooms, images, rate limits) the
    # former ones changed, so a replayed choice can meet another set of linked values;
    # hypothesis then ends the walk. What it sent until then is judged below, and it must
    # still have followed a link.
    with contextlib.suppress(FlakyStrategyDefinition):
        Links.run(settings=hypothesis.settings(
            FAST, max_examples=STATEFUL_RUNS, stateful_step_count=STATEFUL_STEPS))
    assert not problems, "\n".join(problems[:20])
    linked = {label.split()[2] for label, status, _, _ in server.tally.calls
              if label.endswith("[stateful]") and status < 300 and "{" in label}
    assert {"/api/images/{image_id}", "/api/rooms/{code}/close"} & linked, linked


def test_totals_and_budgets(server: Server, schema: OpenApiSchema) -> None:
    """Runs last in this module: the numbers of everything the suite has sent so far."""
    generated = server.tally.count("schema ")
    operations = {r.ok().label for r in schema.get_all_operations()}
    reached = set(server.tally.labels())
    print(f"\ngenerated requests: {generated}, 5xx: {len(server.tally.server_errors())}, "
          f"slowest: {server.tally.slowest()[0] * 1000:.0f} ms ({server.tally.slowest()[1]})")
    assert generated >= MIN_GENERATED
    assert {f"schema {op}" for op in operations} <= {r.rsplit(" [", 1)[0] for r in reached}
    assert not server.tally.server_errors()
    assert server.tally.slowest()[0] < SLOW_SECONDS, server.tally.slowest()
    health = [h for h in server.health() if h[0] >= server.loaded_from]
    assert all(status == 200 for _, _, status in health)
    beside = [(ms, server.tally.during(start, start + ms / 1000)) for start, ms, _ in health]
    beside = [(ms, requests) for ms, requests in beside if requests]  # while requests ran
    budget = server.health_budget_ms()
    assert len(beside) > 50  # enough polls met a request in flight to judge
    assert percentile([ms for ms, _ in beside], 0.99) < budget, (
        budget, [(round(ms), requests) for ms, requests in beside if ms > budget][:30])
    growth = rss_bytes(server.pid) - server.rss[0]
    assert growth < CACHE_CAP_BYTES + 50 * 2**20, f"{growth / 2**20:.0f} MB"
