"""`cnn-playground serve` with settings that cannot work stops at once and names them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("env", "expected"), [
    ({"CNNPG_WARM_WORKERS": "-1"}, ["CNNPG_WARM_WORKERS=", "greater than or equal to 0"]),
    ({"CNNPG_WARM_WORKERS": "100000"}, ["CNNPG_WARM_WORKERS=", "less than or equal to 256"]),
    ({"CNNPG_WARM_WORKERS": "2", "CNNPG_MAX_CONCURRENT_RUNS": "9"},
     ["CNNPG_MAX_CONCURRENT_RUNS=9", "raise CNNPG_WARM_WORKERS to at least 9"]),
    ({"CNNPG_MEMORY_HEADROOM": "7"}, ["CNNPG_MEMORY_HEADROOM=", "less than or equal to 1"]),
])
def test_absurd_engine_settings_stop_the_server(env: dict[str, str],
                                                expected: list[str]) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CNNPG_")}
    result = subprocess.run([sys.executable, "-m", "server", "serve", "--port", "1"],
                            env={**clean, **env}, cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2, result.stderr
    for fragment in expected:
        assert fragment in result.stderr
    assert "Traceback" not in result.stderr
