"""The server's Prometheus metrics: one registry per app (never the library's global one,
so several apps in one process keep their own counts), and the hooks that feed it.

Labels never name a private model: a model that belongs to a session and is not published
counts as `private`; public and operator models (no owner) are named by their id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

if TYPE_CHECKING:
    from server.store.manifest import Manifest
    from server.training.runs import Run

PRIVATE = "private"
# Request latency: a health check answers in ~1 ms, a batch prediction in ~100 ms, an
# upload of a 40 MP photo in seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                   10.0, 30.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
# Submit -> first step: a warm worker takes ~1 s; a queued run waits for others to finish.
FIRST_STEP_BUCKETS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0, 7200.0)


def model_label(model_id: str, manifest: Manifest | None) -> str:
    """The model's id when anyone may read it, else "private"."""
    return model_id if manifest is None or manifest.is_public else PRIVATE


class Metrics:
    """Every metric of one app. The hooks are cheap (a dict look-up and an add under the
    client library's lock); gauges read from the services are collected at scrape time."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.requests = Counter(
            "cnnpg_http_requests", "HTTP requests answered, by route template, method and "
            "status class", ["route", "method", "status"], registry=registry)
        self.latency = Histogram(
            "cnnpg_http_request_duration_seconds", "Time from a request's arrival to the "
            "end of its answer", ["route", "method", "status"], buckets=LATENCY_BUCKETS,
            registry=registry)
        self.batch_size = Histogram(
            "cnnpg_prediction_batch_size", "Images per forward pass of a prediction",
            ["model"], buckets=BATCH_BUCKETS, registry=registry)
        self.forward = Histogram(
            "cnnpg_prediction_seconds", "Duration of one prediction forward pass",
            ["model"], buckets=LATENCY_BUCKETS, registry=registry)
        self.warmups = Counter(
            "cnnpg_model_warmups", "Warm-up forward passes run when a model was loaded",
            ["model"], registry=registry)
        self.first_step = Histogram(
            "cnnpg_run_first_step_seconds", "Seconds from a run's submission to its first "
            "training step", buckets=FIRST_STEP_BUCKETS, registry=registry)
        self.sockets = Gauge(
            "cnnpg_websockets_open", "Websockets open now, by kind", ["kind"],
            registry=registry)
        self.dropped = Counter(
            "cnnpg_viewers_dropped", "Websocket viewers closed because they stopped reading "
            "(their sends stalled for CNNPG_WS_SEND_TIMEOUT)", ["kind"], registry=registry)

    def forward_pass(self, model_id: str, manifest: Manifest, images: int,
                     seconds: float) -> None:
        label = model_label(model_id, manifest)
        self.batch_size.labels(label).observe(images)
        self.forward.labels(label).observe(seconds)

    def warmed(self, model_id: str, manifest: Manifest) -> None:
        self.warmups.labels(model_label(model_id, manifest)).inc()

    def run_started_stepping(self, run: Run) -> None:
        if run.first_step is not None:
            self.first_step.observe(max(0.0, run.first_step - run.created))

    def viewer_dropped(self, kind: str) -> None:
        self.dropped.labels(kind).inc()
