"""The Live Training page in a real browser: a short run started from the form, watched
live (charts, progress, maps, filters, the confusion matrix), re-attached after a reload;
pause / step / resume / live learning rate / stop from the buttons; errors next to the
field that caused them; the binary frame decoder on a handcrafted frame."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from page_checks import UNLABELLED, open_view

pytestmark = pytest.mark.browser

QUICK = {"Epochs": "1", "Batch size": "32", "Max training samples": "600"}
TINY = {"input": {"channels": 1, "height": 28, "width": 28},
        "layers": [{"type": "conv2d", "filters": 4, "kernel_size": 5, "stride": 2,
                    "padding": "same", "activation": "relu"},
                   {"type": "max_pool2d", "pool_size": 2}, {"type": "flatten"},
                   {"type": "dense", "units": 10, "activation": "softmax"}]}

# How many canvases in a panel have pixels of more than one colour (drawn, not blank).
DRAWN_CANVASES = """(selector) => [...document.querySelectorAll(selector)].filter((c) => {
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  for (let i = 4; i < d.length; i += 4) {
    if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) return true;
  }
  return false;
}).length"""

class Training:
    """The Training page, read the way a user sees it."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def wait(self, state: str, timeout: float = 30_000) -> None:
        self.page.wait_for_selector(f"body[data-state={state}]", state="attached",
                                    timeout=timeout)

    def fill(self, values: dict[str, str]) -> None:
        for label, value in values.items():
            self.page.get_by_label(label, exact=True).fill(value)

    def use_preset(self, preset: str) -> None:
        self.page.get_by_label("A preset").check()
        self.page.get_by_role("combobox", name="Preset").select_option(preset)

    def start(self) -> str:
        """Press Start and return the new run's id (from the address: #run=<id>)."""
        self.page.get_by_role("button", name="Start training").click()
        self.page.wait_for_url(re.compile(r"#run=run-"))
        return str(self.page.evaluate("location.hash.slice(5)"))

    def button(self, name: str) -> Any:
        return self.page.get_by_role("group", name="Run controls").get_by_role(
            "button", name=name, exact=True)

    def points(self, chart: str = "loss-chart") -> int:
        return int(self.page.locator(f"#{chart}").get_attribute("data-points"))

    def progress_step(self) -> int:
        match = re.search(r"step (\d+)", self.page.locator("#progress-text").text_content())
        assert match, self.page.locator("#progress-text").text_content()
        return int(match.group(1))

    def error_near(self, label: str) -> str:
        control = self.page.get_by_label(label, exact=True)
        assert control.get_attribute("aria-invalid") == "true"
        note = control.locator("xpath=ancestor::*[contains(@class, 'field')][1]").locator(
            ".field-error")
        return str(note.text_content())


@pytest.fixture
def training(browser: Any, base_url: str) -> Iterator[Training]:
    yield from open_view(browser, base_url, "/training", Training,
                         viewport={"width": 1024, "height": 768})


def test_a_short_run_is_drawn_live_and_reattaches_after_a_reload(training: Training) -> None:
    page = training.page
    assert page.locator('nav a[aria-current="page"]').text_content() == "Training"
    thumbnails = page.get_by_role("list", name="Sample images from the dataset")
    thumbnails.locator("img").first.wait_for()  # the dataset's sample images
    assert training.points() == 0
    assert page.get_by_text("Start a run (or open one) to see this.").first.is_visible()
    training.use_preset("lenet-mnist")
    page.get_by_role("combobox", name="Dataset").select_option("mnist")
    training.fill(QUICK)
    run_id = training.start()
    page.wait_for_function("document.querySelector('#loss-chart').dataset.points > 0")
    training.wait("finished")
    run = page.request.get(f"/api/runs/{run_id}").json()
    assert run["status"] == "finished"
    assert run["model_id"]

    assert page.locator("#model-id").text_content() == run["model_id"]
    assert page.locator("#run-device").text_content() == run["device"]
    # The loop always reports the first and the last batch, and one every 0.25 s between
    # (a fast machine may finish 19 batches inside one interval: then there are just two).
    drawn = training.points()
    assert drawn >= 2
    assert training.points("accuracy-chart") == drawn
    assert page.get_by_label("Progress").evaluate("(p) => p.value") == 1
    assert "Epoch 1 of 1" in page.locator("#progress-text").text_content()
    check_results(training, run)
    check_chart_controls(training, drawn)
    # The list of runs has it, current; a reload re-attaches from the snapshot
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=f"Open run {run_id}"))
    row.wait_for()
    assert row.get_attribute("aria-current") == "true"
    page.reload()
    training.wait("finished")
    assert page.locator("#model-id").text_content() == run["model_id"]
    # the snapshot replays every step the live page drew, no more and no fewer
    page.wait_for_function(f"document.querySelector('#loss-chart').dataset.points == {drawn}")
    check_results(training, run)
    assert page.evaluate(UNLABELLED) == []


