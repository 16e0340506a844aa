"""Settings: one object, read from the environment (prefix CNNPG_) and CLI flags."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Annotated, Literal

from limits import parse_many
from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from server.errors import short

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"
# The largest websocket frame a client may send (uvicorn's ws_max_size): anything bigger is
# closed with 1009. Client messages are small JSON (a kernel pipeline is a few kB).
WS_MAX_BYTES = 1024 * 1024


def check_rate(value: str) -> str:
    """'' or limit strings the `limits` library parses, none of them zero."""
    value = value.strip()
    if not value:
        return ""
    try:
        items = parse_many(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a rate limit: write one or more limits such as "
                         "'20/second;120/minute' (a count per second, minute, hour or day, "
                         "separated by ';'), or '' for no limit") from None
    if any(item.amount < 1 for item in items):
        raise ValueError(f"{value!r} allows nothing at all: give each limit a count of at "
                         "least 1, or '' for no limit")
    return value


def check_storage(value: str) -> str:
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme != "memory" and not scheme.startswith(("redis", "valkey", "mongodb")):
        raise ValueError(f"{value!r} is not a rate limit storage this server can use: write "
                         "'memory://' (this process) or a shared storage's address such as "
                         "'redis://host:6379' (Redis, Valkey or MongoDB)")
    return value


def check_device(value: str) -> str:
    """CNNPG_PREDICT_DEVICE's spelling (whether the GPU is there is checked at start)."""
    value = value.strip().lower()
    if value in ("auto", "cpu", "cuda") or (
            value.startswith("cuda:") and value[5:].isdigit() and int(value[5:]) < 64):
        return value
    raise ValueError(f"{value[:40]!r} is not a device for prediction: write 'auto' (a GPU "
                     "when there is one, else the CPU), 'cpu', 'cuda' or 'cuda:N' (N from 0)")


def split_proxies(value: object) -> object:
    """From the environment: a JSON list, or addresses separated by commas."""
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith("["):
            return [part.strip() for part in text.split(",") if part.strip()]
        try:
            return json.loads(text)
        except ValueError:
            raise ValueError(f"{short(text)} is not a JSON list: write '[\"10.0.0.2\"]' or "
                             "plain addresses separated by commas") from None
    return value


def check_proxy(value: str) -> str:
    value = value.strip()
    try:
        if value != "*":
            (ipaddress.ip_network if "/" in value else ipaddress.ip_address)(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IP address or network: write addresses such "
                         "as '10.0.0.2' or '10.0.0.0/8' (no host bits after the '/'), or "
                         "'*' to trust any peer") from None
    return value


def check_token(value: str) -> str:
    if value and not (16 <= len(value) <= 512 and all("!" <= c <= "~" for c in value)):
        raise ValueError(f"a token of {len(value)} characters: write 16 to 512 printable "
                         "ASCII characters without spaces (e.g. `openssl rand -hex 32`), "
                         "or '' to keep metrics on this machine only")
    return value


RateLimit = Annotated[str, AfterValidator(check_rate)]
MetricsToken = Annotated[str, AfterValidator(check_token)]
RateStorage = Annotated[str, AfterValidator(check_storage)]
PredictDevice = Annotated[str, AfterValidator(check_device)]
Proxies = Annotated[list[Annotated[str, AfterValidator(check_proxy)]], NoDecode,
                    BeforeValidator(split_proxies)]


