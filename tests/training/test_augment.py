"""Augmentation: one batched affine warp that does what each toggle says."""

from __future__ import annotations

import base64
import io

import numpy as np
import torch
from fastapi.testclient import TestClient
from PIL import Image

from server.training.data import augment_batch
from server.training.spec import Augment


def batch() -> torch.Tensor:
    torch.manual_seed(0)
    return torch.randn(16, 1, 12, 12)


def test_no_augmentation_is_the_identity() -> None:
    x = batch()
    assert augment_batch(x, Augment(), torch.Generator().manual_seed(0)) is x


def test_flip_mirrors_about_half_the_images_exactly() -> None:
    x = batch()
    out = augment_batch(x, Augment(horizontal_flip=True), torch.Generator().manual_seed(1))
    flipped = [bool(torch.allclose(o, i.flip(-1), atol=1e-5)) for o, i in zip(out, x, strict=True)]
    kept = [bool(torch.allclose(o, i, atol=1e-5)) for o, i in zip(out, x, strict=True)]
    assert all(f or k for f, k in zip(flipped, kept, strict=True))
    assert 3 <= sum(flipped) <= 13


def test_shift_moves_content_by_whole_pixels_at_most_the_limit() -> None:
    x = torch.zeros(8, 1, 20, 20)
    x[:, :, 8:12, 8:12] = 1.0  # a bright square on black
    out = augment_batch(x, Augment(shift=0.2), torch.Generator().manual_seed(2))
    limit = 0.2 * 20 + 0.5  # shift is a fraction of the size; half a pixel of resampling
    for image in out:
        ys, xs = np.nonzero(image[0].numpy() > 0.5)
        assert abs(ys.mean() - 9.5) <= limit
        assert abs(xs.mean() - 9.5) <= limit
    assert not torch.allclose(out, x)


def test_augmented_samples_endpoint(client: TestClient) -> None:
    body = client.get("/api/datasets/mnist/augmented",
                      params={"n": 4, "rotation": 30, "seed": 5}).json()
    assert body["augment"]["rotation"] == 30
    changed = 0
    for sample in body["samples"]:
        pictures = [np.asarray(Image.open(io.BytesIO(base64.b64decode(
            sample[k].split(",", 1)[1])))) for k in ("original", "augmented")]
        assert pictures[0].shape == pictures[1].shape == (28, 28)
        changed += int(not np.array_equal(*pictures))
    assert changed >= 3
    bad = client.get("/api/datasets/mnist/augmented", params={"rotation": 90})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "rotation"]
