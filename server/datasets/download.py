"""Download the full datasets: mirrors in order, resumable, verified, with a progress bar.

Mirrors re-gzip files, so IDX files are verified by the sha256 of their uncompressed
content. A partial download is kept as NAME.part and resumed with an HTTP Range request;
a file is moved into place only once verified (an atomic rename), so a failed or
interrupted download never leaves a file that looks complete.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import sys
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from server.datasets.folder import safe_parts


@dataclass(frozen=True)
class RemoteFile:
    name: str
    size: int  # bytes as served by the canonical mirror (progress only; mirrors differ)
    sha256: str  # "" when none is published: then the size and the zip's CRCs are checked
    gunzip_check: bool  # the checksum is of the uncompressed content


@dataclass(frozen=True)
class Source:
    folder: str  # folder name under the datasets directory
    mirrors: tuple[str, ...]
    files: tuple[RemoteFile, ...]
    extract: bool = False  # a tar.gz to unpack into the datasets directory


def _idx(name: str, size: int, digest: str) -> RemoteFile:
    return RemoteFile(name, size, digest, True)


SOURCES: dict[str, Source] = {
    "mnist": Source("mnist", (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/"), (
        _idx("train-images-idx3-ubyte.gz", 9912422,
             "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        _idx("train-labels-idx1-ubyte.gz", 28881,
             "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        _idx("t10k-images-idx3-ubyte.gz", 1648877,
             "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        _idx("t10k-labels-idx1-ubyte.gz", 4542,
             "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"))),
    "fashion-mnist": Source("fashion-mnist", (
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/"), (
        _idx("train-images-idx3-ubyte.gz", 26421880,
             "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
        _idx("train-labels-idx1-ubyte.gz", 29515,
             "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
        _idx("t10k-images-idx3-ubyte.gz", 4422102,
             "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
        _idx("t10k-labels-idx1-ubyte.gz", 5148,
             "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"))),
    "cifar10": Source("", ("https://www.cs.toronto.edu/~kriz/",), (
        RemoteFile("cifar-10-python.tar.gz", 170498071,
                   "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce", False),),
        extract=True),
    "cats-vs-dogs": Source("", ("https://storage.googleapis.com/mledu-datasets/",), (
        RemoteFile("cats_and_dogs_filtered.zip", 68606236, "", False),), extract=True),
}


class DownloadError(Exception):
    pass


Progress = Callable[[str, int, int], None]


def terminal_progress(stream: IO[str] = sys.stderr) -> Progress:
    """A one-line progress bar: name, bar, percent, MB and speed."""
    started = time.monotonic()

    def show(name: str, done: int, total: int) -> None:
        fraction = min(done / total, 1.0) if total else 0.0
        bar = "#" * int(fraction * 30)
        speed = done / max(time.monotonic() - started, 1e-6) / 2**20
        stream.write(f"\r{name:32.32} [{bar:30}] {fraction:6.1%} {done / 2**20:7.1f} MB "
                     f"{speed:6.1f} MB/s")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show


def verify(path: Path, remote: RemoteFile) -> bool:
    if not remote.sha256:
        return path.stat().st_size == remote.size and _zip_intact(path)
    digest = hashlib.sha256()
    opener = gzip.open if remote.gunzip_check else open
    try:
        with opener(path, "rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
    except (OSError, EOFError):
        return False
    return digest.hexdigest() == remote.sha256


def _zip_intact(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    except (zipfile.BadZipFile, OSError):
        return False


def fetch(url: str, part: Path, name: str, expected: int, progress: Progress,
          timeout: float = 30.0) -> None:
    """Download url into part, resuming from its current size when the server allows."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "cnn-playground"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        resumed = have and response.status == 206
        total = int(response.headers.get("Content-Length") or 0) + (have if resumed else 0)
        done = have if resumed else 0
        with part.open("ab" if resumed else "wb") as out:
            for chunk in iter(lambda: response.read(1 << 16), b""):
                out.write(chunk)
                done += len(chunk)
                progress(name, done, total or expected)
    if total and done < total:  # the connection dropped: keep the .part and resume
        raise OSError(f"connection closed after {done:,} of {total:,} bytes")
    progress(name, done, done)


def download_file(source: Source, remote: RemoteFile, target_dir: Path,
                  progress: Progress) -> Path:
    target = target_dir / remote.name
    if target.exists() and verify(target, remote):
        return target
    part = target.with_name(target.name + ".part")
    errors = []
    for mirror in source.mirrors:
        url = mirror + remote.name
        for _attempt in range(2):  # the second attempt resumes an interrupted transfer
            try:
                fetch(url, part, remote.name, remote.size, progress)
                break
            except (urllib.error.URLError, OSError, TimeoutError) as exc:
                errors.append(f"{url}: {exc}")
        if part.exists() and verify(part, remote):
            part.replace(target)  # atomic: the name appears only once it is verified
            return target
        if part.exists():
            errors.append(f"{url}: checksum mismatch (corrupted or a different file)")
            part.unlink()
    raise DownloadError(f"could not download {remote.name}:\n  " + "\n  ".join(errors))


def download(name: str, datasets_dir: Path, progress: Progress | None = None,
             mirrors: tuple[str, ...] | None = None) -> Path:
    if name not in SOURCES:
        raise DownloadError(f"unknown dataset {name!r}; choose from {', '.join(SOURCES)}")
    source = SOURCES[name]
    if mirrors:
        source = Source(source.folder, mirrors, source.files, source.extract)
    return download_source(source, datasets_dir, progress or terminal_progress())


def download_source(source: Source, datasets_dir: Path, progress: Progress) -> Path:
    target_dir = datasets_dir / source.folder
    target_dir.mkdir(parents=True, exist_ok=True)
    paths = [download_file(source, remote, target_dir, progress) for remote in source.files]
    if source.extract:
        for path in paths:
            _extract(path, datasets_dir)
    return target_dir


def _extract(archive: Path, into: Path) -> None:
    """Unpack into a staging folder, then move into place. tar: the 'data' filter (no
    absolute paths, links out or devices); zip: every entry checked like an upload."""
    staging = into / (archive.name + ".unpacking")
    shutil.rmtree(staging, ignore_errors=True)
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zipped:
            for info in zipped.infolist():
                safe_parts(info)
            zipped.extractall(staging)
    else:
        with tarfile.open(archive) as tar:
            tar.extractall(staging, filter="data")
    for child in staging.iterdir():
        final = into / child.name
        shutil.rmtree(final, ignore_errors=True)
        child.replace(final)
    staging.rmdir()
