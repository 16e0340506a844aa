"""The downloader against a local HTTP server: mirrors, resume, verification, the CLI."""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from server.datasets.download import RemoteFile, Source, download_source

CONTENT = bytes(range(256)) * 400  # 100 KB of "IDX" content
DIGEST = hashlib.sha256(CONTENT).hexdigest()


class Files(BaseHTTPRequestHandler):
    """Serves server.files; honours Range; cuts the first response of paths in server.cut."""

    def do_GET(self) -> None:
        server: Any = self.server
        server.requests.append((self.path, self.headers.get("Range")))
        data = server.files.get(self.path)
        if data is None:
            self.send_error(404)
            return
        start = 0
        if self.headers.get("Range"):
            start = int(self.headers["Range"].removeprefix("bytes=").rstrip("-"))
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path in server.cut:
            server.cut.discard(self.path)
            self.wfile.write(body[: len(body) // 2])  # then the connection drops
            self.wfile.flush()
            self.connection.close()
            return
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def http() -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), Files)
    server.files, server.cut, server.requests = {}, set(), []
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def source(http: Any, *mirrors: str) -> Source:
    remote = RemoteFile("train-images-idx3-ubyte.gz", 1000, DIGEST, True)
    return Source("mnist", tuple(f"{http.url}/{m}/" for m in mirrors), (remote,))


def quiet(name: str, done: int, total: int) -> None:
    pass


def test_corrupted_mirror_is_rejected_and_the_next_one_used(http: Any, tmp_path: Path) -> None:
    http.files["/bad/train-images-idx3-ubyte.gz"] = gzip.compress(CONTENT[:-1] + b"X")
    # Mirrors re-gzip: other compressed bytes, the same content, so it must verify.
    http.files["/good/train-images-idx3-ubyte.gz"] = gzip.compress(CONTENT, compresslevel=1)
    folder = download_source(source(http, "bad", "good"), tmp_path, quiet)
    saved = folder / "train-images-idx3-ubyte.gz"
    assert gzip.decompress(saved.read_bytes()) == CONTENT
    assert not list(folder.glob("*.part"))
    assert [p for p, _ in http.requests] == ["/bad/train-images-idx3-ubyte.gz",
                                             "/good/train-images-idx3-ubyte.gz"]


def test_interrupted_download_resumes_with_a_range_request(http: Any, tmp_path: Path) -> None:
    path = "/m/train-images-idx3-ubyte.gz"
    http.files[path] = gzip.compress(CONTENT)
    http.cut.add(path)
    folder = download_source(source(http, "m"), tmp_path, quiet)
    assert gzip.decompress((folder / "train-images-idx3-ubyte.gz").read_bytes()) == CONTENT
    ranges = [r for p, r in http.requests if p == path]
    assert ranges[0] is None
    assert ranges[1] is not None
    assert ranges[1].startswith("bytes=")
    assert int(ranges[1][6:-1]) > 0


def test_verified_file_is_not_downloaded_again(http: Any, tmp_path: Path) -> None:
    http.files["/m/train-images-idx3-ubyte.gz"] = gzip.compress(CONTENT)
    download_source(source(http, "m"), tmp_path, quiet)
    download_source(source(http, "m"), tmp_path, quiet)
    assert len(http.requests) == 1


def test_cli_rejects_corrupted_files_and_leaves_nothing(http: Any, tmp_path: Path) -> None:
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        http.files[f"/mnist/{name}"] = gzip.compress(b"not the real MNIST")
    result = subprocess.run(
        [sys.executable, "-m", "server", "datasets", "download", "mnist", "--dir",
         str(tmp_path), "--mirror", f"{http.url}/mnist/"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "checksum mismatch" in result.stderr
    assert "100.0%" in result.stderr  # the progress bar ran to the end before the check
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_cli_lists_the_built_in_subsets(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "server", "datasets", "list", "--dir",
                             str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert "built-in subset" in lines["mnist"]
    assert "train 10,000" in lines["mnist"]
    assert "not downloaded" in lines["cifar10"]
