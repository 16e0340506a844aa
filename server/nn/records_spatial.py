"""Registry records for layers that work on [C, H, W] volumes: convolution, pooling, blocks."""

from __future__ import annotations

import math
from typing import Any

from server.nn import spec as s
from server.nn.record import BYTES_PER_VALUE, Inferred, LayerType
from server.nn.records_simple import activation_params, with_activation
from server.nn.shapes import (
    Axis,
    Formula,
    LayerError,
    Shape,
    conv_axis,
    need_image,
    pool_axis,
    same_padding,
    two_axes,
)
from server.text.marks import translatable


def _conv_geometry(spec: s.Conv2D, shape: Shape) -> tuple[tuple[int, int], tuple[int, int],
                                                          tuple[int, int], tuple[int, int]]:
    kh, kw = s.pair(spec.kernel_size)
    sh, sw = s.pair(spec.stride)
    d = spec.dilation
    return (kh, kw), (sh, sw), ((kh - 1) * d + 1, (kw - 1) * d + 1), (shape[1], shape[2])


def _conv(spec: s.Conv2D, shape: Shape) -> Inferred:
    c, h, w = need_image(shape, "conv2d")
    (kh, kw), (sh, sw), (eh, ew), _ = _conv_geometry(spec, shape)
    desc = f"{kh}x{kw}" + (f" (dilation {spec.dilation}: covers {eh}x{ew})" if spec.dilation > 1
                           else "")
    dims = f"{h}x{w}"
    about = {"kernel": f"{kh}x{kw}", "dilation": spec.dilation, "covers": f"{eh}x{ew}"}
    oh, fh = conv_axis(Axis(h, eh, sh), spec.padding, desc, dims, about)
    ow, fw = conv_axis(Axis(w, ew, sw), spec.padding, desc, dims, about)
    out = (spec.filters, oh, ow)
    params = (kh * kw * c + int(spec.use_bias)) * spec.filters
    params += activation_params(spec.activation, out)
    return Inferred(out, params, params, oh * ow * spec.filters * kh * kw * c,
                    two_axes((fh, fw), (h, eh, sh) == (w, ew, sw)))


def _conv_source(spec: s.Conv2D, shape: Shape) -> str:
    (kh, kw), (sh, sw), (eh, ew), (h, w) = _conv_geometry(spec, shape)
    out_shape = (spec.filters,)
    args = (f"{shape[0]}, {spec.filters}, kernel_size=({kh}, {kw}), stride=({sh}, {sw}), "
            f"dilation={spec.dilation}, bias={spec.use_bias}")
    if spec.padding == "same":
        _, top, bottom = same_padding(Axis(h, eh, sh))
        _, left, right = same_padding(Axis(w, ew, sw))
        if (top, left) == (bottom, right):  # symmetric: the conv pads by itself
            expr = f"nn.Conv2d({args}, padding=({top}, {left}))"
        else:  # Keras/TF 'same' with the extra pixel after (strided or even kernels)
            expr = (f"nn.Sequential(SamePad({top}, {bottom}, {left}, {right}), "
                    f"nn.Conv2d({args}, padding=0))")
    else:
        expr = f"nn.Conv2d({args}, padding={0 if spec.padding == 'valid' else spec.padding})"
    return with_activation(expr, spec.activation, out_shape)


def _pool(kind: str) -> Any:
    def infer(spec: s.MaxPool2D | s.AvgPool2D, shape: Shape) -> Inferred:
        c, h, w = need_image(shape, kind)
        (kh, kw), (sh, sw) = s.pair(spec.pool_size), s.pair(spec.stride or spec.pool_size)
        dims = f"{h}x{w}"
        what = f"{kh}x{kw} {kind}"
        oh, fh = pool_axis(Axis(h, kh, sh), spec.padding, what, dims)
        ow, fw = pool_axis(Axis(w, kw, sw), spec.padding, what, dims)
        return Inferred((c, oh, ow), formula=two_axes((fh, fw), (h, kh, sh) == (w, kw, sw)))

    def source(spec: s.MaxPool2D | s.AvgPool2D, shape: Shape) -> str:
        (kh, kw), (sh, sw) = s.pair(spec.pool_size), s.pair(spec.stride or spec.pool_size)
        cls = "MaxPool2d" if kind == "max_pool2d" else "AvgPool2d"
        return f"nn.{cls}(({kh}, {kw}), stride=({sh}, {sw}), padding={spec.padding})"

    return infer, source


def _gap(_: s.GlobalAvgPool2D, shape: Shape) -> Inferred:
    c, h, w = need_image(shape, "global_avg_pool2d")
    return Inferred((c,), formula=Formula(f"mean over {h}x{w} per channel -> [{c}]",
                                          "mean_per_channel",
                                          {"height": h, "width": w, "channels": c}))