class Settings(BaseSettings):
    """Everything configurable. Passed into create_app(); never a module global."""

    model_config = SettingsConfigDict(env_prefix="CNNPG_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    models_dir: Path = PROJECT_ROOT / "models"
    web_dir: Path = PROJECT_ROOT / "web"
    samples_dir: Path = DATA_DIR / "images"

    # Image intake limits. A 20 MB upload of a 40 MP photo is the largest a
    # phone produces today; anything bigger is almost always a mistake or an attack.
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    max_image_pixels: int = Field(default=40_000_000, ge=64)
    # Decoded images kept for live editing (RGB uint8 + float32 copies).
    image_cache_bytes: int = Field(default=768 * 1024 * 1024, ge=1024 * 1024)
    presets_dir: Path = PROJECT_ROOT / "models" / "presets"
    # Full dataset downloads; the built-in subsets ship inside the package.
    datasets_dir: Path = Path.home() / ".cache" / "cnn-playground" / "datasets"
    # Networks: refused with the numbers before any tensor is allocated.
    max_params: int = Field(default=50_000_000, ge=1000)
    max_activation_bytes: int = Field(default=512 * 1024 * 1024, ge=1024)
    # Training. Warm workers: processes kept ready to train (torch imported, device up, one
    # step taken), 0: derived from memory (one per 1.5 GiB of half the host's memory, at
    # most 32: 8 on a 24 GiB machine). Runs at once (0: one per warm worker; admission by
    # memory may start fewer). torch threads per run (0: a lone CPU run takes every core,
    # N runs share them; a GPU run takes one). warm_start=False starts the workers with the
    # first run instead of with the server (tests, scripts).
    warm_workers: int = Field(default=0, ge=0, le=256)
    warm_start: bool = True
    max_concurrent_runs: int = Field(default=0, ge=0, le=256)
    train_threads: int = Field(default=0, ge=0, le=256)
    # The share of the device's memory that admission hands out to runs.
    memory_headroom: float = Field(default=0.8, gt=0.05, le=1.0)
    stream_interval: float = Field(default=0.25, ge=0.01, le=10.0)
    probe_interval: float = Field(default=1.0, ge=0.05, le=60.0)  # activations, filters
    # A run's replay history (probe frames and weights at kept points), saved with its model.
    run_history_bytes: int = Field(default=8 * 2**20, ge=0, le=2**30)
    # A websocket viewer whose send has not completed after this many seconds (it stopped
    # reading; its socket buffers are full) is closed with 1013 and dropped; pages reconnect.
    ws_send_timeout: float = Field(default=10.0, gt=0.0, le=600.0)
    # Model store: the largest model archive accepted by import (the weights of a network at
    # the params limit, 50 M float32, are 200 MB), images per batch prediction, models
    # kept loaded in memory for prediction.
    max_model_bytes: int = Field(default=256 * 1024 * 1024, ge=1024 * 1024)
    max_batch_files: int = Field(default=64, ge=1, le=1024)
    # Batched prediction: how long a forward pass about to start may wait for requests still
    # being decoded to join it (milliseconds). 0: never wait. A lone request never waits.
    batch_delay_ms: float = Field(default=0.0, ge=0.0, le=1000.0)
    # The most threads a forward pass uses in the server process (0: every core it may use).
    # A pass of fewer than 4 images uses one; one of 32 or more runs in slices of at least 16
    # images at once (server/inference/batcher.py, pass_plan).
    predict_threads: int = Field(default=0, ge=0, le=256)
    # Where prediction runs (/predict, /v2, explanations, detection, the webcam): "auto" (the
    # first CUDA GPU torch can use, else the CPU), "cpu", "cuda" or "cuda:N". A GPU named
    # here that torch cannot use stops the server at start with the reason.
    predict_device: PredictDevice = "auto"
    # The Classify page's webcam (/ws/classify): one frame's bytes (below WS_MAX_BYTES, so an
    # oversized frame is answered, not closed), its pixels, and the frames a socket may have
    # classified a second (the newest waiting frame goes next; the ones it replaced are skipped).
    webcam_max_frame_bytes: int = Field(default=512 * 1024, ge=1024, le=WS_MAX_BYTES - 4096)
    webcam_max_pixels: int = Field(default=320 * 320, ge=64, le=4096 * 4096)
    webcam_max_fps: float = Field(default=30.0, gt=0.0, le=1000.0)
    # Images in one Open Inference Protocol request (POST /v2/models/{name}/infer): the
    # first dimension of its input tensor.
    max_infer_batch: int = Field(default=256, ge=1, le=65536)
    loaded_models: int = Field(default=8, ge=1, le=256)
    # Other sites whose pages may send state-changing requests and open websockets here
    # (exact origins, e.g. ["https://class.example.org"]); the server's own always may.
    allowed_origins: list[str] = Field(default_factory=list)
    # Host names this server answers to besides the loopback names, any IP address and
    # public_url's host (e.g. ["playground.school.example"]): a guard against DNS rebinding.
    allowed_hosts: list[str] = Field(default_factory=list)
    # Sessions: the key that signs session cookies and bearer tokens (empty: one is made and
    # kept in <models_dir>/.session-secret). Per-session limits: runs training at once, runs
    # waiting beyond those, models kept in the store, bytes of uploaded images held.
    session_secret: str = ""
    session_max_active_runs: int = Field(default=2, ge=1, le=64)
    session_max_queued_runs: int = Field(default=4, ge=0, le=256)
    session_max_models: int = Field(default=50, ge=1, le=100_000)
    session_max_upload_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    # Your own datasets (kept in <models_dir>/.datasets/, shared like the models): how many
    # a session may have, the pictures in one dataset, the bytes a session's datasets may
    # store (normalised PNGs: a 32x32 grey picture is ~1 KB), and the largest zip import.
    session_max_datasets: int = Field(default=20, ge=1, le=10_000)
    dataset_max_images: int = Field(default=50_000, ge=10, le=10_000_000)
    session_max_dataset_bytes: int = Field(default=500 * 1024 * 1024, ge=1024)
    max_dataset_import_bytes: int = Field(default=256 * 1024 * 1024, ge=1024)
    # The address students use to reach this server (e.g. http://192.168.1.20:8000), for
    # rooms' join links; empty: the address the teacher's browser used.
    public_url: str = ""
    # Rooms: open rooms per server, participants per room.
    max_rooms: int = Field(default=200, ge=1, le=100_000)
    max_room_participants: int = Field(default=200, ge=1, le=10_000)
    # Filtering threads for OpenCV; 0 lets OpenCV choose.
    cv_threads: int = Field(default=0, ge=0, le=64)
    # Rate limits per client address (docs/security.md "Rate limits"): for each action, one
    # or more limit strings of the `limits` library separated by ';', e.g. "20/second;120/
    # minute" (a burst cap and a sustained cap); "" turns that limit off. Sized so that 40
    # students behind one school address can all mint a session, join and start runs within
    # a minute, while a script minting 40 sessions in 0.1 s is refused. Storage: where the
    # counters live ("memory://" in this process; "redis://host:6379" shares them between
    # servers). Trusted proxies: addresses (IPs or CIDR networks, "*" for any) whose
    # X-Forwarded-For / X-Forwarded-Proto are believed, as a JSON list or comma-separated;
    # empty: none, the peer is the client.
    rate_sessions: RateLimit = "20/second;120/minute"
    rate_joins: RateLimit = "30/second;300/minute"
    rate_uploads: RateLimit = "20/second;240/minute"
    rate_runs: RateLimit = "20/second;120/minute"
    rate_storage: RateStorage = "memory://"
    trusted_proxies: Proxies = Field(default_factory=list)
    # Compute budgets (#14). Networks: multiply-accumulates per sample (every preset needs
    # under 2e8; 1e10 is seconds of CPU per sample). Batch prediction: the activation bytes
    # one forward pass may hold (batches are split into passes that fit; one image always
    # runs: it is within CNNPG_MAX_ACTIVATION_BYTES). Filtering: the estimated seconds of
    # one request's pipeline on this machine's reference speed (bench/filter_cost.py).
    # Caches: display-size and float copies of images (previews; a 40 MP photo's float copy,
    # 480 MB, fits), the bytes of the models loaded for prediction, and decoded dataset
    # splits held by the server for sample images (full CIFAR-10 is 180 MB).
    max_macs: int = Field(default=10_000_000_000, ge=1000)
    max_predict_bytes: int = Field(default=512 * 1024 * 1024, ge=1024 * 1024)
    max_filter_cost: float = Field(default=0.5, gt=0.0, le=3600.0)
    max_detection_boxes: int = Field(default=10_000, ge=1, le=100_000)  # NMS, per request
    preview_cache_bytes: int = Field(default=512 * 1024 * 1024, ge=1024 * 1024)
    loaded_models_bytes: int = Field(default=1024 * 1024 * 1024, ge=1024)
    dataset_cache_bytes: int = Field(default=512 * 1024 * 1024, ge=1024)

    # Retention (#14): finished runs (finished, stopped, failed) are pruned after this many
    # hours: their events, frames and socket topic are freed and a summary is kept (settings,
    # curves, final metrics; at most run_summaries_per_session per session and
    # run_summaries_total in all, oldest out, in <models_dir>/.runs/). Sessions' private
    # models, uploads and run summaries unused for data_retention_days are deleted (0: kept
    # forever); published models and the operator's (no owner) are never deleted. The
    # pruner sweeps every prune_interval_seconds in a background thread.
    run_retention_hours: float = Field(default=24.0, gt=0.0, le=24 * 3650)
    data_retention_days: float = Field(default=30.0, ge=0.0, le=36500.0)
    run_summaries_per_session: int = Field(default=50, ge=1, le=100_000)
    run_summaries_total: int = Field(default=1000, ge=1, le=1_000_000)
    prune_interval_seconds: float = Field(default=300.0, ge=0.01, le=86400.0)
    # Scale-out: the run engine. "local": warm worker processes on this machine; "ray":
    # warm Ray actors on a cluster (docs/scale-out.md). ray_address: "auto" (the cluster this
    # machine joined with `ray start`), "host:port" from `ray start --head`,
    # "ray://host:10001" (Ray Client), or "local" (an embedded Ray started with the server,
    # for development). The pool's named actors live in ray_namespace, shared by every API
    # replica that names it. A run the cluster cannot place (no node has the CPU or GPU
    # share it needs) fails after ray_placement_timeout seconds instead of waiting forever.
    executor: Literal["local", "ray"] = "local"
    ray_address: str = "auto"
    ray_namespace: str = Field(default="cnn-playground", min_length=1, max_length=64)
    ray_placement_timeout: float = Field(default=120.0, gt=0.0, le=86_400.0)
    # Shared state between API replicas (docs/scale-out.md): "" keeps everything in this
    # process's memory; "redis://host:6379/0" puts run events and snapshots, rooms, join
    # codes, kicks and rate-limit counters in Redis, so any replica serves any student.
    # Replicas must then share CNNPG_SESSION_SECRET.
    redis_url: str = Field(default="", max_length=2000, pattern=r"^(|rediss?://.+|unix://.+)$")
    # Metrics and readiness (docs/api.md "Metrics and readiness"). GET /metrics is open to
    # this machine (loopback, not forwarded by a proxy); from elsewhere a scraper sends
    # "Authorization: Bearer <metrics_token>" ("": refused, 403). Preloaded models: ids
    # loaded, warmed up and kept in memory from start-up (a JSON list, e.g.
    # '["lenet-mnist-shipped-5f2a"]'); GET /api/ready answers 200 only once they are.
    metrics_token: MetricsToken = ""
    preload_models: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=64)
