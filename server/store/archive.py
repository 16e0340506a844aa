"""A model as one zip (spec.json, weights.safetensors, manifest.json), out and back in.

Import treats the archive as hostile and checks everything before anything is written:
the zip itself (member count, names, links, sizes read with a cap rather than trusted from
the headers), the spec (valid, within the network limits), the weights (safetensors only:
nothing is ever unpickled; names, shapes and dtypes exactly those the spec builds) and the
manifest (classes, preprocessing). The model is then saved like a trained one, under a new id.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import stat
import zipfile
from typing import Any

import torch
from pydantic import ValidationError
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors

from server.errors import InvalidInput, TooLarge, UnsupportedMedia, human_bytes
from server.nn.analysis import NetworkLimits, analyze
from server.nn.build import build_model
from server.nn.spec import NetworkSpec
from server.store.disk import FILES, ID_PATTERN, DamagedModel, ModelStore, clean_text

MEMBERS = (*FILES, "manifest.json")
MAX_ENTRIES = 16  # the 3 files and a folder; anything much bigger is not an export
JSON_LIMITS = {"spec.json": 1024 * 1024, "manifest.json": 16 * 1024 * 1024}
LOC = ["file"]
FIX = "upload a .zip made by the model export (GET /api/models/{id}/export)"
# Written by the store or the server itself; an imported manifest never sets them.
DROPPED = ("id", "sha256", "size_bytes", "shipped", "imported_from", "owner", "visibility",
           "forked_from")
RESIZE_RULES = ("fit_pad", "center_pad", "resize")
BACKGROUNDS = ("any", "dark", "light")
CONTENTS = ("digit", "object", "photo")
# Fields the app reads from a manifest, with the JSON types they must have when present.
TYPES: dict[str, type] = {
    "name": str, "description": str, "dataset": str, "network": str, "created": str,
    "parent_run": str, "metrics": dict, "training": dict, "history": list, "notes": list,
    "seed": int}
TYPE_NAMES = {str: "text", dict: "an object", list: "a list", int: "a whole number"}


def export_zip(store: ModelStore, model_id: str) -> bytes:
    """The model's three files in a folder named after its id; DamagedModel if they do not
    match their checksums (checked on the bytes read, so a file changing meanwhile is seen)."""
    entry = store.entry(model_id)
    if entry.damaged or entry.manifest is None:
        raise DamagedModel(f"model {model_id!r} is damaged: {entry.damaged}; it cannot be "
                           "exported: delete it or import it again", ["model_id"])
    folder = store.root / model_id
    files = {name: (folder / name).read_bytes() for name in MEMBERS}
    for name in FILES:
        if hashlib.sha256(files[name]).hexdigest() != entry.manifest["sha256"].get(name):
            raise DamagedModel(f"model {model_id!r} is damaged: {name} fails its checksum; "
                               "delete it or import it again", ["model_id"])
    # which session owns it is nobody else's business (import ignores these anyway)
    manifest = {k: v for k, v in json.loads(files["manifest.json"]).items()
                if k not in ("owner", "visibility")}
    files["manifest.json"] = json.dumps(manifest, indent=1).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in MEMBERS:
            info = zipfile.ZipInfo(f"{model_id}/{name}", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


def import_zip(store: ModelStore, data: bytes, limits: NetworkLimits, max_bytes: int,
               owner: str = "") -> str:
    """Check an exported archive completely, then save it as a new model; returns its id.
    owner: the session it belongs to (private); "" makes it public (the CLI)."""
    files = _read_archive(data, max_bytes)
    spec = _spec(files["spec.json"], limits)
    manifest = _manifest(files["manifest.json"], spec, limits)
    model = build_model(spec, limits)
    tensors = _weights(files["weights.safetensors"], model.state_dict())
    model.load_state_dict(tensors, strict=True)
    original = manifest.get("id")
    name = manifest.get("name") or "imported model"
    kept = {k: v for k, v in manifest.items() if k not in DROPPED and k != "name"}
    kept["imported_from"] = original if isinstance(original, str) and ID_PATTERN.match(
        original) else None
    kept["input_shape"] = [spec.input.channels, spec.input.height, spec.input.width]
    if owner:
        kept |= {"owner": owner, "visibility": "private"}
    return store.save(name, spec, model.eval(), kept)


def _refuse(msg: str) -> InvalidInput:
    return InvalidInput(f"{msg}; {FIX}", LOC)


def _read_archive(data: bytes, max_bytes: int) -> dict[str, bytes]:
    """The three members' bytes, or an error naming the member and the fix."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UnsupportedMedia(f"the upload is not a zip archive (it starts with {data[:8]!r});"
                               f" {FIX}", LOC)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as exc:
        raise _refuse(f"the zip archive is damaged ({exc})") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise _refuse(f"the archive holds {len(infos)} entries; a model has exactly 3 "
                          f"files ({', '.join(MEMBERS)})")
        wanted = _layout(infos)
        files: dict[str, bytes] = {}
        budget = max_bytes
        for member in MEMBERS:
            cap = min(budget, JSON_LIMITS.get(member, budget))
            limit = (f"the limit for {member}" if cap < budget else "what is left of the "
                     f"{human_bytes(max_bytes)} archive limit (setting CNNPG_MAX_MODEL_BYTES)")
            files[member] = _read_member(archive, wanted[member], member, cap, limit)
            budget -= len(files[member])
    return files


