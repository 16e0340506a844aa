"""How a forward pass uses the server's threads (batcher.pass_plan): a few images on one
thread, a joined pass of a few requests on torch's threads, a batch split into slices on
threads of our own, each slice with one torch thread, all at once, the joined answer the
unsplit pass's, in order; a slice that fails fails the pass, after every slice has ended."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch

from server.inference.batcher import PART, SMALL_PASS, Batcher, pass_plan
from server.inference.predictor import Loaded, Predictor
from server.store import ModelStore


@pytest.fixture(scope="module")
def loaded(models_dir: Path) -> Iterator[Loaded]:
    before = torch.get_num_threads()  # Predictor sets it for this thread: given back after
    yield Predictor(ModelStore(models_dir), threads=1).get(
        next(p.name for p in models_dir.iterdir() if p.name.startswith("lenet")))
    torch.set_num_threads(before)


@pytest.mark.parametrize(("images", "most", "plan"), [
    (1, 3, (1, 1)), (SMALL_PASS - 1, 3, (1, 1)), (SMALL_PASS, 3, (1, 3)),
    (2 * PART - 1, 3, (1, 3)), (2 * PART, 3, (2, 1)), (3 * PART, 3, (3, 1)), (64, 3, (3, 1)),
    (64, 2, (2, 1)), (64, 1, (1, 1)), (100, 8, (6, 1)), (400, 8, (8, 1)),
    (64, 16, (4, 4)), (2 * PART, 8, (2, 4))])
def test_a_pass_plan_follows_its_size(images: int, most: int, plan: tuple[int, int]) -> None:
    assert pass_plan(images, most) == plan


def test_the_slices_run_at_once_on_one_torch_thread_each_and_join_in_order(
        loaded: Loaded, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = type(loaded).probabilities
    seen: list[tuple[int, int, int]] = []  # (thread, images, torch threads)
    both_in = threading.Barrier(2, timeout=10)  # two slices of a pass inside at once

    def watched(self: Loaded, x: torch.Tensor) -> torch.Tensor:
        seen.append((threading.get_ident(), len(x), torch.get_num_threads()))
        if len(x) == 32:
            both_in.wait()  # fails (BrokenBarrierError) unless the other slice runs now
        return whole(self, x)

    monkeypatch.setattr(type(loaded), "probabilities", watched)
    with ThreadPoolExecutor(1) as parts:
        batcher = Batcher(loaded, 64, threads=2, parts=parts)
        for size, slices, threads in ((1, [1], 1), (SMALL_PASS, [SMALL_PASS], 2),
                                      (2 * PART - 1, [2 * PART - 1], 2), (64, [32, 32], 1),
                                      (2 * PART + 1, [PART + 1, PART], 1)):
            seen.clear()
            x = torch.randn(size, 1, 28, 28, generator=torch.Generator().manual_seed(size))
            out = asyncio.run(batcher(x))
            assert sorted(images for _, images, _ in seen) == sorted(slices)
            assert all(used == threads for _, _, used in seen)
            assert len({thread for thread, _, _ in seen}) == len(slices)
            assert torch.allclose(out, whole(loaded, x), atol=1e-6)
            assert out.shape == (size, 10)


def test_a_failing_slice_fails_the_pass_after_every_slice_ended(
        loaded: Loaded, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = type(loaded).probabilities
    ended: list[str] = []

    def second_fails(self: Loaded, x: torch.Tensor) -> torch.Tensor:
        if threading.current_thread().name.startswith("part"):
            raise RuntimeError("shape mismatch in the second slice")
        out = whole(self, x)
        ended.append("first")
        return out

    monkeypatch.setattr(type(loaded), "probabilities", second_fails)
    with ThreadPoolExecutor(1, thread_name_prefix="part") as parts:
        batcher = Batcher(loaded, 64, threads=2, parts=parts)
        with pytest.raises(RuntimeError, match="second slice"):
            asyncio.run(batcher(torch.zeros(2 * PART, 1, 28, 28)))
    assert ended == ["first"]  # the first slice finished; its result went nowhere


def test_when_its_own_slice_fails_the_pass_still_waits_for_the_others(
        loaded: Loaded, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = type(loaded).probabilities
    release, ended = threading.Event(), threading.Event()

    def first_fails(self: Loaded, x: torch.Tensor) -> torch.Tensor:
        if not threading.current_thread().name.startswith("part"):
            raise RuntimeError("the pass's own slice failed")
        assert release.wait(10)
        out = whole(self, x)
        ended.set()
        return out

    monkeypatch.setattr(type(loaded), "probabilities", first_fails)
    threading.Timer(0.3, release.set).start()
    with ThreadPoolExecutor(1, thread_name_prefix="part") as parts:
        batcher = Batcher(loaded, 64, threads=2, parts=parts)
        with pytest.raises(RuntimeError, match="own slice"):
            asyncio.run(batcher(torch.zeros(2 * PART, 1, 28, 28)))
        assert ended.is_set()  # the pool's slice had ended before the pass answered


def test_a_slice_the_busy_pool_has_not_started_runs_in_the_pass_thread(
        loaded: Loaded, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = type(loaded).probabilities
    threads: list[str] = []

    def watched(self: Loaded, x: torch.Tensor) -> torch.Tensor:
        threads.append(threading.current_thread().name)
        return whole(self, x)

    monkeypatch.setattr(type(loaded), "probabilities", watched)
    busy = threading.Event()
    with ThreadPoolExecutor(1, thread_name_prefix="part") as parts:
        parts.submit(busy.wait, 10)  # another model's slice holds the only worker
        batcher = Batcher(loaded, 64, threads=2, parts=parts)
        x = torch.randn(2 * PART, 1, 28, 28, generator=torch.Generator().manual_seed(5))
        began = time.monotonic()
        out = asyncio.run(batcher(x))
        assert time.monotonic() - began < 5  # not after the other model's slice (10 s)
        assert not busy.is_set()
        busy.set()
    assert len(threads) == 2
    assert threads[0] == threads[1]
    assert not threads[0].startswith("part")
    assert torch.allclose(out, whole(loaded, x), atol=1e-6)
