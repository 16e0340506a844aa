"""torch.autograd's answer to a POST /api/matrix body with `backward`: the reference the
numeric mode's gradients are checked against."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812  - the conventional name


def _tensor(value: Any, dims: int) -> torch.Tensor:
    t = torch.tensor(np.array(value, dtype=np.float64))
    while t.dim() < dims:
        t = t[None] if dims != 4 or t.dim() != 3 else t[:, None]
    return t


def forward(body: dict[str, Any], x: torch.Tensor, w: torch.Tensor | None,
            b: torch.Tensor | None) -> torch.Tensor:
    op, padding = body["op"], body.get("padding", 0)
    if op in ("max_pool", "avg_pool"):
        size = body.get("size", 2)
        pool = F.max_pool2d if op == "max_pool" else F.avg_pool2d
        z = pool(x, size, stride=body.get("stride") or size, padding=padding)
    else:
        assert w is not None
        used = w.flip((2, 3)) if op == "convolution" else w
        z = F.conv2d(x, used, b, stride=body.get("stride") or 1, padding=padding,
                     dilation=body.get("dilation", 1))
    return torch.relu(z) if body.get("activation") == "relu" else z


def loss_of(body: dict[str, Any], y: torch.Tensor) -> torch.Tensor:
    back = body["backward"]
    if "target" in back:
        return 0.5 * ((y - _tensor(back["target"], 3)[None]) ** 2).sum()
    return (y * _tensor(back["output_grad"], 3)[None]).sum()


def reference(body: dict[str, Any]) -> dict[str, Any]:
    """Output, loss and gradients by autograd, float64; and the SGD step when lr is given."""
    x = _tensor(body["input"], 3)[None].requires_grad_()
    conv = body["op"] in ("convolution", "cross_correlation")
    w = _tensor(body["kernels"], 4).requires_grad_() if conv else None
    b = None
    if w is not None:
        b = torch.tensor(np.array(body.get("bias") or [0] * w.shape[0], dtype=np.float64))
        b.requires_grad_()
    y = forward(body, x, w, b)
    loss = loss_of(body, y)
    loss.backward()
    out: dict[str, Any] = {"output": y[0].detach().numpy(), "loss": loss.item(),
                           "grad_input": x.grad[0].numpy()}  # type: ignore[index]
    if w is not None and b is not None:
        out |= {"grad_kernels": w.grad.numpy(), "grad_bias": b.grad.numpy()}  # type: ignore[union-attr]
        lr = body["backward"].get("lr")
        if lr is not None:
            with torch.no_grad():
                w2, b2 = w - lr * w.grad, b - lr * b.grad  # type: ignore[operator]
                y2 = forward(body, x, w2, b2)
                out["sgd"] = {"kernels": w2.numpy(), "bias": b2.numpy(), "output": y2[0].numpy(),
                              "loss_after": loss_of(body, y2).item()}
    return out