def _layout(infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    """Exactly the three files, at the top or in one top folder; no links, no escapes."""
    found: dict[str, zipfile.ZipInfo] = {}
    tops: set[str] = set()
    for info in infos:
        name = info.filename
        parts = name.removesuffix("/").split("/")
        if ("\\" in name or "\x00" in name or name.startswith("/") or ":" in parts[0]
                or any(p in ("", ".", "..") for p in parts)):
            raise _refuse(f"the member {name[:80]!r} has an unsafe path (absolute, '..' or "
                          "empty parts); model archives hold plain relative names only")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise _refuse(f"the member {name[:80]!r} is a symbolic link; links are never "
                          "followed or extracted")
        if info.flag_bits & 0x1:
            raise _refuse(f"the member {name[:80]!r} is encrypted; export without a password")
        if info.is_dir():
            if len(parts) != 1:
                raise _refuse(f"the folder {name[:80]!r} is nested; a model archive has at "
                              "most one top folder")
            tops.add(parts[0])
            continue
        if len(parts) > 2 or parts[-1] not in MEMBERS:
            raise _refuse(f"the member {name[:80]!r} is not expected: a model archive holds "
                          f"exactly {', '.join(MEMBERS)} (optionally in one top folder)")
        if parts[-1] in found:
            raise _refuse(f"the archive holds {parts[-1]} twice")
        tops.add(parts[0] if len(parts) == 2 else "")
        found[parts[-1]] = info
    if len(tops) > 1:
        raise _refuse("the files are spread over several folders; put them in one top folder")
    missing = [m for m in MEMBERS if m not in found]
    if missing:
        raise _refuse(f"the archive lacks {', '.join(missing)}; a model archive holds "
                      f"exactly {', '.join(MEMBERS)}")
    return found


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, member: str, cap: int,
                 limit: str) -> bytes:
    """Decompress with a cap: the headers' sizes are never trusted (zip bombs)."""
    if info.file_size > cap:
        raise _too_large(member, cap, limit)
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(min(1 << 20, cap + 1 - size)):
                chunks.append(chunk)
                size += len(chunk)
                if size > cap:
                    raise _too_large(member, cap, limit)
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, NotImplementedError,
            RuntimeError) as exc:
        raise _refuse(f"the member {member} cannot be unpacked ({exc})") from exc
    return b"".join(chunks)


def _too_large(member: str, cap: int, limit: str) -> TooLarge:
    return TooLarge(f"the member {member} unpacks to more than {human_bytes(cap)}, {limit}: "
                    "the archive is not a model export or the model is too large to import "
                    "here", LOC)


