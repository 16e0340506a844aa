"""What an imported archive's members must be: spec.json a valid network within the limits,
manifest.json the fields the app reads with their types (classes matching the network's
outputs, preprocessing matching its input), weights.safetensors exactly the tensors the spec
builds. Nothing here unpickles or runs code from the archive."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import torch
from pydantic import ValidationError
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors

from server.errors import InvalidInput
from server.nn.analysis import NetworkLimits, analyze
from server.nn.spec import DetectionHead, NetworkSpec
from server.store.disk import model_text
from server.store.manifest import SERVER_FIELDS, Manifest
from server.text import clean_text, find_lone_surrogate

LOC = ["file"]
FIX = "upload a .zip made by the model export (GET /api/models/{id}/export)"
RESIZE_RULES = ("fit_pad", "center_pad", "resize", "pad_border", "crop")
BACKGROUNDS = ("any", "dark", "light")
CONTENTS = ("digit", "object", "photo")
# Fields the app reads from a manifest, with the JSON types they must have when present.
TYPES: dict[str, type] = {
    "name": str, "description": str, "dataset": str, "network": str, "created": str,
    "parent_run": str, "metrics": dict, "training": dict, "history": list, "notes": list,
    "seed": int}
TYPE_NAMES = {str: "text", dict: "an object", list: "a list", int: "a whole number"}


def refuse(msg: str) -> InvalidInput:
    return InvalidInput(f"{msg}; {FIX}", LOC)


def _json(member: str, raw: bytes) -> Any:
    def constant(value: str) -> None:
        raise ValueError(f"{value} is not JSON")

    try:
        return json.loads(raw.decode("utf-8"), parse_constant=constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise refuse(f"{member} is not valid UTF-8 JSON ({str(exc)[:200]})") from exc


def check_spec(raw: bytes, limits: NetworkLimits) -> NetworkSpec:
    document = _json("spec.json", raw)
    try:
        spec = NetworkSpec.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise refuse(f"spec.json is not a valid network spec: {where}: {first['msg']} "
                      f"({exc.error_count()} problem(s))") from exc
    errors = analyze(spec, limits).errors
    if errors:
        raise InvalidInput("spec.json describes a network this server cannot build: "
                           + "; ".join(e.msg for e in errors), LOC)
    return spec


def check_manifest(raw: bytes, spec: NetworkSpec,
                   limits: NetworkLimits) -> tuple[Manifest, str | None]:
    """The manifest without the fields only the server writes, and the id it had (when it
    was text)."""
    manifest = _json("manifest.json", raw)
    if not isinstance(manifest, dict):
        raise refuse("manifest.json must be a JSON object")
    bad = find_lone_surrogate(manifest)
    if bad is not None:
        where = ".".join(str(p) for p in bad)
        raise refuse(f"manifest.json {where} holds a lone surrogate (half of a UTF-16 pair, "
                     "not a character)")
    output = analyze(spec, limits).rows[-1]["output_shape"]
    classes = manifest.get("classes")
    if not (isinstance(classes, list) and classes
            and all(isinstance(c, str) and 0 < len(c) <= 200 for c in classes)):
        raise refuse("manifest.json classes must be a list of class names (1 to 200 "
                      "characters each)")
    _classes_match(spec, classes, output)
    shape = [spec.input.channels, spec.input.height, spec.input.width]
    if "input_shape" in manifest and manifest["input_shape"] != shape:
        raise InvalidInput(f"manifest.json input_shape {str(manifest['input_shape'])[:40]} "
                           f"does not match spec.json's input {shape}; fix one of them", LOC)
    _preprocessing(manifest.get("preprocessing"), spec)
    for key, kind in TYPES.items():
        if manifest.get(key) is not None and not isinstance(manifest[key], kind):
            raise refuse(f"manifest.json {key} must be {TYPE_NAMES[kind]}")
    accuracy = (manifest.get("metrics") or {}).get("test_accuracy")
    if accuracy is not None and not (_finite(accuracy) and 0 <= accuracy <= 1):
        raise refuse("manifest.json metrics.test_accuracy must be a number from 0 to 1")
    for key in ("name", "description"):
        if manifest.get(key) is not None:
            manifest[key] = _located(model_text, key, manifest[key])
    manifest["classes"] = [_located(_class_name, f"classes[{i}]", c)
                           for i, c in enumerate(classes)]
    original = manifest.get("id")
    kept = {k: v for k, v in manifest.items() if k not in SERVER_FIELDS}
    try:
        typed = Manifest.model_validate(kept)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise refuse(f"manifest.json {where}: {first['msg']}") from exc
    return typed, original if isinstance(original, str) else None


def _class_name(field: str, value: str) -> str:
    return clean_text(field, value, limit=200, required=True)


def _located(check: Callable[[str, str], str], field: str, value: str) -> str:
    """A manifest text as stored (server.text's rule); its problem located at the file."""
    try:
        return check(field, value)
    except InvalidInput as exc:
        raise InvalidInput(f"manifest.json: {exc.msg}", LOC) from exc


def _preprocessing(pre: Any, spec: NetworkSpec) -> None:
    """The fields prediction uses, checked against the spec's input."""
    if not isinstance(pre, dict):
        raise refuse("manifest.json preprocessing is missing (channels, height, width, mean, "
                      "std, scale, resize)")
    want = {"channels": spec.input.channels, "height": spec.input.height,
            "width": spec.input.width}
    for key, value in want.items():
        if pre.get(key) != value:
            raise InvalidInput(f"manifest.json preprocessing.{key} is "
                               f"{str(pre.get(key))[:20]} but spec.json's input has {value}; "
                               "they must match", LOC)

    def numbers(key: str) -> list[Any]:
        values = pre.get(key)
        if not (isinstance(values, list) and len(values) == spec.input.channels and all(
                _positive(v) or (key == "mean" and _finite(v)) for v in values)):
            kind = "finite numbers" if key == "mean" else "positive numbers"
            raise refuse(f"manifest.json preprocessing.{key} must be {spec.input.channels} "
                          f"{kind} (one per channel)")
        return values

    numbers("mean")
    numbers("std")
    if "scale" in pre and not _positive(pre["scale"]):
        raise refuse("manifest.json preprocessing.scale must be a positive number")
    for key, allowed in (("resize", RESIZE_RULES), ("background", BACKGROUNDS),
                         ("content", CONTENTS)):
        if key in pre and pre[key] not in allowed:
            raise refuse(f"manifest.json preprocessing.{key} is {str(pre[key])[:20]!r}; "
                          f"use one of {', '.join(allowed)}")
    fraction = pre.get("content_fraction", 1.0)
    if not (_positive(fraction) and fraction <= 1):
        raise refuse("manifest.json preprocessing.content_fraction must be in (0, 1]")


def _finite(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _positive(value: Any) -> bool:
    return _finite(value) and value > 0


def check_weights(raw: bytes, expected: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Parse safetensors (never pickle) and compare with the spec's state dict."""
    member = "weights.safetensors"
    try:
        tensors = load_safetensors(raw)  # parses a JSON header and raw arrays, runs no code
    except (SafetensorError, ValueError, RuntimeError, OverflowError) as exc:
        if raw[:2] == b"PK" or raw[:1] == b"\x80" or raw.endswith(b"."):
            raise refuse(f"{member} is not safetensors but looks like a Python pickle "
                          "(torch.save / .pt / .pth); it is never loaded because unpickling can "
                          "run any code: save the weights with safetensors.torch.save_file"
                          ) from exc
        raise refuse(f"{member} is not a valid safetensors file ({str(exc)[:200]})") from exc
    problems = [f"missing {k}" for k in expected if k not in tensors]
    problems += [f"unexpected {k[:60]}" for k in tensors if k not in expected]
    problems += [
        f"{k}: {tuple(t.shape)} {str(t.dtype).removeprefix('torch.')} where the spec needs "
        f"{tuple(expected[k].shape)} {str(expected[k].dtype).removeprefix('torch.')}"
        for k, t in tensors.items()
        if k in expected and (t.shape != expected[k].shape or t.dtype != expected[k].dtype)]
    if problems:
        listed = "; ".join(problems[:8]) + (f"; and {len(problems) - 8} more"
                                            if len(problems) > 8 else "")
        raise InvalidInput(f"{member} does not fit the network in spec.json: {listed}; "
                           "export the weights of this very spec", LOC)
    broken = [k for k, t in tensors.items() if t.is_floating_point() and
              not bool(torch.isfinite(t).all())]
    if broken:  # a NaN or infinity would make every prediction NaN, silently
        raise InvalidInput(
            f"{member}: {', '.join(k[:60] for k in broken[:8])} "
            f"{'holds' if len(broken) == 1 else 'hold'} NaN or infinite values; export the "
            "model again from a run that trained without diverging", LOC)
    return tensors


def _classes_match(spec: NetworkSpec, classes: list[str], output: list[int]) -> None:
    """One class name per output unit; a detector: one per class of its detection_head."""
    head = spec.layers[-1]
    if isinstance(head, DetectionHead):
        if len(classes) != head.classes:
            raise InvalidInput(f"manifest.json lists {len(classes)} classes but the "
                               f"detection_head in spec.json has classes {head.classes}; "
                               "they must match", LOC)
    elif output != [len(classes)]:
        raise InvalidInput(f"manifest.json lists {len(classes)} classes but the network in "
                           f"spec.json ends in {output} outputs; the classes must match the "
                           "last layer's units", LOC)
