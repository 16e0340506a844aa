"""One model's forward passes: one at a time, each taking every request that is waiting.

Split from predictor.py (which keeps the loaded models); see its docstring for the
batching rules and CNNPG_BATCH_DELAY_MS.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, wait
from typing import TYPE_CHECKING, Protocol, TypeVar

import torch

from server.store.manifest import Manifest

if TYPE_CHECKING:
    from server.inference.predictor import Loaded

SMALL_PASS = 4  # images: below this a pass gains little from more threads, and a second
# thread spinning after it takes a core from the event loop and the clients beside it
PART = 16  # images: the fewest a slice of a split pass gets


def pass_plan(images: int, most: int) -> tuple[int, int]:
    """(slices, torch threads per slice) for a forward pass of `images` images, using at
    most `most` threads in all.

    - Fewer than SMALL_PASS images: one slice on one thread.
    - Fewer than 2 x PART: one slice on `most` torch threads. Passes this small are the
      ones that many clients at once make (joined requests), where the server's Python,
      under one GIL, is what limits: each slice adds the module calls' Python, where
      torch's threads add none. Measured with slices of 4 images: 8 clients got 419
      images/s against 520 (medians of 6 rounds).
    - Larger passes (a batch request): one slice per PART images, at most `most`, all at
      once, each on one torch thread (on a machine with more cores than slices, on
      most // slices). A lone request of 64 digits (requests 20 ms apart, in process)
      spent 12.6-13.3 ms in a 2-thread OpenMP pass run from the server's worker threads,
      about what one thread takes, and 7.5-8.5 ms in 2 slices of our own (why OpenMP was
      slow there is not pinned down: docs/performance.md, "Lone batches"). The
      probabilities are the same, since in eval mode every layer treats each image alone."""
    if images < SMALL_PASS:
        return 1, 1
    if images < 2 * PART or most == 1:
        return 1, most
    slices = min(most, images // PART)
    return slices, max(1, most // slices)  # more cores than slices: torch threads in each


def slice_probabilities(loaded: Loaded, x: torch.Tensor, threads: int) -> torch.Tensor:
    """A slice of a pass, in a thread of the parts pool (torch keeps threads per thread)."""
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return loaded.probabilities(x)

T = TypeVar("T")


class PassObserver(Protocol):
    """Told of every forward pass and warm-up (the metrics; called from worker threads)."""

    def forward_pass(self, model_id: str, manifest: Manifest, images: int,
                     seconds: float) -> None: ...

    def warmed(self, model_id: str, manifest: Manifest) -> None: ...


class Batcher:
    """Runs the forward passes of one model: one at a time, each taking every request
    that is waiting (up to max_batch)."""

    def __init__(self, loaded: Loaded, max_batch: int, delay: float = 0.0,
                 on_batch: Callable[[int, int], None] | None = None,
                 observer: PassObserver | None = None, threads: int = 1,
                 parts: Executor | None = None):
        self.loaded = loaded
        self.threads = threads  # the most threads a pass uses (see pass_plan)
        self.parts = parts  # runs the other slices of a pass (threads - 1 workers)
        self.max_batch = max_batch
        self.delay = delay
        self.on_batch = on_batch or (lambda images, requests: None)
        self.observer = observer
        self._waiting: list[tuple[torch.Tensor, asyncio.Future[torch.Tensor]]] = []
        self._running = False
        self._preparing = 0  # requests decoding now, that will join the next pass
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None  # kept: the loop holds tasks weakly

    async def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """x: (n, C, H, W) -> (n, classes) probabilities, in passes of at most max_batch."""
        if len(x) <= self.max_batch:
            return await self._submit(x)
        step = self.max_batch
        parts = await asyncio.gather(*(self._submit(x[i:i + step])
                                       for i in range(0, len(x), step)))
        return torch.cat(parts)

    async def _submit(self, x: torch.Tensor) -> torch.Tensor:
        future: asyncio.Future[torch.Tensor] = asyncio.get_running_loop().create_future()
        self._waiting.append((x, future))
        self._changed.set()
        if not self._running:
            self._running = True
            self._task = asyncio.create_task(self._drain())
        return await future

    async def prepare_and_run(self, prepare: Callable[[], T],
                              tensor: Callable[[T], torch.Tensor]) -> tuple[T, torch.Tensor]:
        """prepare() (decoding, preprocessing) then the forward pass, in passes of at most
        max_batch. When no pass is running both happen in one worker thread (one hand-off,
        not two); otherwise the prepared input joins the next batch."""
        if self._running:
            self._preparing += 1
            try:
                prepared = await asyncio.to_thread(prepare)
            finally:
                self._preparing -= 1
                self._changed.set()
            return prepared, await self(tensor(prepared))
        self._running = True
        try:
            def both() -> tuple[T, torch.Tensor]:
                prepared = prepare()
                x, step = tensor(prepared), self.max_batch
                if len(x) <= step:
                    return prepared, self._pass(x, 1)
                return prepared, torch.cat([self._pass(x[i:i + step], 1)
                                            for i in range(0, len(x), step)])
            return await asyncio.to_thread(both)
        finally:
            if self._waiting:  # requests that arrived meanwhile: drain them now
                self._task = asyncio.create_task(self._drain())
            else:
                self._running = False

    async def _drain(self) -> None:
        try:
            while self._waiting:
                await self._gather()
                batch: list[tuple[torch.Tensor, asyncio.Future[torch.Tensor]]] = []
                total = 0
                while self._waiting and (not batch or total + len(self._waiting[0][0])
                                         <= self.max_batch):
                    item = self._waiting.pop(0)
                    batch.append(item)
                    total += len(item[0])
                await self._run(batch)
        finally:
            self._running = False

    async def _gather(self) -> None:
        """With a delay: wait while requests still decoding may fill the pass (up to the
        delay, and only while some are)."""
        if self.delay <= 0:
            return
        deadline = asyncio.get_running_loop().time() + self.delay
        while (self._preparing and sum(len(x) for x, _ in self._waiting) < self.max_batch):
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    def _forward(self, inputs: list[torch.Tensor]) -> torch.Tensor:
        """In a worker thread: the requests' inputs joined (a copy) and one pass."""
        return self._pass(inputs[0] if len(inputs) == 1 else torch.cat(inputs), len(inputs))

    async def _run(self, batch: list[tuple[torch.Tensor, asyncio.Future[torch.Tensor]]]) -> None:
        inputs = [x for x, _ in batch]
        try:
            probabilities = await asyncio.to_thread(self._forward, inputs)
        except Exception as exc:  # handed to every waiting request, which reports it
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        start = 0
        for x_i, future in batch:
            if not future.done():
                future.set_result(probabilities[start:start + len(x_i)])
            start += len(x_i)

    def _pass(self, x: torch.Tensor, requests: int) -> torch.Tensor:
        """(n, C, H, W) -> (n, classes) for `requests` requests, timed for the metrics (in
        a worker thread)."""
        self.on_batch(len(x), requests)
        # No parts pool (one thread allowed, or a GPU: Predictor gives none): one slice
        slices, threads = pass_plan(len(x), self.threads if self.parts is not None else 1)
        if torch.get_num_threads() != threads:  # this thread's own setting
            torch.set_num_threads(threads)
        started = time.perf_counter()
        probabilities = self._sliced(x, slices, threads)
        if self.observer is not None:
            self.observer.forward_pass(self.loaded.id, self.loaded.manifest, len(x),
                                       time.perf_counter() - started)
        return probabilities

    def _sliced(self, x: torch.Tensor, slices: int, threads: int) -> torch.Tensor:
        """The pass in `slices` slices: the first in this thread, the others in the parts
        pool at the same time; the results joined in order. A slice the pool has not
        started by the time this thread is done with its own (its workers busy with another
        model's pass) runs here instead of waiting for them."""
        if slices == 1:
            return self.loaded.probabilities(x)
        assert self.parts is not None
        first, *rest = x.tensor_split(slices)
        others = [self.parts.submit(slice_probabilities, self.loaded, part, threads)
                  for part in rest]
        done: list[torch.Tensor | Future[torch.Tensor]] = []
        try:
            done.append(self.loaded.probabilities(first))
            done += [self.loaded.probabilities(part) if future.cancel() else future
                     for part, future in zip(rest, others, strict=True)]
        finally:  # the other slices end before the pass does, whatever happened here
            wait([f for f in others if not f.cancelled()])  # (a cancelled one counts as
            # done only once a worker has picked it up)
        return torch.cat([d if isinstance(d, torch.Tensor) else d.result()  # raises theirs
                          for d in done])
