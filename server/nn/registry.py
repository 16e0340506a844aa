"""The layer registry: the single source of truth for every layer type."""

from __future__ import annotations

from server.nn.record import LayerType
from server.nn.records_simple import RECORDS as SIMPLE
from server.nn.records_spatial import RECORDS as SPATIAL

REGISTRY: dict[str, LayerType] = {r.name: r for r in (*SPATIAL, *SIMPLE)}
