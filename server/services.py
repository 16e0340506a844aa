"""Long-lived services built once per app by the lifespan and shared by the routes."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from server.classroom.rooms import Rooms, build_rooms
from server.classroom.sessions import Signer, load_secret
from server.config import Settings
from server.datasets.registry import DatasetRegistry
from server.datasets.user_store import Quotas, UserDatasets
from server.errors import PlaygroundError
from server.hub import Hub
from server.hub.redis import RedisHub
from server.imaging import IntakeLimits
from server.imaging.store import ImageStore
from server.inference.device import inference_device
from server.inference.predictor import Predictor
from server.inference.readiness import Preloader
from server.metrics import Metrics, ServiceCollector, Sources
from server.nn.analysis import NetworkLimits
from server.nn.presets import Presets
from server.store import ModelStore
from server.training.executor import Executor, ExecutorConfig
from server.training.executors.admission import host_memory
from server.training.executors.local import LocalExecutor
from server.training.executors.shared import SharedRuns
from server.training.retention import Pruner
from server.training.summaries import RunSummaries, summarize


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
    summaries: RunSummaries
    user_datasets: UserDatasets
    metrics: Metrics
    pruner: Pruner = field(init=False)  # runs `sweep` every CNNPG_PRUNE_INTERVAL_SECONDS
    preloader: Preloader = field(init=False)  # CNNPG_PRELOAD_MODELS, for readiness

    def __post_init__(self) -> None:
        self.pruner = Pruner(self.sweep, self.settings.prune_interval_seconds)
        self.preloader = Preloader(self.predictor, self.settings.preload_models)

    @classmethod
    def build(cls, settings: Settings) -> Services:
        if len(settings.preload_models) > settings.loaded_models:
            raise ValueError(f"CNNPG_PRELOAD_MODELS names {len(settings.preload_models)} "
                             f"models, more than CNNPG_LOADED_MODELS={settings.loaded_models} "
                             "kept in memory: raise CNNPG_LOADED_MODELS or preload fewer")
        limits = IntakeLimits(max_bytes=settings.max_upload_bytes,
                              max_pixels=settings.max_image_pixels)
        images = ImageStore(settings.image_cache_bytes, limits, settings.samples_dir,
                            settings.preview_cache_bytes, settings.max_filter_cost)
        limits_nn = NetworkLimits(max_params=settings.max_params,
                                  max_activation_bytes=settings.max_activation_bytes,
                                  max_macs=settings.max_macs)
        hub = build_hub(settings)
        store = ModelStore(settings.models_dir)
        executor = build_executor(settings, hub,
                                  discard=lambda model_id: _delete_model(store, model_id))
        runs: Executor = executor
        if isinstance(hub, RedisHub):  # runs of every replica, seen from this one
            runs = SharedRuns(executor, hub, executor.lock, settings.executor)
        metrics = Metrics()
        executor.first_step_listeners.append(metrics.run_started_stepping)
        summaries = RunSummaries(settings.models_dir / ".runs",
                                 settings.run_summaries_per_session,
                                 settings.run_summaries_total)
        predictor = Predictor(store, settings.loaded_models, settings.max_batch_files,
                              settings.max_predict_bytes, settings.loaded_models_bytes, metrics,
                              settings.batch_delay_ms / 1000, settings.predict_threads,
                              inference_device(settings.predict_device))
        services = cls(
            settings=settings, images=images, presets=Presets(settings.presets_dir),
            network_limits=limits_nn,
            datasets=DatasetRegistry(settings.datasets_dir,
                                     cache_bytes=settings.dataset_cache_bytes,
                                     user_dir=settings.models_dir / ".datasets"),
            hub=hub, runs=runs, models=store,
            predictor=predictor,
            rooms=build_rooms(hub, settings),
            signer=Signer(load_secret(settings.session_secret, settings.models_dir)),
            summaries=summaries,
            user_datasets=UserDatasets(settings.models_dir / ".datasets", Quotas(
                settings.session_max_datasets, settings.dataset_max_images,
                settings.session_max_dataset_bytes), limits), metrics=metrics)
        # This server's own runs (not other replicas'): summed over replicas, each counts once.
        metrics.registry.register(ServiceCollector(Sources(
            executor.list, predictor.loaded_count, predictor.loaded_bytes,
            lambda: services.preloader.readiness().ready)))
        return services

    def start(self) -> None:
        """Background work that lives as long as the server (the lifespan calls it)."""
        self.pruner.start()
        self.preloader.start()  # the preloaded models load meanwhile: live, not yet ready

    def close(self) -> None:
        self.pruner.stop()
        self.preloader.stop()
        self.runs.shutdown()
        self.rooms.stop()

    def sweep(self, now: float) -> dict[str, int]:
        """Prune what outlived its retention; returns how many of each went."""
        pruned = self.runs.prune(now - self.settings.run_retention_hours * 3600)
        for run in pruned:
            self.summaries.add(summarize(run))
        counts = {"runs": len(pruned), "run_summaries": 0, "models": 0, "uploads": 0,
                  "datasets": 0}
        days = self.settings.data_retention_days
        if days:
            cutoff = now - days * 86400
            counts["run_summaries"] = self.summaries.expire(cutoff)
            counts["uploads"] = self.images.drop(unused_since=cutoff)
            counts["models"] = self._expire_models(cutoff)
            counts["datasets"] = self.user_datasets.expire(cutoff)
        return counts

    def _expire_models(self, cutoff: float) -> int:
        """Sessions' private models unused since `cutoff`; published models, the operator's
        (no owner) and models loaded for prediction right now stay."""
        gone = 0
        for entry in self.models.entries():
            manifest = entry.manifest
            if manifest is None or not manifest.owner or manifest.is_public:
                continue
            with contextlib.suppress(OSError, PlaygroundError):
                if (self.models.last_used(entry.id) < cutoff
                        and self.predictor.cached(entry.id) is None):
                    gone += _delete_model(self.models, entry.id)
                    self.predictor.forget(entry.id)
        return gone

    def delete_session_data(self, session_id: str) -> dict[str, int]:
        """Everything a session made: runs (stopped first), run summaries, uploads, models,
        datasets, the rooms it teaches (closed) and its place in rooms it joined."""
        counts = {"runs": self.runs.forget_owner(session_id),
                  "run_summaries": self.summaries.remove_owner(session_id),
                  "uploads": self.images.drop(owner=session_id), "models": 0, "rooms": 0,
                  "datasets": self.user_datasets.delete_owner(session_id)}
        with self.models.owner_lock(session_id):
            for model_id in self.models.owned_by(session_id):
                counts["models"] += _delete_model(self.models, model_id)
                self.predictor.forget(model_id)
        teaches, joined = self.rooms.mine(session_id)
        for room in teaches:
            self.rooms.close(room)
        for room in joined:
            self.rooms.leave(room, session_id)
        counts["rooms"] = len(teaches) + len(joined)
        return counts


def _delete_model(store: ModelStore, model_id: str) -> int:
    """1 when the model was deleted, 0 when it was already gone."""
    try:
        store.delete(model_id)
    except (OSError, PlaygroundError):
        return 0
    return 1


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
        history_bytes=settings.run_history_bytes,
        session_active=settings.session_max_active_runs,
        session_queued=settings.session_max_queued_runs, warm_workers=warm,
        cores=len(os.sched_getaffinity(0)), memory_bytes=memory,
        headroom=settings.memory_headroom)


def build_hub(settings: Settings) -> Hub:
    """In memory, or across API replicas through Redis (CNNPG_REDIS_URL)."""
    if not settings.redis_url:
        return Hub()
    return RedisHub(settings.redis_url, retention_s=settings.run_retention_hours * 3600)


def build_executor(settings: Settings, hub: Hub,
                   discard: Callable[[str], object] | None = None) -> LocalExecutor:
    """CNNPG_EXECUTOR: warm processes here ("local") or warm actors on a Ray cluster.
    discard: deletes a model saved by a run of a session deleted meanwhile."""
    if settings.executor == "local":
        return LocalExecutor(engine_config(settings), hub, start=settings.warm_start,
                             discard=discard)
    from server.training.executors.ray_executor import RayExecutor

    # On a cluster the pool is sized from the cluster's CPUs; CNNPG_WARM_WORKERS caps it.
    cap = settings.warm_workers or 256
    config = replace(engine_config(settings.model_copy(update={"warm_workers": cap})),
                     max_concurrent=settings.max_concurrent_runs or cap)
    return RayExecutor(config, hub, settings.ray_address, settings.ray_namespace,
                       settings.ray_placement_timeout, start=settings.warm_start,
                       discard=discard)


def default_warm_workers(memory: int) -> int:
    """One warm worker per 1.5 GiB of half the host's memory, 1 to 32: a worker holds
    torch (~350 MB) and one run's working set; 8 on a 24 GiB machine."""
    return max(1, min(32, round(memory * 0.5 / (1.5 * 2**30))))


def executor_paths(models_dir: Path, presets_dir: Path, datasets_dir: Path) -> dict[str, str]:
    return {"models_dir": str(models_dir), "presets_dir": str(presets_dir),
            "datasets_dir": str(datasets_dir), "decoded_dir": str(datasets_dir / ".decoded")}
