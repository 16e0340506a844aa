"""The Classify page's "Use the webcam" (#16): Chromium's synthetic camera (a moving test
pattern) through a real getUserMedia, frames over /ws/classify to the real server and the
shipped LeNet. The top-k bars and the saliency map keep changing, the frame rate is shown,
Stop releases the camera, a blocked camera is reported at the control, and a socket the
server closes is reconnected."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from classify_page import Classify, Models, models, open_page

pytestmark = pytest.mark.browser
__all__ = ["models"]  # the fixture, imported so pytest finds it

# Keeps every stream getUserMedia hands the page, so the test can see its tracks end.
KEEP_STREAMS = """() => {
  const media = navigator.mediaDevices;
  const original = media.getUserMedia.bind(media);
  window.keptStreams = [];
  media.getUserMedia = async (constraints) => {
    const stream = await original(constraints);
    window.keptStreams.push(stream);
    return stream;
  };
}"""
TRACK_STATES = """() => window.keptStreams.flatMap((s) => s.getTracks().map((t) => t.readyState))"""
BARS = """() => [...document.querySelectorAll('#topk li')].map(
  (li) => li.dataset.label + '=' + li.dataset.probability).join(' ')"""


@pytest.fixture
def live(camera_browser: Any, base_url: str, models: Models) -> Iterator[Classify]:
    yield from open_page(camera_browser, base_url, viewport={"width": 1280, "height": 900},
                         permissions=["camera"])


def test_the_webcam_is_classified_live_and_stop_releases_the_camera(live: Classify) -> None:
    page = live.page
    page.evaluate(KEEP_STREAMS)
    toggle = page.get_by_role("button", name="Start the webcam")
    toggle.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("Number(document.querySelector('#webcam-fps').dataset.fps) > 0")
    assert page.evaluate(TRACK_STATES) == ["live"]
    assert page.evaluate("document.activeElement.textContent") == "Stop the webcam"
    seen, overlays = set(), set()
    start = live.answers()
    while len(seen) < 3 or live.answers() < start + 15:
        page.wait_for_function(f"Number(document.body.dataset.classified) > {live.answers()}")
        seen.add(page.evaluate(BARS))
        overlays.add(page.locator("#saliency-overlay").get_attribute("src"))
    assert len(seen) >= 3  # the bars change as the pattern moves
    assert all(src and src.startswith("data:image/png;base64,") for src in overlays)
    assert len(overlays) >= 2
    fps = page.locator("#webcam-fps")
    assert float(fps.get_attribute("data-fps") or 0) > 0
    assert "frames/s" in (fps.text_content() or "")
    rows = page.get_by_role("list", name="Top predictions").get_by_role("listitem")
    assert rows.count() == 5
    assert {r.get_attribute("data-label") for r in rows.all()} <= {str(d) for d in range(10)}

    page.get_by_role("button", name="Stop the webcam").press("Enter")
    assert page.evaluate(TRACK_STATES) == ["ended"]  # the camera is released
    assert page.evaluate("document.querySelector('#webcam-video').srcObject") is None
    assert page.locator("#webcam-video").is_hidden()
    assert page.locator("#webcam-status").text_content() == "The webcam is off."
    stopped = live.answers()
    page.wait_for_timeout(500)  # answers still in flight may land; then none
    settled = live.answers()
    assert settled <= stopped + 2
    page.wait_for_timeout(500)
    assert live.answers() == settled


def test_a_blocked_camera_is_reported_at_the_control(live: Classify) -> None:
    page = live.page
    page.evaluate("""() => { navigator.mediaDevices.getUserMedia = async () => {
      throw new DOMException("Permission denied", "NotAllowedError"); }; }""")
    toggle = page.get_by_role("button", name="Start the webcam")
    toggle.click()
    note = page.locator("#webcam-block .field-error")
    note.wait_for()
    assert "camera was blocked" in (note.text_content() or "")
    assert "allow it for this site" in (note.text_content() or "")
    assert toggle.get_attribute("aria-invalid") == "true"
    assert note.get_attribute("id") in (toggle.get_attribute("aria-describedby") or "")
    assert page.locator("#webcam-video").is_hidden()



def test_a_closed_socket_reconnects_and_the_answers_go_on(live: Classify) -> None:
    """The real socket, passed through Playwright's websocket route so the test can drop
    it the way a restarting server would (close 1012)."""
    page = live.page
    routes: list[Any] = []

    def through(route: Any) -> None:
        route.connect_to_server()
        routes.append(route)

    page.route_web_socket("**/ws/classify", through)
    page.get_by_role("button", name="Start the webcam").click()
    page.wait_for_function("Number(document.querySelector('#webcam-fps').dataset.fps) > 0")
    assert len(routes) == 1
    routes[0].close(code=1012, reason="restart")
    page.wait_for_function("document.querySelector('#webcam-status').textContent"
                           ".includes('reconnecting')")
    page.wait_for_function("document.querySelector('#webcam-status').textContent"
                           " === 'Classifying the webcam live.'")
    before = live.answers()
    page.wait_for_function(f"Number(document.body.dataset.classified) > {before + 3}")
    assert len(routes) == 2  # a second, real connection carries the answers
    page.get_by_role("button", name="Stop the webcam").click()
