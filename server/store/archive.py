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
import stat
import zipfile
from pathlib import Path
from typing import IO

from server.errors import TooLarge, UnsupportedMedia, human_bytes
from server.nn.analysis import NetworkLimits
from server.nn.build import build_model
from server.store.archive_checks import (
    FIX,
    LOC,
    check_manifest,
    check_spec,
    check_weights,
    refuse,
)
from server.store.disk import FILES, ID_PATTERN, DamagedModel, ModelStore
from server.store.manifest import Manifest

MEMBERS = (*FILES, "manifest.json")
MAX_ENTRIES = 16  # the 3 files and a folder; anything much bigger is not an export
JSON_LIMITS = {"spec.json": 1024 * 1024, "manifest.json": 16 * 1024 * 1024}


def export_zip(store: ModelStore, model_id: str) -> bytes:
    """The model's three files in a folder named after its id, as zip bytes."""
    buffer = io.BytesIO()
    write_zip(store, model_id, buffer)
    return buffer.getvalue()


def write_zip(store: ModelStore, model_id: str, target: IO[bytes]) -> None:
    """Write the export into `target`; DamagedModel if the files do not match their
    checksums (checked on the bytes read, so a file changing meanwhile is seen). Files are
    read, hashed and written in 1 MB pieces, and the weights are stored uncompressed (float
    weights barely compress): no step holds the interpreter for long, so a server thread
    exporting 200 MB leaves the event loop free."""
    entry = store.entry(model_id, verify=False)
    folder = store.root / model_id
    missing = [name for name in MEMBERS if not (folder / name).is_file()]
    if entry.manifest is None or entry.manifest.sha256 is None or missing:
        raise DamagedModel(f"model {model_id!r} is damaged: {entry.damaged}; it cannot be "
                           "exported: delete it or import it again", ["model_id"])
    files = {name: _read_chunks(folder / name) for name in MEMBERS}
    for name in FILES:  # the checksums name the file that changed
        digest = hashlib.sha256()
        for chunk in files[name]:
            digest.update(chunk)
        if digest.hexdigest() != entry.manifest.sha256.get(name):
            raise DamagedModel(f"model {model_id!r} is damaged: {name} fails its checksum; "
                               "delete it or import it again", ["model_id"])
    # which session owns it is nobody else's business (import ignores these anyway)
    manifest = Manifest.model_validate_json(b"".join(files["manifest.json"]))
    files["manifest.json"] = [manifest.to_json(without=("owner", "visibility"))]
    with zipfile.ZipFile(target, "w") as archive:
        for name in MEMBERS:
            info = zipfile.ZipInfo(f"{model_id}/{name}", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = (zipfile.ZIP_STORED if name == "weights.safetensors"
                                  else zipfile.ZIP_DEFLATED)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.file_size = sum(len(c) for c in files[name])
            with archive.open(info, "w") as stream:
                for chunk in files[name]:
                    stream.write(chunk)


def _read_chunks(path: Path) -> list[bytes]:
    chunks = []
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            chunks.append(chunk)
    return chunks


def import_zip(store: ModelStore, data: bytes, limits: NetworkLimits, max_bytes: int,
               owner: str = "") -> str:
    """Check an exported archive completely, then save it as a new model; returns its id.
    owner: the session it belongs to (private); "" makes it public (the CLI)."""
    files = _read_archive(data, max_bytes)
    spec = check_spec(files["spec.json"], limits)
    manifest, original = check_manifest(files["manifest.json"], spec, limits)
    model = build_model(spec, limits)
    tensors = check_weights(files["weights.safetensors"], model.state_dict())
    model.load_state_dict(tensors, strict=True)
    changes = {
        "imported_from": original if original and ID_PATTERN.match(original) else None,
        "input_shape": [spec.input.channels, spec.input.height, spec.input.width]}
    if owner:
        changes |= {"owner": owner, "visibility": "private"}
    return store.save(manifest.name or "imported model", spec, model.eval(),
                      manifest.model_copy(update=changes))


def _read_archive(data: bytes, max_bytes: int) -> dict[str, bytes]:
    """The three members' bytes, or an error naming the member and the fix."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UnsupportedMedia(f"the upload is not a zip archive (it starts with {data[:8]!r});"
                               f" {FIX}", LOC)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as exc:
        raise refuse(f"the zip archive is damaged ({exc})") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise refuse(f"the archive holds {len(infos)} entries; a model has exactly 3 "
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
            raise refuse(f"the member {name[:80]!r} has an unsafe path (absolute, '..' or "
                          "empty parts); model archives hold plain relative names only")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise refuse(f"the member {name[:80]!r} is a symbolic link; links are never "
                          "followed or extracted")
        if info.flag_bits & 0x1:
            raise refuse(f"the member {name[:80]!r} is encrypted; export without a password")
        if info.is_dir():
            if len(parts) != 1:
                raise refuse(f"the folder {name[:80]!r} is nested; a model archive has at "
                              "most one top folder")
            tops.add(parts[0])
            continue
        if len(parts) > 2 or parts[-1] not in MEMBERS:
            raise refuse(f"the member {name[:80]!r} is not expected: a model archive holds "
                          f"exactly {', '.join(MEMBERS)} (optionally in one top folder)")
        if parts[-1] in found:
            raise refuse(f"the archive holds {parts[-1]} twice")
        tops.add(parts[0] if len(parts) == 2 else "")
        found[parts[-1]] = info
    if len(tops) > 1:
        raise refuse("the files are spread over several folders; put them in one top folder")
    missing = [m for m in MEMBERS if m not in found]
    if missing:
        raise refuse(f"the archive lacks {', '.join(missing)}; a model archive holds "
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
        raise refuse(f"the member {member} cannot be unpacked ({exc})") from exc
    return b"".join(chunks)


def _too_large(member: str, cap: int, limit: str) -> TooLarge:
    return TooLarge(f"the member {member} unpacks to more than {human_bytes(cap)}, {limit}: "
                    "the archive is not a model export or the model is too large to import "
                    "here", LOC)