def check_chart_controls(training: Training, drawn: int) -> None:
    """Drag to zoom (both charts follow), Reset zoom, and per-epoch points."""
    page = training.page
    area = page.locator("#loss-chart .u-over")
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    assert page.locator("#accuracy-chart").get_attribute("data-zoomed") == "true"
    page.get_by_role("button", name="Reset zoom").click()
    assert page.locator("#loss-chart").get_attribute("data-zoomed") == "false"
    page.get_by_label("Per epoch").check()
    assert training.points() == 1  # one epoch
    page.get_by_label("Per step").check()
    assert training.points() == drawn  # every step drawn before comes back


def check_results(training: Training, run: dict[str, Any]) -> None:
    """The confusion matrix, the per-class table, maps, filters, softmax and samples."""
    page = training.page
    matrix = page.get_by_role("table", name=re.compile("Confusion matrix after epoch 1"))
    cells = matrix.locator("tbody td").all_text_contents()
    assert len(cells) == 100
    per_class = page.get_by_role("table", name="Per class, epoch 1")
    support = per_class.locator("tbody tr td:last-child").all_text_contents()
    assert sum(int(c) for c in cells) == sum(int(s) for s in support) > 0
    # Maps and filters arrived as binary frames and are painted (not blank)
    page.wait_for_function(f"({DRAWN_CANVASES})('#activations-body canvas') >= 7")
    layers = page.locator("#activations-body figure").count()
    assert layers == 7  # every LeNet layer
    assert page.evaluate(DRAWN_CANVASES, "#filters-body canvas") == 2  # two conv layers
    assert page.get_by_role("list", name="Softmax").get_by_role("listitem").count() == 10
    assert page.locator("#samples-list li").count() > 0
    assert page.get_by_role("row", name=re.compile("^Layer 0")).count() == 1  # the norms


KEEP_SOCKETS = """window.sockets = [];
window.WebSocket = class extends window.WebSocket {
  constructor(...args) { super(...args); window.sockets.push(this); }
};"""


def test_pause_step_resume_reconnect_live_lr_and_stop(training: Training) -> None:
    page = training.page
    page.evaluate("(spec) => localStorage.setItem('cnnpg.spec', JSON.stringify(spec))", TINY)
    page.add_init_script(KEEP_SOCKETS)
    page.reload()
    training.wait("idle")
    assert page.get_by_label("The Builder's network").is_checked()
    training.fill({**QUICK, "Epochs": "200"})
    training.start()
    training.wait("training")
    page.wait_for_function("document.querySelector('#loss-chart').dataset.points > 0")
    pause = training.button("Pause")
    pause.focus()
    page.keyboard.press("Enter")
    training.wait("paused")
    assert page.evaluate("document.activeElement.textContent") == "Resume"  # focus follows
    assert training.button("Step").is_enabled()
    before = training.progress_step()
    training.button("Step").click()
    page.wait_for_function(
        f"/step (\\d+)/.exec(document.querySelector('#progress-text').textContent)[1] > {before}")
    training.wait("paused")
    training.button("Resume").click()
    training.wait("training")
    # The connection drops: the page reconnects by itself and resumes from the snapshot
    page.evaluate("window.sockets.at(-1).close()")
    page.wait_for_function("window.sockets.length === 2 && window.sockets[1].readyState === 1"
                           " && document.querySelector('#run-connection').textContent === 'Live.'")
    page.wait_for_function("document.querySelector('#loss-chart').dataset.points > 0")
    training.wait("training")
    page.get_by_label("Learning rate (live)").fill("0.0005")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_function("document.querySelector('#run-lr').textContent === '0.0005'")
    training.button("Stop").click()
    training.wait("finished")
    assert page.evaluate("document.body.dataset.runStatus") == "stopped"
    assert training.button("Pause").is_disabled()
    assert training.button("Stop").is_disabled()


