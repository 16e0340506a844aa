"""Compare runs in the browser (#19 part 3): three runs chosen from the list (mouse and
keyboard), drawn one line per run in their own colours, the settings that differ marked;
the copied link opens the same view in a new page; and a room's teacher sees the class's
runs, learning rate against final accuracy, each point labelled with who ran it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from page_checks import TINY, UNLABELLED, PageView, open_view

pytestmark = pytest.mark.browser

COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"]  # the first four runs' colours
# How many pixels of each colour a chart's canvas holds: each run's line and markers.
PIXELS = """([selector, colours]) => {
  const canvas = document.querySelector(`${selector} canvas`);
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  return colours.map((hex) => {
    const n = parseInt(hex.slice(1), 16);
    const rgb = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && rgb.every((c, k) => Math.abs(data[i + k] - c) < 10)) count += 1;
    }
    return count;
  });
}"""


class Compare(PageView):
    def train(self, runs: list[dict[str, Any]]) -> list[str]:
        """Start runs with these training settings; their ids once all have finished."""
        ids = [self.page.request.post("/api/runs", data={
            "network": TINY, "dataset": "mnist", "training": {
                "epochs": 2, "max_train_samples": 600, "validation_split": 0.2, **training}})
            .json()["id"] for training in runs]
        for _ in range(600):
            statuses = [self.page.request.get(f"/api/runs/{i}").json()["status"] for i in ids]
            if all(s in ("finished", "failed") for s in statuses):
                break
            self.page.wait_for_timeout(200)
        assert statuses == ["finished"] * len(ids), statuses
        return ids

    def chosen(self) -> list[str]:
        return list(self.page.eval_on_selector_all(
            "#run-list input:checked", "boxes => boxes.map((b) => b.value)"))

    def view(self) -> dict[str, Any]:
        """What the page shows, to compare two pages."""
        page = self.page
        return {"chosen": self.chosen(), "x": page.locator("input[name=x]:checked").get_attribute(
            "value"), "curves": page.eval_on_selector_all(
            "input[name=curves]:checked", "boxes => boxes.map((b) => b.value)"),
            "lines": page.locator("#loss-chart").get_attribute("data-lines"),
            "legend": page.locator("#legend").inner_text(),
            "settings": page.locator("#settings-table").inner_text(),
            "final": page.locator("#final-table").inner_text()}


@pytest.fixture
def compare(browser: Any, base_url: str) -> Iterator[Compare]:
    yield from open_view(browser, base_url, "/compare", Compare,
                         viewport={"width": 1280, "height": 1000})


def test_three_runs_side_by_side_and_the_link_reopens_them(compare: Compare, browser: Any,
                                                          base_url: str) -> None:
    page = compare.page
    assert page.locator("#runs-empty").is_visible()  # a new session has no runs
    assert page.locator("#results-state").text_content() == "Choose 2 to 6 runs to compare them."
    ids = compare.train([{"learning_rate": 0.01, "batch_size": 32},
                         {"learning_rate": 0.003, "batch_size": 32},
                         {"learning_rate": 0.001, "batch_size": 64}])
    page.get_by_role("button", name="Refresh the runs").click()
    compare.wait("idle")
    assert page.locator("#run-list li").count() == 3
    page.locator(f"#pick-{ids[0]}").check()
    compare.wait("idle")
    assert page.locator("#results-state").text_content() == "Choose one more run to compare them."
    page.locator(f"#pick-{ids[1]}").check()
    page.locator(f"#pick-{ids[2]}").focus()
    page.keyboard.press("Space")  # the keyboard ticks the third
    compare.wait("idle")
    assert sorted(compare.chosen()) == sorted(ids)
    assert f"?runs={','.join(ids)}&" in page.url  # in the order chosen: their colours
    for chart in ("#loss-chart", "#accuracy-chart"):
        assert page.locator(chart).get_attribute("data-runs") == "3"
        assert page.locator(chart).get_attribute("data-lines") == "6"  # training, validation
        pixels = page.evaluate(PIXELS, [chart, COLOURS])
        assert all(n > 20 for n in pixels[:3]), pixels  # one line per run, in its colour
        assert pixels[3] == 0, pixels  # no fourth run
    assert page.locator("#legend li").count() == 3
    differs = page.locator("#settings-table tr.differs")
    assert differs.evaluate_all("rows => rows.map((r) => r.dataset.key)") == [
        "training.learning_rate", "training.batch_size"]
    assert differs.first.locator("th").inner_text().endswith("DIFFERS")  # said, not only shown
    assert page.locator("#settings-table tr[data-key='training.epochs']").get_attribute(
        "class") is None
    assert page.locator("#final-table").inner_text().count("finished") == 3
    # The view: steps across, validation only; the address follows every change.
    page.get_by_label("Steps (batches)").check()
    page.get_by_label("Training: a line").uncheck()
    assert page.locator("#loss-chart").get_attribute("data-lines") == "3"
    assert page.url.endswith(f"/compare?runs={','.join(ids)}&x=step&curves=validation")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy link").click()
    page.wait_for_function("document.querySelector('#copy-status').textContent !== ''")
    link = page.evaluate("navigator.clipboard.readText()")
    assert link == page.url == page.locator("#link-field").input_value()
    assert page.evaluate(UNLABELLED) == []
    shown = compare.view()
    # The link in a new page of the same browser (the runs are this session's).
    other = Compare(page.context.new_page())
    other.page.goto(link)
    other.wait("idle")
    assert other.view() == shown
    assert other.page.url == link
    other.page.close()
    check_a_stranger_is_told(browser, base_url, link, ids[0])


def check_a_stranger_is_told(browser: Any, base_url: str, link: str, first: str) -> None:
    """Another session opening the link: the runs are not found, said at the list."""
    context = browser.new_context(base_url=base_url, bypass_csp=True)
    stranger = Compare(context.new_page())
    stranger.page.goto(link)
    stranger.wait("error")
    error = stranger.page.locator("#picker-field .field-error")
    assert error.text_content() == f"no run {first!r}; list yours with GET /api/runs"
    assert stranger.page.locator("#results-body").is_hidden()
    assert len(stranger.chosen()) == 3  # the link's runs, listed to untick
    context.close()


def test_the_teacher_sees_the_class_learning_rates_against_accuracy(browser: Any,
                                                                    base_url: str) -> None:
    contexts = [browser.new_context(base_url=base_url, bypass_csp=True) for _ in range(3)]
    teacher, ada, bo = (Compare(c.new_page()) for c in contexts)
    for view in (teacher, ada, bo):
        view.page.goto("/join")
    code = teacher.page.request.post("/api/rooms", data={"title": "t"}).json()["code"]
    for view, name in ((ada, "Ada"), (bo, "Bo")):
        assert view.page.request.post(f"/api/rooms/{code}/join", data={"name": name}).ok
    mine = ada.train([{"learning_rate": 0.03}]) + bo.train([{"learning_rate": 0.001}])
    teacher.page.goto(f"/compare?room={code}")
    teacher.wait("idle")
    page = teacher.page
    assert page.locator("#picker-heading").text_content() == f"The class's runs in room {code}"
    assert page.locator("#scatter").get_attribute("data-points") == "2"
    labels = page.locator("#scatter .point-label").all_text_contents()
    assert sorted(labels) == ["Ada", "Bo"]
    assert "(log scale)" in page.locator("#scatter .axis-label").first.text_content()
    rows = page.locator("#class-table tbody tr")
    assert rows.evaluate_all("rows => rows.map((r) => r.dataset.run)") == [mine[1], mine[0]]
    assert rows.first.inner_text().split("\t")[:3] == ["Bo", "custom network", "0.001"]
    for run_id in mine:
        page.locator(f"#pick-{run_id}").check()
    teacher.wait("idle")
    assert page.locator("#loss-chart").get_attribute("data-runs") == "2"
    assert page.locator("#legend").inner_text().startswith("Ada: custom network")
    assert page.url.endswith(f"&room={code}&scatter=training.learning_rate")
    assert page.evaluate(UNLABELLED) == []
    for context in contexts:
        context.close()
