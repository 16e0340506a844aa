"""Browser tests: a real server (the `cnn-playground serve` command on a free port) and
Debian's headless Chromium driven by Playwright. Skipped when Chromium is not installed."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CNNPG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]

try:
    from playwright import sync_api
except ImportError:  # the dev extra is not installed: the browser tests skip
    sync_api = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=2) as response:
                if json.loads(response.read())["status"] == "ok":
                    return
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not answer within {seconds} s")
        time.sleep(0.1)  # polling the server's start-up, not waiting on the page


@pytest.fixture(scope="session")
def server_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The browser server's models folder. Models trained by browser tests go here, never
    to the project's models/; tests may put models here for the server to list."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory, server_models_dir: Path) -> Iterator[str]:
    """The real app in its own process, exactly as `cnn-playground serve` runs it."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CNNPG_")}
    env.update(CNNPG_HOST="127.0.0.1", CNNPG_PORT=str(port),
               CNNPG_MODELS_DIR=str(server_models_dir))
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--log-level", "warning"], cwd=ROOT,
            env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium, per test module: Playwright's sync API keeps an asyncio loop running in the
    main thread while it is open, which would break asyncio.run() in the other tests."""
    if sync_api is None:
        pytest.fail("playwright is not installed: run `make test` (pip install -e '.[dev]')")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (it installs Debian's "
                    "chromium) or set CNNPG_CHROMIUM")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# Chromium's synthetic camera (a moving test pattern) for a real getUserMedia, with the
# permission prompt answered yes: the Datasets page's webcam tests.
FAKE_CAMERA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def camera_browser() -> Iterator[Any]:
    """Chromium with a fake camera, per test module (see `browser`)."""
    if sync_api is None:
        pytest.fail("playwright is not installed: run `make test` (pip install -e '.[dev]')")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` or set CNNPG_CHROMIUM")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=CHROMIUM_ARGS + FAKE_CAMERA_ARGS)
        yield chromium
        chromium.close()


class PageErrors:
    """Uncaught exceptions in the page: any one fails the test."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def __call__(self, error: Any) -> None:
        self.errors.append(str(error))


def _open(browser: Any, base_url: str, **context_args: Any) -> Iterator[Any]:
    context = browser.new_context(bypass_csp=True, base_url=base_url, **context_args)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors = PageErrors()
    page.on("pageerror", errors)
    page.goto("/")
    wait_state(page, "idle")
    yield page
    context.close()
    assert not errors.errors, f"uncaught errors in the page: {errors.errors}"


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """The Kernel Lab at 1024x768, loaded and idle."""
    yield from _open(browser, base_url, viewport={"width": 1024, "height": 768})


@pytest.fixture
def tablet(browser: Any, base_url: str) -> Iterator[Any]:
    """The Kernel Lab on a touch screen tablet (820x1180), loaded and idle."""
    yield from _open(browser, base_url, viewport={"width": 820, "height": 1180}, has_touch=True,
                     is_mobile=True)


def wait_state(page: Any, state: str) -> None:
    page.wait_for_selector(f"body[data-state={state}]", state="attached")


CANVAS_RGBA = """(selector) => {
  const canvas = document.querySelector(selector);
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let text = "";
  for (let i = 0; i < data.length; i += 0x8000) {
    text += String.fromCharCode.apply(null, data.subarray(i, i + 0x8000));
  }
  return [canvas.width, canvas.height, btoa(text)];
}"""


class Lab:
    """Reading the Kernel Lab's state the way a user (or the server) sees it."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def wait(self, state: str = "idle") -> None:
        wait_state(self.page, state)

    def canvas(self, selector: str = "#result-canvas") -> tuple[int, int, bytes]:
        width, height, data = self.page.evaluate(CANVAS_RGBA, selector)
        return int(width), int(height), base64.b64decode(data)

    def request(self) -> dict[str, Any]:
        """The {source, spec} the page last sent (shown under "The request sent")."""
        text = self.page.locator("#spec-json").text_content()
        return dict(json.loads(text))

    def server_png(self, request: dict[str, Any] | None = None) -> tuple[int, int, bytes]:
        """POST /api/kernels/apply with the page's source and spec, decoded to RGBA."""
        request = request or self.request()
        fields = {"spec": json.dumps(request["spec"]), "format": "png", **request["source"]}
        response = self.page.request.post("/api/kernels/apply", multipart=fields)
        assert response.ok, response.text()
        image = Image.open(io.BytesIO(response.body())).convert("RGBA")
        return image.width, image.height, image.tobytes()

    def control(self, label: str) -> Any:
        """A Kernel Lab control by its label (the numeric panel below has its own Stride...)."""
        return self.page.locator("#lab").get_by_label(label, exact=True)

    def pick_preset(self, label: str) -> None:
        self.control("Preset").select_option(label=label)
        self.wait()

    def pick_sample(self, name: str) -> None:
        self.control("Or a sample photo").select_option(name)
        self.wait()


@pytest.fixture
def lab(page: Any) -> Lab:
    return Lab(page)
