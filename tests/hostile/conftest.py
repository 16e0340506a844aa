"""One server for the whole hostile suite (its own process, small caps), /api/health polled
beside it, and a summary of what was sent written to the terminal and to
build/hostile-summary.json when the suite ends."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .harness import Server, percentile, rss_bytes, running_server, watching_health

ROOT = Path(__file__).resolve().parents[2]
IDLE_SECONDS = 3.0
LINES: list[str] = []  # the summary, printed by pytest_terminal_summary


def warm_up(server: Server) -> None:
    """Touch each feature once, so that the memory baseline holds what a first request
    loads for good (modules, the built-in samples and dataset subsets)."""
    for path in ("/api/health", "/api/kernels", "/api/kernels/vocabulary", "/api/layers",
                 "/api/presets", "/api/samples", "/api/datasets", "/api/models",
                 "/api/datasets/mnist/samples?n=4", "/api/datasets/mnist/augmented?n=2"):
        assert server.send("GET", path, "warm-up").status_code == 200, path
    for sample in server.send("GET", "/api/samples", "warm-up").json()["samples"]:
        answer = server.send("POST", "/api/kernels/apply", "warm-up", data={
            "sample": sample["name"], "kernel": "sobel_x", "format": "json"})
        assert answer.status_code == 200, answer.text
    answer = server.send("POST", "/api/networks/summary", "warm-up",
                         json={"preset": "lenet-mnist"})
    assert answer.status_code == 200, answer.text


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("hostile")) as live:
        warm_up(live)
        live.tally.calls.clear()
        baseline = rss_bytes(live.pid)
        live.rss = (baseline, baseline)
        started = time.monotonic()
        with watching_health(live):
            time.sleep(IDLE_SECONDS)  # the idle server's answer times: the machine's noise
            live.loaded_from = time.monotonic()
            yield live
        live.rss = (baseline, rss_bytes(live.pid))
        write_summary(live, time.monotonic() - started)


def summary(server: Server, seconds: float) -> dict[str, object]:
    health = [ms for start, ms, _ in server.health() if start >= server.loaded_from
              and server.tally.during(start, start + ms / 1000)]  # while requests ran
    slowest, label = server.tally.slowest()
    return {
        "generated_requests": server.tally.count("schema "),
        "requests": server.tally.count(),
        "server_errors_5xx": len(server.tally.server_errors()),
        "slowest_ms": round(slowest * 1000, 1), "slowest_request": label,
        "health_samples": len(health), "health_p99_ms": round(percentile(health, 0.99), 1),
        "health_max_ms": round(max(health, default=0.0), 1),
        "health_budget_ms": round(server.health_budget_ms(), 1),
        "rss_growth_mb": round((server.rss[1] - server.rss[0]) / 2**20, 1),
        "seconds": round(seconds, 1)}


def write_summary(server: Server, seconds: float) -> None:
    numbers = summary(server, seconds)
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build" / "hostile-summary.json").write_text(json.dumps(numbers, indent=1) + "\n")
    LINES.append("hostile suite: " + ", ".join(f"{k}={v}" for k, v in numbers.items()))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The summary line at the end of the run (not swallowed by output capturing)."""
    for line in LINES:
        terminalreporter.write_line(line)
