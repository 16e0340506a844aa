"""`cnn-playground serve` and the rate limit and proxy settings: a bad one stops the server
with exit 2 and names it; the trusted proxies reach uvicorn's forwarded_allow_ips."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from server.cli.main import main


@pytest.fixture
def launches(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    """A clean environment (no CNNPG_ from outside), and uvicorn.run recorded, not run."""
    for name in [k for k in os.environ if k.startswith("CNNPG_")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    monkeypatch.setenv("CNNPG_WARM_START", "false")
    monkeypatch.setenv("CNNPG_MODELS_DIR", str(tmp_path))
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    return calls


@pytest.mark.parametrize(("env", "expected"), [
    ({"CNNPG_RATE_SESSIONS": "lots"}, ["CNNPG_RATE_SESSIONS='lots'", "'20/second;120/minute'"]),
    ({"CNNPG_RATE_RUNS": "0/minute"}, ["CNNPG_RATE_RUNS=", "allows nothing"]),
    ({"CNNPG_RATE_STORAGE": "valkey://127.0.0.1:1"}, ["CNNPG_RATE_STORAGE=", "cannot be used"]),
    ({"CNNPG_TRUSTED_PROXIES": "10.0.0.2, proxy.local"},
     ["CNNPG_TRUSTED_PROXIES=", "'proxy.local' is not an IP address"]),
])
def test_a_bad_rate_or_proxy_setting_stops_the_server(
        launches: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], env: dict[str, str], expected: list[str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["serve", "--port", "8123"]) == 2
    err = capsys.readouterr().err
    for fragment in expected:
        assert fragment in err
    assert not launches


@pytest.mark.parametrize(("value", "expected"), [
    (None, []), ("10.0.0.2, 10.1.0.0/16", ["10.0.0.2", "10.1.0.0/16"]), ('["*"]', ["*"])])
def test_serve_hands_the_trusted_proxies_to_uvicorn(
        launches: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, value: str | None,
        expected: list[str]) -> None:
    """uvicorn would otherwise trust X-Forwarded-For from 127.0.0.1 (its default)."""
    if value is not None:
        monkeypatch.setenv("CNNPG_TRUSTED_PROXIES", value)
    assert main(["serve", "--port", "8123"]) == 0
    (options,) = launches
    assert options["forwarded_allow_ips"] == expected
