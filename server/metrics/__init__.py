"""Prometheus metrics (GET /metrics): the registry and its hooks, the request middleware,
the gauges read at scrape time, and who may scrape."""

from server.metrics.access import scrape_refusal
from server.metrics.asgi import RequestMetrics
from server.metrics.collectors import ServiceCollector, Sources
from server.metrics.registry import PRIVATE, Metrics, model_label

__all__ = ["PRIVATE", "Metrics", "RequestMetrics", "ServiceCollector", "Sources",
           "model_label", "scrape_refusal"]
