"""Settings: one object, read from the environment (prefix CNNPG_) and CLI flags."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"
# The largest websocket frame a client may send (uvicorn's ws_max_size): anything bigger is
# closed with 1009. Client messages are small JSON (a kernel pipeline is a few kB).
WS_MAX_BYTES = 1024 * 1024


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
    # A websocket viewer whose send has not completed after this many seconds (it stopped
    # reading; its socket buffers are full) is closed with 1013 and dropped; pages reconnect.
    ws_send_timeout: float = Field(default=10.0, gt=0.0, le=600.0)
    # Model store: the largest model archive accepted by import (the weights of a network at
    # the params limit, 50 M float32, are 200 MB), images per batch prediction, models
    # kept loaded in memory for prediction.
    max_model_bytes: int = Field(default=256 * 1024 * 1024, ge=1024 * 1024)
    max_batch_files: int = Field(default=64, ge=1, le=1024)
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
    # The address students use to reach this server (e.g. http://192.168.1.20:8000), for
    # rooms' join links; empty: the address the teacher's browser used.
    public_url: str = ""
    # Rooms: open rooms per server, participants per room.
    max_rooms: int = Field(default=200, ge=1, le=100_000)
    max_room_participants: int = Field(default=200, ge=1, le=10_000)
    # Filtering threads for OpenCV; 0 lets OpenCV choose.
    cv_threads: int = Field(default=0, ge=0, le=64)