def _held(out: Shape, relu: bool) -> int:
    """Bytes of an inner layer's output, and of the ReLU's output after it if there is one."""
    return math.prod(out) * BYTES_PER_VALUE * (2 if relu else 1)


def _conv_row(name: str, cin: int, cout: int, k: int, out: Shape, bias: bool,
              relu: bool = False) -> dict[str, Any]:
    params = (k * k * cin + int(bias)) * cout
    return {"name": name, "type": "conv2d", "kernel_size": k, "output_shape": list(out),
            "params": params, "macs": out[1] * out[2] * cout * k * k * cin,
            "activation_bytes": _held(out, relu)}


def _bn_row(name: str, out: Shape, relu: bool = False) -> dict[str, Any]:
    return {"name": name, "type": "batch_norm", "output_shape": list(out), "params": 4 * out[0],
            "macs": 0, "activation_bytes": _held(out, relu)}


def _block(out: Shape, rows: list[dict[str, Any]], trainable: int,
           formula: Formula) -> Inferred:
    """A block's totals from its inner rows. The block's output is counted by the analysis;
    everything inside (every branch's convolutions, norms, ReLUs and pools) is counted here."""
    params = sum(r["params"] for r in rows)
    return Inferred(out, params, trainable, sum(r["macs"] for r in rows), formula, rows,
                    inner_bytes=sum(r["activation_bytes"] for r in rows))


def _residual(spec: s.ResidualBlock, shape: Shape) -> Inferred:
    c, h, w = need_image(shape, "residual_block")
    f, st = spec.filters, spec.stride
    if spec.bottleneck and (f % 4 or f < 4):
        raise LayerError("filters", f"a bottleneck block narrows to filters/4; {f} is not a "
                         "multiple of 4: use e.g. " + str(max(4, f - f % 4)),
                         "bottleneck_filters", {"filters": f, "suggestion": max(4, f - f % 4)})
    oh, ow = (h - 1) // st + 1, (w - 1) // st + 1
    out = (f, oh, ow)
    if spec.bottleneck:
        m = f // 4
        rows = [_conv_row("body.0", c, m, 1, (m, h, w), False),
                _bn_row("body.1", (m, h, w), relu=True),
                _conv_row("body.3", m, m, 3, (m, oh, ow), False),
                _bn_row("body.4", (m, oh, ow), relu=True),
                _conv_row("body.6", m, f, 1, out, False), _bn_row("body.7", out)]
    else:
        rows = [_conv_row("body.0", c, f, 3, out, False), _bn_row("body.1", out, relu=True),
                _conv_row("body.3", f, f, 3, out, False), _bn_row("body.4", out)]
    if st != 1 or c != f:
        rows += [_conv_row("shortcut.0", c, f, 1, out, False), _bn_row("shortcut.1", out)]
    params = sum(r["params"] for r in rows)
    bn = sum(r["params"] for r in rows if r["type"] == "batch_norm") // 2
    formula = Formula(f"3x3 stride {st}, padding 1: floor(({h} - 1)/{st}) + 1 = {oh}; plus the "
                      "shortcut", "residual_shortcut", {"stride": st, "size": h, "output": oh})
    return _block(out, rows, params - bn, formula)


def _inception(spec: s.InceptionBlock, shape: Shape) -> Inferred:
    c, h, w = need_image(shape, "inception_block")
    b = spec  # every convolution of a branch is followed by a ReLU
    rows = [_conv_row("branch1", c, b.b1x1, 1, (b.b1x1, h, w), True, relu=True),
            _conv_row("branch3.0", c, b.b3x3_reduce, 1, (b.b3x3_reduce, h, w), True, relu=True),
            _conv_row("branch3.1", b.b3x3_reduce, b.b3x3, 3, (b.b3x3, h, w), True, relu=True),
            _conv_row("branch5.0", c, b.b5x5_reduce, 1, (b.b5x5_reduce, h, w), True, relu=True),
            _conv_row("branch5.1", b.b5x5_reduce, b.b5x5, 5, (b.b5x5, h, w), True, relu=True),
            {"name": "branch_pool.0", "type": "max_pool2d", "output_shape": [c, h, w],
             "params": 0, "macs": 0, "activation_bytes": _held((c, h, w), False)},
            _conv_row("branch_pool.1", c, b.pool_proj, 1, (b.pool_proj, h, w), True, relu=True)]
    total_c = b.b1x1 + b.b3x3 + b.b5x5 + b.pool_proj
    params = sum(r["params"] for r in rows)
    formula = Formula(f"concat {b.b1x1} + {b.b3x3} + {b.b5x5} + {b.pool_proj} = {total_c} "
                      "channels", "concat_channels",
                      {"b1x1": b.b1x1, "b3x3": b.b3x3, "b5x5": b.b5x5, "pool_proj": b.pool_proj,
                       "channels": total_c})
    return _block((total_c, h, w), rows, params, formula)


