"""Long-lived services built once per app by the lifespan and shared by the routes."""

from __future__ import annotations

from dataclasses import dataclass

from server.config import Settings
from server.datasets.registry import DatasetRegistry
from server.image_store import ImageStore
from server.imaging import IntakeLimits
from server.nn.analysis import NetworkLimits
from server.nn.presets import Presets


@dataclass
class Services:
    settings: Settings
    images: ImageStore
    presets: Presets
    network_limits: NetworkLimits
    datasets: DatasetRegistry

    @classmethod
    def build(cls, settings: Settings) -> Services:
        limits = IntakeLimits(max_bytes=settings.max_upload_bytes,
                              max_pixels=settings.max_image_pixels)
        images = ImageStore(settings.image_cache_bytes, limits, settings.samples_dir)
        limits_nn = NetworkLimits(max_params=settings.max_params,
                                  max_activation_bytes=settings.max_activation_bytes)
        return cls(settings=settings, images=images, presets=Presets(settings.presets_dir),
                   network_limits=limits_nn, datasets=DatasetRegistry(settings.datasets_dir))
