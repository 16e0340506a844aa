"""Settings for tests: every limit the tests depend on spelled out, nothing from the
environment. A plain module (not a conftest) so that test packages can import it."""

from __future__ import annotations

from typing import Any

from server.config import Settings

DEFAULTS: dict[str, Any] = {
    "max_upload_bytes": 8 * 1024 * 1024,
    "max_image_pixels": 40_000_000,
    "image_cache_bytes": 64 * 1024 * 1024,
    "cv_threads": 0,
    # Two warm workers, started by the first run (most tests never train: no processes).
    "warm_workers": 2,
    "warm_start": False,
    # Starlette's TestClient sends `Host: testserver`, a name the server answers to only here.
    "allowed_hosts": ["testserver"],
    # Rate limits off: every TestClient comes from one address ("testclient") and a suite
    # makes hundreds of sessions and runs a minute. tests/api/test_rate_limits.py turns
    # them on (the shipped defaults among them).
    "rate_sessions": "", "rate_joins": "", "rate_uploads": "", "rate_runs": "",
}


def make_settings(**overrides: Any) -> Settings:
    """Settings with every limit the tests depend on spelled out (environment cannot leak in)."""
    return Settings(**{**DEFAULTS, **overrides})
