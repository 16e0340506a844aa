"""kill -9 trial of a session dataset's packs: a process adding pictures in flushed
batches, and deleting some, is killed with SIGKILL 0-40 ms after it is ready, 40 times, the
next one carrying on where it stopped. After each kill the dataset is opened again: every
picture reported kept is there, in its class, pixel for pixel; every picture there is one
the process added, whole (no torn record); training can read it; nothing was duplicated."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np

from server.datasets import user_packs

from .pack_zygote import CLASSES, open_store, picture

ROUNDS = 40
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def check(root: Path, dataset_id: str, lines: list[str]) -> int:
    kept = {int(line.split()[1]) for line in lines if line.startswith("kept ")}
    maybe_gone = {int(line.split()[1]) for line in lines if line.startswith("deleting ")}
    store = open_store(root)
    record = store.get(dataset_id)
    found: dict[int, str] = {}
    for entry in record.classes:
        ids, pixels = user_packs.read_class(root, record, entry.id)
        for image_id, image in zip(ids, pixels, strict=True):
            n = int(image_id, 16)
            assert n not in found, f"picture {n} is stored twice"
            assert CLASSES[n % 3] == entry.name, (n, entry.name)
            assert np.array_equal(image, picture(n)), f"picture {n} is damaged"
            found[n] = entry.name
    missing = kept - maybe_gone - set(found)
    assert not missing, f"pictures reported kept are gone: {sorted(missing)[:5]}"
    assert store.counts(record) == {c: list(found.values()).count(c) for c in CLASSES}
    images, labels = user_packs.arrays(root, record)
    assert images.shape == (len(found), 16, 16, 3)
    assert sorted(labels.tolist()) == sorted(CLASSES.index(c) for c in found.values())
    return len(kept)


def test_kill_9_mid_write_leaves_a_whole_readable_dataset(tmp_path: Path) -> None:
    root, rng, kept = tmp_path / "datasets", random.Random(16), 0
    command = [sys.executable, str(HERE / "pack_zygote.py"), str(root)]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}) as zygote:
        ask, answers = zygote.stdin, zygote.stdout
        assert ask is not None
        assert answers is not None
        dataset_id = answers.readline().strip()
        for _ in range(ROUNDS):
            ask.write(f"{rng.uniform(0, 40):.3f}\n")
            ask.flush()
            assert answers.readline().strip() == "killed"
            lines = (tmp_path / "reported.txt").read_text().splitlines()
            kept = check(root, dataset_id, lines)
        ask.close()
    assert kept > ROUNDS * 7  # each round kept a batch or more before its kill