def _json(member: str, raw: bytes) -> Any:
    def constant(value: str) -> None:
        raise ValueError(f"{value} is not JSON")

    try:
        return json.loads(raw.decode("utf-8"), parse_constant=constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _refuse(f"{member} is not valid UTF-8 JSON ({str(exc)[:200]})") from exc


def _spec(raw: bytes, limits: NetworkLimits) -> NetworkSpec:
    document = _json("spec.json", raw)
    try:
        spec = NetworkSpec.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise _refuse(f"spec.json is not a valid network spec: {where}: {first['msg']} "
                      f"({exc.error_count()} problem(s))") from exc
    errors = analyze(spec, limits).errors
    if errors:
        raise InvalidInput("spec.json describes a network this server cannot build: "
                           + "; ".join(e.msg for e in errors), LOC)
    return spec


def _manifest(raw: bytes, spec: NetworkSpec, limits: NetworkLimits) -> dict[str, Any]:
    manifest = _json("manifest.json", raw)
    if not isinstance(manifest, dict):
        raise _refuse("manifest.json must be a JSON object")
    output = analyze(spec, limits).rows[-1]["output_shape"]
    classes = manifest.get("classes")
    if not (isinstance(classes, list) and classes
            and all(isinstance(c, str) and 0 < len(c) <= 200 for c in classes)):
        raise _refuse("manifest.json classes must be a list of class names (1 to 200 "
                      "characters each)")
    if output != [len(classes)]:
        raise InvalidInput(f"manifest.json lists {len(classes)} classes but the network in "
                           f"spec.json ends in {output} outputs; the classes must match the "
                           "last layer's units", LOC)
    shape = [spec.input.channels, spec.input.height, spec.input.width]
    if "input_shape" in manifest and manifest["input_shape"] != shape:
        raise InvalidInput(f"manifest.json input_shape {str(manifest['input_shape'])[:40]} "
                           f"does not match spec.json's input {shape}; fix one of them", LOC)
    _preprocessing(manifest.get("preprocessing"), spec)
    for key, kind in TYPES.items():
        if manifest.get(key) is not None and not isinstance(manifest[key], kind):
            raise _refuse(f"manifest.json {key} must be {TYPE_NAMES[kind]}")
    accuracy = (manifest.get("metrics") or {}).get("test_accuracy")
    if accuracy is not None and not (_finite(accuracy) and 0 <= accuracy <= 1):
        raise _refuse("manifest.json metrics.test_accuracy must be a number from 0 to 1")
    for key in ("name", "description"):
        if manifest.get(key) is not None:
            try:
                manifest[key] = clean_text(key, manifest[key])
            except InvalidInput as exc:
                raise InvalidInput(f"manifest.json: {exc.msg}", LOC) from exc
    return manifest


def _preprocessing(pre: Any, spec: NetworkSpec) -> None:
    """The fields prediction uses, checked against the spec's input."""
    if not isinstance(pre, dict):
        raise _refuse("manifest.json preprocessing is missing (channels, height, width, mean, "
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
            raise _refuse(f"manifest.json preprocessing.{key} must be {spec.input.channels} "
                          f"{kind} (one per channel)")
        return values

    numbers("mean")
    numbers("std")
    if "scale" in pre and not _positive(pre["scale"]):
        raise _refuse("manifest.json preprocessing.scale must be a positive number")
    for key, allowed in (("resize", RESIZE_RULES), ("background", BACKGROUNDS),
                         ("content", CONTENTS)):
        if key in pre and pre[key] not in allowed:
            raise _refuse(f"manifest.json preprocessing.{key} is {str(pre[key])[:20]!r}; "
                          f"use one of {', '.join(allowed)}")
    fraction = pre.get("content_fraction", 1.0)
    if not (_positive(fraction) and fraction <= 1):
        raise _refuse("manifest.json preprocessing.content_fraction must be in (0, 1]")


def _finite(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _positive(value: Any) -> bool:
    return _finite(value) and value > 0


def _weights(raw: bytes, expected: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Parse safetensors (never pickle) and compare with the spec's state dict."""
    member = "weights.safetensors"
    try:
        tensors = load_safetensors(raw)  # parses a JSON header and raw arrays, runs no code
    except (SafetensorError, ValueError, RuntimeError, OverflowError) as exc:
        if raw[:2] == b"PK" or raw[:1] == b"\x80" or raw.endswith(b"."):
            raise _refuse(f"{member} is not safetensors but looks like a Python pickle "
                          "(torch.save / .pt / .pth); it is never loaded because unpickling can "
                          "run any code: save the weights with safetensors.torch.save_file"
                          ) from exc
        raise _refuse(f"{member} is not a valid safetensors file ({str(exc)[:200]})") from exc
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
    return tensors
