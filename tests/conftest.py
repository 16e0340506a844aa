"""Shared fixtures: an app built from explicit Settings (nothing read from a temp dir)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
from app_settings import DEFAULTS, make_settings
from fastapi.testclient import TestClient
from redis_server import RedisServer
from redis_server import redis_server as start_redis

from server.main import create_app


@pytest.fixture(scope="session", autouse=True)
def private_models_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Runs started by tests save their models in a temporary folder, never in models/."""
    DEFAULTS["models_dir"] = tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(make_settings())) as test_client:
        yield test_client


@pytest.fixture
def make_client() -> Iterator[Callable[..., TestClient]]:
    """Build a client with overridden settings, e.g. make_client(max_image_pixels=1000)."""
    with contextlib.ExitStack() as stack:

        def factory(raise_server_exceptions: bool = True, **overrides: Any) -> TestClient:
            app = create_app(make_settings(**overrides))
            return stack.enter_context(
                TestClient(app, raise_server_exceptions=raise_server_exceptions))

        yield factory


@pytest.fixture(scope="session")
def lenient_client() -> Iterator[TestClient]:
    """Server exceptions come back as 500 responses instead of being raised (fuzz tests)."""
    with TestClient(create_app(make_settings()), raise_server_exceptions=False) as test_client:
        yield test_client


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`gpu` tests need CUDA: on a machine without it they are deselected (not skipped), and
    the summary line says how many. `make test-gpu` runs them where a GPU is present."""
    if torch.cuda.is_available():
        return
    gpu = [item for item in items if "gpu" in item.keywords]
    if gpu:
        config.hook.pytest_deselected(items=gpu)
        items[:] = [item for item in items if "gpu" not in item.keywords]


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server of this test's own on 127.0.0.1 (empty; `.url`, `.restart()`)."""
    with start_redis() as server:
        yield server
