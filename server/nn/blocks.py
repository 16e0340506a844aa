"""Composite blocks of the classic architectures, as torch modules.

This file is also copied verbatim into exported PyTorch source (server/nn/export.py), so it
imports nothing from the project.
"""

from __future__ import annotations

import torch
from torch import nn


class ResidualBlock(nn.Module):
    """y = relu(F(x) + shortcut(x)); F is 3x3-3x3 (basic) or 1x1-3x3-1x1 (bottleneck, width
    filters // 4). The shortcut is a 1x1 projection + BN when the shape changes."""

    def __init__(self, in_channels: int, filters: int, stride: int = 1,
                 bottleneck: bool = False):
        super().__init__()
        if bottleneck:
            mid = filters // 4
            self.body = nn.Sequential(
                nn.Conv2d(in_channels, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(),
                nn.Conv2d(mid, mid, 3, stride=stride, padding=1, bias=False),
                nn.BatchNorm2d(mid), nn.ReLU(),
                nn.Conv2d(mid, filters, 1, bias=False), nn.BatchNorm2d(filters))
        else:
            self.body = nn.Sequential(
                nn.Conv2d(in_channels, filters, 3, stride=stride, padding=1, bias=False),
                nn.BatchNorm2d(filters), nn.ReLU(),
                nn.Conv2d(filters, filters, 3, padding=1, bias=False), nn.BatchNorm2d(filters))
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or in_channels != filters:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, filters, 1, stride=stride, bias=False),
                nn.BatchNorm2d(filters))
        self.out = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.body(x) + self.shortcut(x))  # type: ignore[no-any-return]


class InceptionBlock(nn.Module):
    """GoogLeNet's module: 1x1 | 1x1->3x3 | 1x1->5x5 | maxpool 3x3->1x1, concatenated."""

    def __init__(self, in_channels: int, b1x1: int, b3x3_reduce: int, b3x3: int,
                 b5x5_reduce: int, b5x5: int, pool_proj: int):
        super().__init__()

        def conv(cin: int, cout: int, k: int) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(cin, cout, k, padding=k // 2), nn.ReLU())

        self.branch1 = conv(in_channels, b1x1, 1)
        self.branch3 = nn.Sequential(conv(in_channels, b3x3_reduce, 1), conv(b3x3_reduce, b3x3, 3))
        self.branch5 = nn.Sequential(conv(in_channels, b5x5_reduce, 1), conv(b5x5_reduce, b5x5, 5))
        self.branch_pool = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1),
                                         conv(in_channels, pool_proj, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        parts = [self.branch1(x), self.branch3(x), self.branch5(x), self.branch_pool(x)]
        return torch.cat(parts, dim=1)


class DetectionHead(nn.Module):
    """YOLO's head: a 1x1 conv from the feature map's channels to B·(5 + C) numbers per
    cell, laid out channel-last as the lecture draws the volume: N x S x S x B·(5 + C)."""

    def __init__(self, in_channels: int, boxes: int, classes: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, boxes * (5 + classes), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x).permute(0, 2, 3, 1)  # type: ignore[no-any-return]


class SamePad(nn.Module):
    """Keras/TF 'same' padding for strided convolutions (the extra pixel goes after)."""

    def __init__(self, top: int, bottom: int, left: int, right: int):
        super().__init__()
        self.pad = (left, right, top, bottom)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.pad(x, self.pad)
