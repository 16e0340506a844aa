"""kill -9 trial of the model store: a process saving and importing models through the
store API (store_zygote.py) is killed with SIGKILL at a random point 100 times, 0-50 ms
after it is ready (its first save done, so kills land in later saves and imports). After
each kill the store is opened again: every model the process reported saved is listed, not
damaged, and loads with the weights it was saved with; no model is half-written (nothing
listed damaged, and a damaged one would carry its reason). Staging folders a kill leaves
behind are hidden from the listing and swept once stale."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import torch

from server.store.disk import ModelStore
from server.store.files import STALE_SECONDS

from .store_zygote import small_model

ROUNDS = 100
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def reported(folder: Path) -> list[tuple[str, int]]:
    path = folder / "reported.txt"
    lines = path.read_text().splitlines() if path.exists() else []
    return [(line.split()[0], int(line.split()[1])) for line in lines]


def check_store(root: Path, fresh: list[tuple[str, int]], everything: set[str]) -> None:
    store = ModelStore(root)
    entries = {e.id: e for e in store.entries()}
    assert all(e.damaged for e in entries.values() if e.manifest is None)  # reasons, always
    assert not [(e.id, e.damaged) for e in entries.values() if e.damaged]
    assert everything <= set(entries), everything - set(entries)
    for model_id, seed in fresh:  # the newly reported: their weights, exactly
        _, model, _ = store.load(model_id)
        expected = small_model(seed).state_dict()
        for name, tensor in model.state_dict().items():
            assert torch.equal(tensor, expected[name]), (model_id, name)


def test_kill_9_loses_nothing_reported_and_leaves_nothing_half_written(tmp_path: Path) -> None:
    root = tmp_path / "models"
    zygote = subprocess.Popen([sys.executable, str(HERE / "store_zygote.py"), str(root)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert zygote.stdin is not None
    assert zygote.stdout is not None
    rng = random.Random(14)
    seen: set[str] = set()
    started = time.monotonic()
    try:
        assert zygote.stdout.readline().strip() == "ready"
        for _ in range(ROUNDS):
            zygote.stdin.write(f"{rng.uniform(0, 50):.3f}\n")
            zygote.stdin.flush()
            assert zygote.stdout.readline().strip() == "killed"
            now = reported(tmp_path)
            fresh = [r for r in now if r[0] not in seen]
            seen |= {r[0] for r in now}
            check_store(root, fresh, seen)
    finally:
        zygote.stdin.close()
        zygote.wait(timeout=30)
        zygote.stdout.close()
    print(f"\nkill -9 trial: {ROUNDS} kills, {len(seen)} models reported saved, all intact, "
          f"{time.monotonic() - started:.1f} s")
    assert len(seen) > ROUNDS  # each round saved at least once before its kill
    staging = [p for p in root.iterdir() if p.name.startswith(".")]
    for path in staging:  # what kills left: a day old now
        os.utime(path, (time.time() - STALE_SECONDS - 60,) * 2)
    ModelStore(root)  # opening the store sweeps stale staging and trash folders
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []
