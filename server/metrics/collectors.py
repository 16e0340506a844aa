"""Gauges read from the services when Prometheus scrapes (nothing to keep in step between
scrapes): runs by status and the queue, loaded models, device memory, readiness."""

from __future__ import annotations

import contextlib
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from server.training.runs import Run

log = logging.getLogger("cnn_playground")
# Every status a run can have: each is reported, zeros included, so a rate over time
# never sees a series vanish.
STATUSES = ("queued", "running", "paused", "finished", "stopped", "failed")


@dataclass
class Sources:
    """Where the gauges come from (set up by Services)."""

    runs: Callable[[], Sequence[Run]]  # this server's runs (not other replicas')
    loaded_models: Callable[[], int]
    loaded_bytes: Callable[[], int]
    ready: Callable[[], bool]


def device_memory() -> list[tuple[str, int]]:
    """(device, bytes in use): torch's allocated memory per CUDA device when there is one,
    else this process's resident memory (the models and batches live there)."""
    import torch  # imported at start-up by create_app: a dict look-up here

    if torch.cuda.is_available():
        return [(f"cuda:{i}", int(torch.cuda.memory_allocated(i)))
                for i in range(torch.cuda.device_count())]
    return [("cpu", resident_bytes())]


def resident_bytes() -> int:
    """This process's resident set size (Linux /proc; 0 where there is none)."""
    with contextlib.suppress(OSError, ValueError, IndexError), open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return 0


class ServiceCollector(Collector):
    def __init__(self, sources: Sources):
        self.sources = sources

    def collect(self) -> Iterator[Metric]:
        yield from self._runs()
        models = GaugeMetricFamily("cnnpg_loaded_models", "Models loaded for prediction")
        models.add_metric([], self.sources.loaded_models())
        yield models
        weights = GaugeMetricFamily("cnnpg_loaded_model_bytes",
                                    "Bytes of the weights of the models loaded for prediction")
        weights.add_metric([], self.sources.loaded_bytes())
        yield weights
        memory = GaugeMetricFamily("cnnpg_device_memory_bytes", "Memory in use: torch's "
                                   "allocations per CUDA device, else the process's resident "
                                   "memory", labels=["device"])
        for device, used in device_memory():
            memory.add_metric([device], used)
        yield memory
        ready = GaugeMetricFamily("cnnpg_ready", "1 when GET /api/ready answers 200 (the "
                                  "preloaded models are loaded and warm)")
        ready.add_metric([], 1 if self.sources.ready() else 0)
        yield ready

    def _runs(self) -> Iterator[Metric]:
        try:
            counts = Counter(run.status for run in self.sources.runs())
        except Exception as exc:  # a scrape never fails for one source: that gauge is left out
            log.warning("metrics: the runs could not be counted (%s)", exc)
            return
        runs = GaugeMetricFamily("cnnpg_runs", "Runs this server knows, by status",
                                 labels=["status"])
        for status in sorted(set(STATUSES) | set(counts)):
            runs.add_metric([status], counts.get(status, 0))
        yield runs
        queue = GaugeMetricFamily("cnnpg_run_queue_length", "Runs waiting for a worker")
        queue.add_metric([], counts.get("queued", 0))
        yield queue