def test_errors_are_shown_next_to_the_field(training: Training) -> None:
    page = training.page
    training.use_preset("lenet-mnist")
    training.fill({**QUICK, "Learning rate": "0"})
    page.get_by_role("button", name="Start training").click()
    training.wait("error")
    assert "greater than 0" in training.error_near("Learning rate")
    assert page.evaluate("document.activeElement.id") == "learning-rate"
    # A Builder network whose input does not fit the dataset: the message sits in Network
    spec = {**TINY, "input": {"channels": 2, "height": 28, "width": 28}}
    page.evaluate("(spec) => localStorage.setItem('cnnpg.spec', JSON.stringify(spec))", spec)
    page.reload()
    training.wait("idle")
    training.fill(QUICK)
    page.get_by_role("button", name="Start training").click()
    training.wait("error")
    note = page.get_by_role("group", name="Network").locator(".field-error")
    assert "input channels to 1" in note.text_content()
    assert page.evaluate("location.hash") == ""  # nothing started


def test_frame_decoder_and_colour_tables(training: Training) -> None:
    """A handcrafted CNR1 frame decodes into its blocks (docs/protocol.md)."""
    result = training.page.evaluate("""async () => {
      const { parseRunFrame } = await import("/static/js/socket.js");
      const { decodeBlocks, dequantize } = await import("/static/js/pages/training/frames.js");
      const { viridis, diverging, blockLut } = await import(
        "/static/js/ui/colormaps.js");
      const bytes = new Uint8Array(8 + 6);
      bytes.set([67, 78, 82, 49]);  // CNR1
      new DataView(bytes.buffer).setUint32(4, 57, true);
      bytes.set([0, 255, 51, 10, 20, 30], 8);
      const header = { type: "activations", seq: 57, blocks: [
        { index: 0, layer: "conv2d", shape: [1, 2, 2], offset: 0, length: 4, min: -1, max: 4 },
        { index: 3, layer: "dense", shape: [2], offset: 4, length: 2, min: 0, max: 1 },
        { index: 9, layer: "dense", shape: [5], offset: 6, length: 5, min: 0, max: 1 }] };
      const frame = parseRunFrame(bytes.buffer);
      const blocks = decodeBlocks(header, frame.data);
      return { seq: frame.seq, count: blocks.length, first: [...blocks[0].bytes],
        second: [...blocks[1].bytes], values: [...blocks[0].bytes].map(
          (b) => dequantize(blocks[0], b)),
        notMagic: parseRunFrame(new Uint8Array(12).buffer),
        viridis: [...viridis.slice(0, 3), ...viridis.slice(765)],
        diverging: [...diverging.slice(0, 3), ...diverging.slice(381, 384),
          ...diverging.slice(765)],
        signedZero: [...blockLut(-1, 1).slice(381, 384)] };
    }""")
    assert result["seq"] == 57
    assert result["count"] == 2
    assert result["first"] == [0, 255, 51, 10]
    assert result["second"] == [20, 30]
    assert result["values"][:3] == pytest.approx([-1, 4, 0])
    assert result["notMagic"] is None
    assert result["viridis"] == [0x44, 0x01, 0x54, 0xfd, 0xe7, 0x25]
    assert result["diverging"][:3] == [0x21, 0x66, 0xac]  # blue for negative
    assert result["diverging"][-3:] == [0xb3, 0x58, 0x06]  # orange for positive
    assert min(result["signedZero"]) > 230  # zero is light grey


def test_tablet_layout_has_no_sideways_scroll(browser: Any, base_url: str) -> None:
    context = browser.new_context(bypass_csp=True, base_url=base_url,
                                  viewport={"width": 820, "height": 1180},
                                  has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto("/training")
    Training(page).wait("idle")
    assert page.evaluate("document.documentElement.scrollWidth") <= 820
    assert page.get_by_role("button", name="Start training").is_enabled()
    assert page.evaluate(UNLABELLED) == []
    context.close()
