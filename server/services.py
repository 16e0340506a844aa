"""Long-lived services built once per app by the lifespan and shared by the routes."""

from __future__ import annotations

from dataclasses import dataclass

from server.config import Settings
from server.image_store import ImageStore
from server.imaging import IntakeLimits


@dataclass
class Services:
    settings: Settings
    images: ImageStore

    @classmethod
    def build(cls, settings: Settings) -> Services:
        limits = IntakeLimits(max_bytes=settings.max_upload_bytes,
                              max_pixels=settings.max_image_pixels)
        images = ImageStore(settings.image_cache_bytes, limits, settings.samples_dir)
        return cls(settings=settings, images=images)
