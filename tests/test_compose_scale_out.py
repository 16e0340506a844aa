"""docker-compose's scale-out profiles (docs/scale-out.md "Run it with docker-compose"): every
profile validates, plain `up` is still the single machine, the API replicas share one secret,
one Redis and one store, nginx passes websockets and uploads, and a node refuses to start
without the secrets it shares."""

from __future__ import annotations

import inspect
import ipaddress
import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from server.api.body_limit import BodyLimit
from server.config import Settings
from server.errors import human_bytes

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
NGINX = ROOT / "deploy" / "nginx.conf"
PROFILES = [[], ["gpu"], ["scale-out"], ["scale-out", "scale-out-gpu"]]
SECRETS = {"CNNPG_SESSION_SECRET": "s" * 64, "RAY_AUTH_TOKEN": "t" * 64}
SCALE_OUT = {"redis", "ray-head", "ray-worker", "api", "lb"}


def compose(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker-compose", "-f", str(COMPOSE), *args], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, **(env or {})})


def resolved(**env: str) -> dict[str, Any]:
    """The scale-out configuration as docker-compose resolves it (variables filled in), or
    the file itself (anchors merged) where docker-compose is missing."""
    if not shutil.which("docker-compose"):
        return dict(yaml.safe_load(COMPOSE.read_text()))
    result = compose("--profile", "scale-out", "--profile", "scale-out-gpu", "config",
                     env={**SECRETS, **env})
    assert result.returncode == 0, result.stderr
    return dict(yaml.safe_load(result.stdout))


@pytest.mark.parametrize("profiles", PROFILES, ids=lambda p: "profiles-" + ("+".join(p) or "none"))
def test_every_profile_validates(profiles: list[str]) -> None:
    if not shutil.which("docker-compose"):
        pytest.skip("docker-compose is not installed (make system-deps installs it)")
    flags = [arg for profile in profiles for arg in ("--profile", profile)]
    for env in ({}, SECRETS):  # without the secrets too: `up` of the single machine needs none
        result = compose(*flags, "config", "-q", env=env)
        assert result.returncode == 0, result.stderr


def test_plain_up_is_still_the_single_machine() -> None:
    services = resolved()["services"]
    assert set(services) >= SCALE_OUT
    always = {name for name, service in services.items() if "profiles" not in service}
    assert always == {"app"}
    assert services["app"]["ports"] in (["127.0.0.1:8000:8000"], ["127.0.0.1:8000:8000/tcp"])
    for name in SCALE_OUT - {"ray-worker"}:
        assert services[name]["profiles"] == ["scale-out"], name
    # Not `gpu`: `--profile gpu up` (the single machine with a GPU) must not start Ray.
    assert services["ray-worker"]["profiles"] == ["scale-out-gpu"]


def test_api_replicas_share_one_secret_one_redis_and_the_ray_head() -> None:
    doc = resolved(CNNPG_API_REPLICAS="4", CNNPG_SESSION_SECRET="the-shared-key")
    services = doc["services"]
    serving = [name for name, service in services.items()
               if "cnn-playground serve" in " ".join(service.get("command") or [])]
    assert serving == ["api"]  # the replicas are one service: one environment for all
    api = services["api"]
    env = api["environment"]
    if shutil.which("docker-compose"):
        assert api["deploy"]["replicas"] == 4
        assert env["CNNPG_SESSION_SECRET"] == "the-shared-key"
    else:
        assert env["CNNPG_SESSION_SECRET"] == "${CNNPG_SESSION_SECRET:-}"
    assert env["CNNPG_EXECUTOR"] == "ray"
    assert env["CNNPG_RAY_ADDRESS"] == "ray-head:6379"
    assert env["CNNPG_REDIS_URL"] == "redis://redis:6379/0"
    assert "ports" not in api  # reached through the load balancer only
    assert api["expose"] == ["8000"]
    assert {"redis", "ray-head"} <= set(api["depends_on"])
    assert services["lb"]["depends_on"] in (["api"], {"api": {"condition": "service_started"}})


def test_the_api_environment_is_valid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    if not shutil.which("docker-compose"):
        pytest.skip("docker-compose is not installed: the variables cannot be resolved")
    doc = resolved()
    for name, value in doc["services"]["api"]["environment"].items():
        monkeypatch.setenv(name, str(value))
    settings = Settings()
    assert (settings.executor, settings.redis_url) == ("ray", "redis://redis:6379/0")
    assert settings.session_secret == SECRETS["CNNPG_SESSION_SECRET"]
    # The trusted proxies are the network nginx reaches the replicas on.
    subnet = doc["networks"]["scale-out"]["ipam"]["config"][0]["subnet"]
    assert [ipaddress.ip_network(p) for p in settings.trusted_proxies] == [
        ipaddress.ip_network(subnet)]
    assert doc["services"]["lb"]["networks"] in (["scale-out"], {"scale-out": None})
    # Healthy once ready: the preloaded models (none unless set) loaded and warm.
    assert settings.preload_models == []
    assert "/api/ready" in " ".join(doc["services"]["api"]["healthcheck"]["test"])


def test_replicas_and_ray_nodes_share_the_store_at_the_same_path() -> None:
    services = resolved()["services"]
    for name in ("api", "ray-head", "ray-worker"):
        service = services[name]
        mounts = [str(v).removesuffix(":rw") for v in service["volumes"]]
        assert mounts == ["shared:/shared"], name
        env = service["environment"]
        assert env["CNNPG_MODELS_DIR"] == "/shared/models", name
        assert env["CNNPG_DATASETS_DIR"] == "/shared/datasets", name
        assert env["RAY_AUTH_MODE"] == "token", name


def test_redis_ray_head_and_the_gpu_workers() -> None:
    services = resolved()["services"]
    redis = services["redis"]
    assert redis["image"].startswith("redis:")
    assert redis["command"][:3] == ["redis-server", "--appendonly", "yes"]
    assert [str(v).removesuffix(":rw") for v in redis["volumes"]] == ["redis:/data"]
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    head = services["ray-head"]
    command = " ".join(head["command"])
    assert "ray start --head --port=6379" in command
    assert "--block" in command
    assert "--include-dashboard=false" in command
    assert all(str(p).startswith("127.0.0.1:") for p in head["ports"])  # loopback only
    worker = services["ray-worker"]
    assert "ray start --address=ray-head:6379" in " ".join(worker["command"])
    assert "--num-gpus=1" in " ".join(worker["command"])
    (device,) = worker["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia"
    assert "gpu" in device["capabilities"]
    assert len(device["device_ids"]) == 1
    assert "count" not in device
    assert worker["build"]["args"]["TORCH_BUILD"] == "cuda"


def _fake_bin(folder: Path) -> None:
    """`ray` and `cnn-playground` that only say how they were called."""
    folder.mkdir()
    for name in ("ray", "cnn-playground"):
        tool = folder / name
        tool.write_text(f'#!/bin/sh\necho "{name} $*" >> "$CALLS"\n')
        tool.chmod(tool.stat().st_mode | stat.S_IEXEC)


@pytest.mark.parametrize("missing", ["", "RAY_AUTH_TOKEN", "CNNPG_SESSION_SECRET"])
def test_an_api_replica_without_the_shared_secrets_does_not_start(tmp_path: Path,
                                                                   missing: str) -> None:
    command = resolved()["services"]["api"]["command"]
    assert command[:2] == ["sh", "-c"]
    script = command[2].replace("$$", "$")  # compose's escape of a literal $
    _fake_bin(tmp_path / "bin")
    calls = tmp_path / "calls"
    env = {"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin", "CALLS": str(calls), **SECRETS}
    env.pop(missing, None)
    result = subprocess.run(["sh", "-c", script], capture_output=True, text=True, env=env)
    if missing:
        assert result.returncode == 64
        assert f"set {missing}" in result.stderr
        assert not calls.exists()
    else:
        assert result.returncode == 0, result.stderr
        ray, serve = calls.read_text().splitlines()
        assert ray.startswith("ray start --address=ray-head:6379 --num-cpus=0")
        assert serve == "cnn-playground serve"


def nginx_directives() -> list[tuple[str, str, str]]:
    """(location or '', directive, value) for every simple directive of deploy/nginx.conf."""
    found, location = [], ""
    for raw in NGINX.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if match := re.match(r"location\s+(.+?)\s*\{$", line):
            location = match.group(1)
        elif line == "}":
            location = ""
        elif line.endswith(";"):
            name, _, value = line[:-1].partition(" ")
            found.append((location, name, value.strip()))
    return found


def kilobytes(value: str) -> int:
    assert value.endswith("k"), value
    return int(value[:-1]) * 1024


def test_nginx_passes_websockets_uploads_and_the_client_address() -> None:
    directives = nginx_directives()
    everywhere = {(n, v) for loc, n, v in directives if not loc}
    assert ("proxy_http_version", "1.1") in everywhere
    assert ("proxy_set_header", "Upgrade $http_upgrade") in everywhere
    assert ("proxy_set_header", "Connection $connection_upgrade") in everywhere
    assert ("proxy_set_header", "X-Forwarded-For $proxy_add_x_forwarded_for") in everywhere
    assert ("proxy_set_header", "X-Forwarded-Proto $scheme") in everywhere
    assert ("proxy_set_header", "Host $http_host") in everywhere  # Origin is checked against it
    sockets = {n: v for loc, n, v in directives if loc == "/ws/"}
    assert int(sockets["proxy_read_timeout"].removesuffix("s")) >= 3600
    # The body limits: exactly the app's own (with its allowance for multipart framing), and
    # refused with the app's error body, naming the setting.
    allowance = inspect.signature(BodyLimit).parameters["allowance"].default
    for location, setting in (("", "max_upload_bytes"),
                              ("= /api/models/import", "max_model_bytes"),
                              ("= /api/datasets", "max_dataset_import_bytes")):
        here = {n: v for loc, n, v in directives if loc == location}
        limit = int(Settings.model_fields[setting].default)
        assert kilobytes(here["client_max_body_size"]) == limit + allowance, setting
        page = here["error_page"].split()[1]
        (answer,) = [v for loc, n, v in directives if loc == page and n == "return"]
        status, body = answer.split(" ", 1)
        (detail,) = json.loads(body.strip("'"))["detail"]
        assert status == "413"
        assert detail["type"] == "too_large"
        assert f"CNNPG_{setting.upper()}" in detail["msg"]
        assert human_bytes(limit) in detail["msg"]
    lb = resolved()["services"]["lb"]
    assert lb["image"].startswith("nginx:")
    assert any(str(v).startswith(("./deploy/nginx.conf:/etc/nginx/nginx.conf",
                                  f"{NGINX}:/etc/nginx/nginx.conf")) for v in lb["volumes"])


def test_nginx_accepts_its_configuration(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if not nginx:
        pytest.skip("nginx is not installed (make system-deps installs it)")
    result = subprocess.run([nginx, "-t", "-q", "-c", str(NGINX), "-p", str(tmp_path),
                             "-g", f"pid {tmp_path}/nginx.pid;"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
