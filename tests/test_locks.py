"""The locks in requirements/: exact, hashed, consistent, and what this environment runs."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import torch
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
REQ = ROOT / "requirements"
LOCKS = ("cpu", "cpu-dev", "cuda", "cuda-dev")
PIN = re.compile(r"^([A-Za-z0-9._-]+)(\[[^\]]*\])?==(\S+)")
CUDA_ONLY = re.compile(r"^(nvidia-|cuda-|triton$)")


def read_lock(name: str) -> dict[str, tuple[str, list[str]]]:
    """{package: (version, hashes)} of requirements/<name>.txt."""
    entries: dict[str, tuple[str, list[str]]] = {}
    current = ""
    for line in (REQ / f"{name}.txt").read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            assert current not in entries, f"{name}.txt pins {current} twice"
            entries[current] = (match.group(3), [])
        elif line.strip().startswith("--hash=sha256:"):
            entries[current][1].append(line.strip().removeprefix("--hash=sha256:").rstrip(" \\"))
        else:
            stripped = line.strip()
            assert not stripped or stripped.startswith("#"), f"{name}.txt: unexpected {line!r}"
    return entries


def torch_version() -> str:
    match = re.search(r"^torch==(\S+)$", (REQ / "torch.txt").read_text(), re.MULTILINE)
    assert match, "requirements/torch.txt names no torch version"
    return match.group(1)


@pytest.mark.parametrize("name", LOCKS)
def test_every_package_is_exact_and_hashed(name: str) -> None:
    lock = read_lock(name)
    assert len(lock) > 20
    for package, (version, hashes) in lock.items():
        Version(version)  # an exact, valid version
        assert hashes, f"{name}.txt: {package} has no hash"
        assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes), package


@pytest.mark.parametrize("name", ["cpu", "cpu-dev"])
def test_cpu_locks_bring_no_cuda(name: str) -> None:
    lock = read_lock(name)
    cuda = sorted(p for p in lock if CUDA_ONLY.match(p))
    assert not cuda, f"{name}.txt would install CUDA packages on a CPU machine: {cuda}"
    assert lock["torch"][0] == f"{torch_version()}+cpu"


@pytest.mark.parametrize("name", ["cuda", "cuda-dev"])
def test_cuda_locks_take_the_cuda_build_of_the_same_torch(name: str) -> None:
    lock = read_lock(name)
    assert lock["torch"][0] == torch_version()
    assert any(p.startswith("nvidia-") for p in lock), f"{name}.txt has no CUDA libraries"


def test_a_package_has_one_version_in_every_lock() -> None:
    locks = {name: read_lock(name) for name in LOCKS}
    for name, lock in locks.items():
        for package, (version, _) in lock.items():
            if package == "torch":
                continue
            for other, other_lock in locks.items():
                if package in other_lock:
                    assert other_lock[package][0] == version, (
                        f"{package}: {version} in {name}.txt, {other_lock[package][0]} in "
                        f"{other}.txt; run `make lock`")


@pytest.mark.parametrize("build", ["cpu", "cuda"])
def test_dev_lock_holds_the_runtime_lock(build: str) -> None:
    runtime, dev = read_lock(build), read_lock(f"{build}-dev")
    assert set(runtime) <= set(dev)
    assert len(dev) > len(runtime)


def declared(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    raw = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    return [Requirement(text) for text in raw]


@pytest.mark.parametrize(("name", "extra"), [("cpu", None), ("cpu-dev", "dev"),
                                             ("cuda", None), ("cuda-dev", "dev")])
def test_lock_satisfies_pyproject(name: str, extra: str | None) -> None:
    """pyproject.toml keeps the loose ranges; every locked version must sit inside them (a
    range raised without `make lock` fails here)."""
    lock = read_lock(name)
    for requirement in declared(None) + (declared(extra) if extra else []):
        package = canonicalize_name(requirement.name)
        assert package in lock, f"{package} is declared in pyproject.toml but not in {name}.txt"
        version = Version(lock[package][0])
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{name}.txt has {package} {version}, outside pyproject's {requirement.specifier}")


def test_this_environment_runs_the_lock() -> None:
    """Every locked package is installed at its locked version (`make test` syncs from it)."""
    name = "cpu-dev" if torch.__version__.endswith("+cpu") else "cuda-dev"
    lock = read_lock(name)
    wrong = {}
    for package, (version, _) in lock.items():
        try:
            installed = metadata.version(package)
        except metadata.PackageNotFoundError:
            installed = "missing"
        if installed != version:
            wrong[package] = (installed, version)
    assert not wrong, f"installed vs {name}.txt: {wrong}; run `make dev`"


def test_docker_image_installs_from_the_lock() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes" in dockerfile
    assert "requirements/${TORCH_BUILD}.txt" in dockerfile
    assert re.search(r"ARG TORCH_BUILD=cpu\b", dockerfile)


def test_front_end_lock_matches_the_pins() -> None:
    package = json.loads((ROOT / "web" / "package.json").read_text())
    lock = json.loads((ROOT / "web" / "package-lock.json").read_text())
    assert lock["lockfileVersion"] >= 2
    root = lock["packages"][""]
    pins = {**package.get("dependencies", {}), **package.get("devDependencies", {})}
    assert pins
    for name, version in pins.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned exactly: {version}"
        entry = lock["packages"][f"node_modules/{name}"]
        assert entry["version"] == version, f"package-lock.json has {name} {entry['version']}"
        assert entry["integrity"].startswith("sha512-")
        assert name in {**root.get("dependencies", {}), **root.get("devDependencies", {})}
    banner = (ROOT / "web/static/vendor/uplot/uPlot.esm.js").read_text()[:400]
    assert f"(v{pins['uplot']})" in banner, "vendored uPlot differs from web/package.json"
