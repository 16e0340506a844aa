"""A batch of uploaded files -> one input tensor: decoded in parallel, stacked once.

Decoding (Pillow's and OpenCV's codecs, NumPy) releases the GIL for the pixel work, so the
files are split into one chunk per decode thread. Every file goes through the same
decode_image as a single upload: format sniffing, pixel caps and decompression-bomb checks
are unchanged. Called from a worker thread, never from the event loop (it waits for the
pool).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch

from server.datasets.registry import Preprocessing
from server.errors import ManyErrors, PlaygroundError
from server.imaging import decode_image
from server.imaging.intake import IntakeLimits
from server.inference.preprocess import prepare_many

DECODE_THREADS = max(1, min(8, os.cpu_count() or 1))
# Below this many bytes in all, handing chunks to other threads costs more than it saves.
PARALLEL_BYTES = 256 * 1024
_pool = ThreadPoolExecutor(DECODE_THREADS, thread_name_prefix="decode")


@dataclass
class PreparedBatch:
    """The batch in a list: whoever clears it frees the tensor (a thread, not the loop)."""
    held: list[torch.Tensor]
    steps: list[list[str]]


def _decode_chunk(files: list[tuple[int, str, bytes]], limits: IntakeLimits
                  ) -> list[tuple[int, np.ndarray | PlaygroundError]]:
    out: list[tuple[int, np.ndarray | PlaygroundError]] = []
    for i, name, data in files:
        try:
            out.append((i, decode_image(data, limits, "files").pixels))
        except PlaygroundError as exc:
            out.append((i, type(exc)(f"{name or f'file {i}'}: {exc.msg}", ["files", i])))
    return out


def decode_all(files: list[tuple[str, bytes]], limits: IntakeLimits) -> list[np.ndarray]:
    """Every file's pixels, in order; if any file is not a usable image, every bad file is
    reported (`loc`: ["files", i]) and nothing is returned."""
    indexed = [(i, name, data) for i, (name, data) in enumerate(files)]
    chunks = 1 if sum(len(d) for _, _, d in indexed) < PARALLEL_BYTES else DECODE_THREADS
    parts = [indexed[k::chunks] for k in range(min(chunks, len(indexed)))]
    if len(parts) == 1:
        results = _decode_chunk(parts[0], limits)
    else:
        results = [r for part in _pool.map(_decode_chunk, parts, [limits] * len(parts))
                   for r in part]
    results.sort(key=lambda r: r[0])
    errors = [r for _, r in results if isinstance(r, PlaygroundError)]
    if errors:
        raise errors[0] if len(errors) == 1 else ManyErrors(errors)
    return [r for _, r in results if isinstance(r, np.ndarray)]


def prepare_batch(files: list[tuple[str, bytes]], limits: IntakeLimits,
                  pre: Preprocessing) -> PreparedBatch:
    """Decoded in parallel, then prepared as prepare() does image by image."""
    x, steps = prepare_many(decode_all(files, limits), pre)
    return PreparedBatch([x], steps)
