"""The Datasets page as a user drives it: by role and label, waiting on body[data-state] and
on the counts the page shows (never on time)."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterator
from typing import Any

from conftest import wait_state
from page_checks import open_view
from PIL import Image

# Build Files from base64 in the page and drop them on a class's drop zone, the way a drag
# from the desktop arrives (a DataTransfer with files).
DROP = """([selector, files]) => {
  const transfer = new DataTransfer();
  for (const f of files) {
    const bytes = Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], f.name, {type: f.type}));
  }
  const zone = document.querySelector(selector);
  for (const type of ["dragenter", "dragover", "drop"]) {
    zone.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true,
                                            cancelable: true}));
  }
}"""


HAS_TEXT = """([selector, text]) => [...document.querySelectorAll(selector)]
  .some((el) => el.textContent.includes(text))"""


def png(seed: int, side: int = 24) -> bytes:
    """A picture unlike the others of the same test (no duplicates)."""
    image = Image.new("RGB", (side, side), ((seed * 53) % 256, (seed * 97) % 256, 40))
    image.putpixel((seed % side, (seed // side) % side), (255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


class DatasetsPage:
    def __init__(self, page: Any) -> None:
        self.page = page

    def wait(self, state: str = "idle") -> None:
        wait_state(self.page, state)

    def wait_text(self, selector: str, text: str) -> None:
        """Until an element that selector finds says text."""
        self.page.wait_for_function(HAS_TEXT, arg=[selector, text])

    def create(self, name: str, size: int = 16, channels: str = "1: grayscale") -> str:
        page = self.page
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label("Size (pixels)").fill(str(size))
        page.get_by_label("Channels").select_option(label=channels)
        page.get_by_role("button", name="Create an empty dataset").click()
        self.wait()
        page.get_by_role("heading", name=name, level=2).wait_for()
        return str(page.evaluate("document.body.dataset.open"))

    def add_class(self, name: str) -> None:
        self.page.get_by_label("New class").fill(name)
        self.page.get_by_role("button", name="Add the class").click()
        self.wait()
        self.card(name).wait_for()

    def card(self, name: str) -> Any:
        return self.page.locator(f'li.class-card[data-class-name="{name}"]')

    def wait_count(self, name: str, pictures: str) -> None:
        """Until the class's card says e.g. "3 pictures"."""
        self.wait_text(f'li.class-card[data-class-name="{name}"] .class-count', pictures)
        self.wait()

    def drop(self, name: str, files: list[tuple[str, bytes, str]]) -> None:
        payload = [{"name": n, "data": base64.b64encode(d).decode(), "type": t}
                   for n, d, t in files]
        self.page.evaluate(DROP, [f'li.class-card[data-class-name="{name}"] .class-drop',
                                  payload])

    def server(self, dataset_id: str) -> dict[str, Any]:
        response = self.page.request.get(f"/api/datasets/{dataset_id}")
        assert response.ok, response.text()
        return dict(response.json())


def open_datasets(browser: Any, base_url: str, **context_args: Any) -> Iterator[DatasetsPage]:
    yield from open_view(browser, base_url, "/datasets", DatasetsPage, **context_args)
