"""Long-lived services built once per app by the lifespan and shared by the routes."""

from __future__ import annotations

from dataclasses import dataclass

from server.classroom.rooms import Rooms
from server.classroom.sessions import Signer, load_secret
from server.config import Settings
from server.datasets.registry import DatasetRegistry
from server.hub import Hub
from server.imaging import IntakeLimits
from server.imaging.store import ImageStore
from server.inference.predictor import Predictor
from server.nn.analysis import NetworkLimits
from server.nn.presets import Presets
from server.store import ModelStore
from server.training.executor import ExecutorConfig, LocalExecutor, executor_paths


@dataclass
class Services:
    settings: Settings
    images: ImageStore
    presets: Presets
    network_limits: NetworkLimits
    datasets: DatasetRegistry
    hub: Hub
    runs: LocalExecutor
    models: ModelStore
    predictor: Predictor
    rooms: Rooms
    signer: Signer

    @classmethod
    def build(cls, settings: Settings) -> Services:
        limits = IntakeLimits(max_bytes=settings.max_upload_bytes,
                              max_pixels=settings.max_image_pixels)
        images = ImageStore(settings.image_cache_bytes, limits, settings.samples_dir)
        limits_nn = NetworkLimits(max_params=settings.max_params,
                                  max_activation_bytes=settings.max_activation_bytes)
        hub = Hub()
        store = ModelStore(settings.models_dir)
        paths = executor_paths(settings.models_dir, settings.presets_dir, settings.datasets_dir)
        executor = LocalExecutor(ExecutorConfig(
            max_concurrent=settings.max_concurrent_runs or default_concurrency(),
            step_interval=settings.stream_interval, probe_interval=settings.probe_interval,
            threads=settings.train_threads, paths=paths,
            session_active=settings.session_max_active_runs,
            session_queued=settings.session_max_queued_runs), hub)
        return cls(settings=settings, images=images, presets=Presets(settings.presets_dir),
                   network_limits=limits_nn, datasets=DatasetRegistry(settings.datasets_dir),
                   hub=hub, runs=executor, models=store,
                   predictor=Predictor(store, settings.loaded_models, settings.max_batch_files),
                   rooms=Rooms(hub, settings.max_rooms, settings.max_room_participants),
                   signer=Signer(load_secret(settings.session_secret, settings.models_dir)))


def default_concurrency() -> int:
    """One run per GPU, or one on the CPU (two CPU runs would halve each other)."""
    import torch

    return max(1, torch.cuda.device_count())
