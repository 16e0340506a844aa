"""GET /metrics in tests: scraped from a loopback address (where it is open), read with the
Prometheus client's own parser. A plain module, like app_settings."""

from __future__ import annotations

import urllib.request

from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape_text(app: FastAPI) -> str:
    """The metrics text, asked from 127.0.0.1 (no lifespan: the app's own client runs it)."""
    answer = TestClient(app, client=("127.0.0.1", 50000)).get("/metrics")
    assert answer.status_code == 200, answer.text
    return answer.text


def scrape_url(host: str) -> str:
    """The metrics text of a live server (host:port on 127.0.0.1)."""
    with urllib.request.urlopen(f"http://{host}/metrics", timeout=10) as answer:
        return str(answer.read().decode())


def parse(text: str) -> Samples:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def scrape(app: FastAPI) -> Samples:
    return parse(scrape_text(app))


def value(samples: Samples, name: str, **labels: str) -> float:
    """One series' value; 0 when it does not exist yet (a counter never incremented)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)