def _detection_head(spec: s.DetectionHead, shape: Shape) -> Inferred:
    c, h, w = need_image(shape, "detection_head")
    if h != w:
        raise LayerError("type", f"detection_head needs a square S x S feature map but gets "
                         f"{h}x{w}: use a square input, or pool the sides to one size",
                         "detection_needs_square", {"height": h, "width": w})
    if spec.grid is not None and spec.grid != h:
        raise LayerError("grid", f"grid is {spec.grid} but the feature map is {h}x{w}: set "
                         f"grid {h}, or pool/stride the layers before it down to "
                         f"{spec.grid}x{spec.grid}", "detection_grid_mismatch",
                         {"grid": spec.grid, "height": h, "width": w})
    if len(spec.anchors) != spec.boxes:
        raise LayerError("anchors", f"{len(spec.anchors)} anchor sizes for boxes {spec.boxes}: "
                         "give one width,height per box", "anchors_count_mismatch",
                         {"anchors": len(spec.anchors), "boxes": spec.boxes})
    per_cell = spec.boxes * (5 + spec.classes)
    params = (c + 1) * per_cell
    return Inferred((h, w, per_cell), params, params, h * w * c * per_cell,
                    Formula(f"S x S x B·(5 + C) = {h} x {w} x {spec.boxes}·(5 + {spec.classes})"
                            f" = {h} x {w} x {per_cell}"))


_max_infer, _max_source = _pool("max_pool2d")
_avg_infer, _avg_source = _pool("avg_pool2d")

RECORDS: list[LayerType] = [
    LayerType("conv2d", s.Conv2D, translatable("Conv 2D"), "convolution",
              translatable(
                  "Slides `filters` kernels of kernel_size over the input (cross-correlation); "
                  "each output channel sums over all input channels. Output size "
                  "(N - F + 2P)/S + 1."),
              _conv, _conv_source),
    LayerType("max_pool2d", s.MaxPool2D, translatable("Max pooling"), "pooling",
              translatable("Keeps the largest value of each window: downsamples and adds some "
                           "shift tolerance. No parameters."), _max_infer, _max_source),
    LayerType("avg_pool2d", s.AvgPool2D, translatable("Average pooling"), "pooling",
              translatable("Keeps the mean of each window. No parameters."), _avg_infer,
              _avg_source),
    LayerType("global_avg_pool2d", s.GlobalAvgPool2D, translatable("Global average pooling"),
              "pooling",
              translatable("Averages each channel to one number: [C, H, W] -> [C]. Replaces "
                           "flatten + big dense layers in modern nets."), _gap,
              lambda spec, shape: "nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())"),
    LayerType("residual_block", s.ResidualBlock, translatable("Residual block"), "block",
              translatable("ResNet's block: two 3x3 convs with batch norm (or a 1x1-3x3-1x1 "
                           "bottleneck) whose output is added to the input; a 1x1 projection "
                           "when the shape changes."),
              _residual,
              lambda spec, shape: f"ResidualBlock({shape[0]}, {spec.filters}, stride="
                                  f"{spec.stride}, bottleneck={spec.bottleneck})"),
    LayerType("inception_block", s.InceptionBlock, translatable("Inception block"), "block",
              translatable("GoogLeNet's module: 1x1, 3x3 and 5x5 convolutions and a pooled "
                           "branch side by side, concatenated along the channels."), _inception,
              lambda spec, shape: f"InceptionBlock({shape[0]}, {spec.b1x1}, {spec.b3x3_reduce},"
                                  f" {spec.b3x3}, {spec.b5x5_reduce}, {spec.b5x5}, "
                                  f"{spec.pool_proj})"),
    LayerType("detection_head", s.DetectionHead, translatable("Detection head (YOLO)"),
              "detection",
              translatable(
                  "YOLO's output layer: a 1x1 convolution giving each of the S x S grid cells B "
                  "boxes of [P, x, y, w, h, c1..cC] (objectness, the box centre in the cell, its "
                  "size in cells relative to an anchor, class scores). Last layer only; the "
                  "output is S x S x B·(5 + C), as the lecture writes it."), _detection_head,
              lambda spec, shape: f"DetectionHead({shape[0]}, {spec.boxes}, {spec.classes})"),
]
