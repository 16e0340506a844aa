"""The Classify page as tests drive it: the models the server needs (the shipped model
copied into the browser server's temporary models folder, a renamed copy and a damaged
copy), a page object and the fixtures."""

from __future__ import annotations

import io
import itertools
import json
import re
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from page_checks import open_view
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
COPY_ID = "lenet-mnist-classify-copy"
BROKEN_ID = "broken-lenet-classify"
PERCENT = re.compile(r"^(<0\.1|>99\.9|\d{1,3}\.\d)%")


def percent(p: float) -> str:
    """prediction_view.js percent(): one decimal, never 100.0% or 0.0% for what is not."""
    if 0 < p < 0.0005:
        return "<0.1%"
    if 0.9995 <= p < 1:
        return ">99.9%"
    return f"{p * 100:.1f}%"

ACTIVE = """() => ({name: document.activeElement.name || '', id: document.activeElement.id,
  type: document.activeElement.type || '', value: document.activeElement.value || ''})"""


def shipped_folders() -> list[Path]:
    """The project's shipped model(s): manifest "shipped", else a folder named so."""
    folders = [p for p in sorted((ROOT / "models").iterdir()) if (p / "manifest.json").is_file()]
    marked = [p for p in folders if json.loads((p / "manifest.json").read_text()).get("shipped")]
    return marked or [p for p in folders if "shipped" in p.name]


def install_models(target: Path) -> list[Path]:
    """Copy the shipped model into target, plus a renamed copy (a second model to switch
    to) and a damaged copy (its weights cut short: listed, greyed, not selectable)."""
    sources = shipped_folders()
    if not sources:
        pytest.fail("no shipped model under models/")
    made = []  # only what this module adds: another module may have copied the same model
    for source in sources:
        if not (target / source.name).exists():
            shutil.copytree(source, target / source.name)
            made.append(target / source.name)
    for model_id, name in ((COPY_ID, "LeNet MNIST (a copy)"), (BROKEN_ID, "Broken LeNet")):
        folder = target / model_id
        shutil.copytree(sources[0], folder, dirs_exist_ok=True)
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest.update(id=model_id, name=name, shipped=False)
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))
        made.append(folder)
    weights = target / BROKEN_ID / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    return made


def png_bytes(pixels: Any) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def mnist_test_digit(index: int = 0) -> tuple[bytes, int]:
    """An MNIST test image as PNG bytes and its true class."""
    from server.config import Settings
    from server.datasets.registry import DatasetRegistry

    images, labels = DatasetRegistry(Settings().datasets_dir).load("mnist", "test")
    return png_bytes(images[index][..., 0]), int(labels[index])


class Classify:
    """The Classify page, read the way a user sees it."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def wait(self, state: str = "idle") -> None:
        self.page.wait_for_selector(f"body[data-state={state}]", state="attached")

    def answers(self) -> int:
        return int(self.page.evaluate("document.body.dataset.classified || 0"))

    def wait_answer(self, before: int, state: str = "idle") -> None:
        """The next result (or error) after `before` answers, and the page settled."""
        self.page.wait_for_function(f"Number(document.body.dataset.classified) > {before}")
        self.wait(state)

    @property
    def model(self) -> str:
        return str(self.page.evaluate("document.body.dataset.model"))

    def radio(self, model_id: str) -> Any:
        return self.page.locator(f'input[name="model"][value="{model_id}"]')

    def canvas_box(self) -> dict[str, float]:
        canvas = self.page.locator("#draw-canvas")
        canvas.scroll_into_view_if_needed()
        return dict(canvas.bounding_box())

    def stroke(self, points: list[tuple[float, float]]) -> None:
        """One mouse stroke through points given as fractions of the canvas."""
        box = self.canvas_box()
        at = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in points]
        self.page.mouse.move(*at[0])
        self.page.mouse.down()
        for x, y in at[1:]:
            self.page.mouse.move(x, y, steps=8)
        self.page.mouse.up()

    def touch_stroke(self, points: list[tuple[float, float]]) -> None:
        """One finger stroke (CDP touch events: Playwright has no touch move)."""
        box = self.canvas_box()
        cdp = self.page.context.new_cdp_session(self.page)
        at = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in points]
        steps = [at[0]]
        for (x0, y0), (x1, y1) in itertools.pairwise(at):
            steps += [(x0 + (x1 - x0) * t / 8, y0 + (y1 - y0) * t / 8) for t in range(1, 9)]
        for kind, (x, y) in [("touchStart", steps[0])] + [("touchMove", p) for p in steps[1:]]:
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [
                {"x": x, "y": y, "id": 1, "radiusX": 2, "radiusY": 2, "force": 1}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        cdp.detach()

    def upload(self, name: str, data: bytes, mime: str = "image/png") -> None:
        self.page.get_by_label("Choose an image file").set_input_files(
            {"name": name, "mimeType": mime, "buffer": data})

    def top(self) -> list[tuple[str, str]]:
        """(label, value text) of each top-k row, first to last."""
        rows = self.page.get_by_role("list", name="Top predictions").get_by_role("listitem")
        return [(r.locator(".topk-label").text_content() or "",
                 r.locator(".topk-value").text_content() or "") for r in rows.all()]

    def summary(self) -> str:
        return str(self.page.locator("#prediction-summary").text_content())

    def error_near(self, label: str) -> str:
        control = self.page.get_by_label(label, exact=True)
        assert control.get_attribute("aria-invalid") == "true"
        note = control.locator("xpath=ancestor::*[contains(@class, 'field')][1]").locator(
            ".field-error")
        return str(note.text_content())

    def image_size(self, selector: str) -> tuple[int, int, int, int]:
        """(natural width, natural height, shown width, shown height) of a visible image."""
        return tuple(self.page.evaluate("""(s) => {
          const img = document.querySelector(s);
          const r = img.getBoundingClientRect();
          return [img.naturalWidth, img.naturalHeight, r.width, r.height];
        }""", selector))


def open_page(browser: Any, base_url: str, **context_args: Any) -> Iterator[Classify]:
    yield from open_view(browser, base_url, "/classify", Classify, **context_args)


class Models:
    """What GET /api/models lists, and which of them is the shipped model."""

    def __init__(self, listed: list[dict[str, Any]]) -> None:
        self.by_id = {m["id"]: m for m in listed}
        names = {p.name for p in shipped_folders()}
        marked = [m["id"] for m in listed if m["shipped"] and not m["damaged"]]
        self.shipped = (marked or [m["id"] for m in listed if m["id"] in names])[0]


@pytest.fixture(scope="module")
def models(base_url: str, server_models_dir: Path) -> Iterator[Models]:
    """The shipped model, a copy and a damaged copy in the server's models folder; what
    this module added is removed afterwards."""
    made = install_models(server_models_dir)
    try:
        with urllib.request.urlopen(f"{base_url}/api/models", timeout=10) as response:
            listed = json.loads(response.read())["models"]
        yield Models(listed)
    finally:
        for folder in made:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def classify(browser: Any, base_url: str, models: Models) -> Iterator[Classify]:
    """The Classify page at 1024x768, loaded and idle."""
    yield from open_page(browser, base_url, viewport={"width": 1024, "height": 768})


@pytest.fixture
def tablet(browser: Any, base_url: str, models: Models) -> Iterator[Classify]:
    """The Classify page on a 768 px wide touch screen tablet."""
    yield from open_page(browser, base_url, viewport={"width": 768, "height": 1024},
                         has_touch=True, is_mobile=True)
