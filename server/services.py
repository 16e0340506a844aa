"""Long-lived services built once per app by the lifespan and shared by the routes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

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
from server.training.executor import Executor, ExecutorConfig
from server.training.executors.admission import host_memory
from server.training.executors.local import LocalExecutor


@dataclass
class Services:
    settings: Settings
    images: ImageStore
    presets: Presets
    network_limits: NetworkLimits
    datasets: DatasetRegistry
    hub: Hub
    runs: Executor
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
        executor = LocalExecutor(engine_config(settings), hub, start=settings.warm_start)
        return cls(settings=settings, images=images, presets=Presets(settings.presets_dir),
                   network_limits=limits_nn, datasets=DatasetRegistry(settings.datasets_dir),
                   hub=hub, runs=executor, models=store,
                   predictor=Predictor(store, settings.loaded_models, settings.max_batch_files),
                   rooms=Rooms(hub, settings.max_rooms, settings.max_room_participants),
                   signer=Signer(load_secret(settings.session_secret, settings.models_dir)))


def engine_config(settings: Settings) -> ExecutorConfig:
    """The run engine's configuration: pool size and concurrency derived from memory
    unless set; a combination that cannot work stops the server with the settings named."""
    memory = host_memory()
    warm = settings.warm_workers or default_warm_workers(memory)
    concurrent = settings.max_concurrent_runs or warm
    if concurrent > warm:
        raise ValueError(
            f"CNNPG_MAX_CONCURRENT_RUNS={concurrent} is more than the {warm} warm workers "
            f"that train runs (CNNPG_WARM_WORKERS={settings.warm_workers or 'derived'}); "
            f"raise CNNPG_WARM_WORKERS to at least {concurrent} or lower "
            "CNNPG_MAX_CONCURRENT_RUNS")
    paths = executor_paths(settings.models_dir, settings.presets_dir, settings.datasets_dir)
    return ExecutorConfig(
        max_concurrent=concurrent, step_interval=settings.stream_interval,
        probe_interval=settings.probe_interval, threads=settings.train_threads, paths=paths,
        session_active=settings.session_max_active_runs,
        session_queued=settings.session_max_queued_runs, warm_workers=warm,
        cores=len(os.sched_getaffinity(0)), memory_bytes=memory,
        headroom=settings.memory_headroom)


def default_warm_workers(memory: int) -> int:
    """One warm worker per 1.5 GiB of half the host's memory, 1 to 32: a worker holds
    torch (~350 MB) and one run's working set; 8 on a 24 GiB machine."""
    return max(1, min(32, round(memory * 0.5 / (1.5 * 2**30))))


def executor_paths(models_dir: Path, presets_dir: Path, datasets_dir: Path) -> dict[str, str]:
    return {"models_dir": str(models_dir), "presets_dir": str(presets_dir),
            "datasets_dir": str(datasets_dir), "decoded_dir": str(datasets_dir / ".decoded")}
