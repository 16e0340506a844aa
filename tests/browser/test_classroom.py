"""The Classroom in a real browser, with a teacher and students in separate browser contexts
(separate cookies, so separate sessions): the teacher opens a room, a student joins by code,
the teacher's run is broadcast and the student watches it progress (controlled from the
projector's presentation mode), then forks its network and its trained model; a wrong
code is said at the field; a kicked student is told so and does not reconnect; closing the
room ends it for everyone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from classroom_people import crowd, join, open_room, wait
from page_checks import TINY, UNLABELLED

pytestmark = pytest.mark.browser

QUICK = {"Epochs": "200", "Batch size": "32", "Max training samples": "600"}

# WCAG contrast ratio of an element's text colour against white (presentation is on white).
CONTRAST = """(selector) => {
  const [r, g, b] = getComputedStyle(document.querySelector(selector)).color
    .match(/\\d+/g).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
  return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05);
}"""


def step_of(page: Any) -> int:
    match = re.search(r"step (\d+)", page.locator("#progress-text").text_content())
    return int(match.group(1)) if match else 0


@pytest.fixture
def people(browser: Any, base_url: str) -> Iterator[Any]:
    yield from crowd(browser, base_url)


def test_a_broadcast_run_is_watched_live_and_forked(people: Any) -> None:
    teacher, student = people(), people()
    # The teacher's run: tiny, paused at once so the class sees every step
    training = teacher.open("/training")
    training.evaluate("(spec) => localStorage.setItem('cnnpg.spec', JSON.stringify(spec))", TINY)
    training.reload()
    wait(training, "idle")
    for label, value in QUICK.items():
        training.get_by_label(label, exact=True).fill(value)
    training.get_by_role("button", name="Start training").click()
    training.wait_for_url(re.compile(r"#run=run-"))
    run_id = training.evaluate("location.hash.slice(5)")
    wait(training, "training")
    controls = training.get_by_role("group", name="Run controls")
    controls.get_by_role("button", name="Pause").click()
    wait(training, "paused")

    classroom, code = open_room(teacher, "Period 3")
    assert classroom.get_by_role("status").filter(has_text="No one has joined").count() == 1
    room = join(student, code, "Ada")
    assert room.get_by_role("heading", name="Period 3").is_visible()
    assert room.get_by_role("heading", name="Waiting for the teacher").is_visible()
    wait(classroom, "1", "participants")
    assert classroom.locator("#participant-count").text_content() == (
        "1 participant, 1 online.")
    assert classroom.get_by_role("button", name="Kick Ada").is_visible()
    assert classroom.evaluate(UNLABELLED) == []

    # Broadcast the run: the student's page shows it, paused, without the controls
    classroom.get_by_label("One of my runs").check()
    classroom.get_by_label("Run", exact=True).select_option(run_id)
    classroom.get_by_role("button", name="Show to the class").click()
    wait(room, "run", "broadcast")
    wait(room, "paused")
    assert room.locator("#run-heading").text_content() == training.locator(
        "#run-heading").text_content()
    assert room.evaluate("document.body.dataset.runOwner") == "false"
    assert not room.get_by_role("group", name="Run controls").is_visible()
    assert "The teacher shows: A live training run" in room.locator("#broadcast-what").inner_text()
    before = step_of(room)

    # The projector: the teacher's own room page in presentation mode steps and resumes it
    projector = teacher.open(f"/room/{code}?present=1", "paused")
    wait(projector, "true", "presenting")
    wait(projector, "true", "run-owner")
    assert not projector.locator(".site-header").is_visible()
    assert projector.get_by_text("next: one step while paused").is_visible()
    assert projector.evaluate(CONTRAST, "#progress-text") >= 7
    assert projector.evaluate(CONTRAST, "#run-panel .hint") >= 7
    projector.get_by_text("Panels to show").click()
    projector.get_by_label("Filters", exact=True).uncheck()
    assert not projector.get_by_role("heading", name="Filters (convolution weights)").is_visible()
    projector.locator("#present-bar").focus()
    projector.keyboard.press("n")
    room.wait_for_function(f"/step (\\d+)/.exec(document.querySelector('#progress-text')"
                           f".textContent)[1] > {before}")
    projector.keyboard.press("Space")
    wait(room, "training")
    assert room.evaluate("document.body.dataset.runStatus") == "running"
    room.get_by_role("table", name=re.compile("Confusion matrix after epoch 1")).wait_for()
    # The teacher's Training page has been in the background behind the projector: bring
    # it forward and wait until it too shows the run training before using its Stop.
    training.bring_to_front()
    wait(training, "training")
    controls.get_by_role("button", name="Stop").click()
    wait(room, "finished")
    # The student scrubs the teacher's run back to its first step (the room's Replay panel).
    room.wait_for_function("!document.querySelector('#replay-slider').disabled")
    room.get_by_label("Point", exact=True).fill("0")
    room.wait_for_selector("#replay-panel[data-point='0']")
    assert room.locator("#replay-at").text_content().startswith("Step 1 ")
    projector.keyboard.press("Escape")
    wait(projector, "false", "presenting")
    assert projector.locator(".site-header").is_visible()
    assert "present" not in projector.url
    projector.keyboard.press("p")
    wait(projector, "true", "presenting")
    assert not projector.get_by_role("heading", name="Filters (convolution weights)").is_visible()

    # The student forks the network into the Builder...
    room.get_by_role("button", name="Fork the network").click()
    room.wait_for_url(re.compile(r"/builder#spec="))
    wait(room, "idle")
    spec = room.evaluate("JSON.parse(localStorage.getItem('cnnpg.spec'))")
    assert [layer["type"] for layer in spec["layers"]] == [
        layer["type"] for layer in TINY["layers"]]
    # ...and the trained model into the Training page, to train it further
    room.goto(f"/room/{code}")
    wait(room, "finished")
    room.get_by_role("button", name="Fork the trained model").click()
    room.wait_for_url(re.compile(r"/training#from="))
    wait(room, "idle")
    model_id = room.evaluate("decodeURIComponent(location.hash.slice(6))")
    assert room.get_by_text(re.compile("^Continuing from ")).is_visible()
    assert room.get_by_label(re.compile("Continue training ")).is_checked()
    assert room.get_by_role("combobox", name="Dataset").input_value() == "mnist"
    room.get_by_label("Epochs", exact=True).fill("1")
    with room.expect_request(re.compile(r"/api/runs$")) as started:
        room.get_by_role("button", name="Start training").click()
    assert started.value.post_data_json["initial_model"] == model_id
    room.wait_for_url(re.compile(r"#run=run-"))
    mine = room.request.get(f"/api/runs/{room.evaluate('location.hash.slice(5)')}").json()
    assert mine["yours"] is True
    assert room.request.get(f"/api/runs/{run_id}").json()["yours"] is False

    # The teacher shows the run's model, then the Builder's network: cards, then forks
    teacher_model = classroom.request.get(f"/api/runs/{run_id}").json()["model_id"]
    classroom.get_by_label("A model").check()
    classroom.get_by_label("Model", exact=True).select_option(teacher_model)
    classroom.get_by_role("button", name="Show to the class").click()
    room.goto(f"/room/{code}")
    wait(room, "model", "broadcast")
    room.get_by_role("table", name=re.compile("^Layers of ")).wait_for()
    assert room.get_by_role("button", name="Fork the model").is_visible()
    room.get_by_role("link", name="Try it in Classify").click()
    room.wait_for_url("**/classify")
    wait(room, "idle")
    assert room.locator(f'input[name="model"][value="{teacher_model}"]').is_checked()
    classroom.get_by_label("The network in my Builder").check()
    classroom.get_by_role("button", name="Show to the class").click()
    room.goto(f"/room/{code}")
    wait(room, "network", "broadcast")
    table = room.get_by_role("table", name=re.compile("output shapes"))
    table.wait_for()  # drawn once the server has worked out the shapes
    assert table.locator("tbody tr").count() == len(TINY["layers"]) + 1  # and the input
    assert room.evaluate(UNLABELLED) == []
    room.get_by_role("button", name="Train my own copy").click()
    room.wait_for_url("**/training")
    wait(room, "idle")
    assert room.get_by_label("The Builder's network").is_checked()


def test_wrong_code_kick_and_close(people: Any) -> None:
    teacher, kicked, other = people(), people(), people()
    page = kicked.open("/join")
    page.get_by_label("Room code").fill("hello!")
    page.get_by_role("button", name="Join").click()
    wait(page, "error")
    assert page.get_by_label("Room code").get_attribute("aria-invalid") == "true"
    assert "is not a room code" in page.locator('[data-loc="code"] .field-error').text_content()
    assert page.evaluate("document.activeElement.id") == "join-code-input"

    classroom, code = open_room(teacher, "")
    # A code that is well formed but not open: the server's answer, at the same field
    wrong = "AAAAAA" if code != "AAAAAA" else "CCCCCC"
    page.get_by_label("Room code").fill(wrong)
    page.get_by_role("button", name="Join").click()
    page.wait_for_selector('[data-loc="code"] .field-error', state="attached")
    assert f"No open room has the code {wrong}" in page.locator(
        '[data-loc="code"] .field-error').text_content()
    assert page.evaluate(UNLABELLED) == []

    room = join(kicked, code, "Bob")
    watcher = join(other, code, "")
    wait(classroom, "2", "participants")
    classroom.get_by_role("button", name="Kick Bob").click()
    classroom.get_by_role("dialog", name="Remove Bob?").get_by_role(
        "button", name="Remove").click()
    wait(room, "kicked", "room")
    assert room.get_by_role("alert").filter(
        has_text="The teacher removed you from this room").is_visible()
    wait(classroom, "1", "participants")
    # Joining again is refused at the field; the kicked page never reconnected meanwhile
    again = kicked.open(f"/join/{code}")
    assert again.get_by_label("Room code").input_value() == code
    again.get_by_role("button", name="Join").click()
    wait(again, "error")
    assert "You cannot join room" in again.locator('[data-loc="code"] .field-error').text_content()
    assert room.evaluate("window.sockets.filter((s) => s.url.includes('/ws/rooms/')).length") == 1

    # Closing asks first, then ends the room for everyone
    classroom.get_by_role("button", name="Close room").click()
    classroom.get_by_role("button", name="Keep it open").click()
    assert classroom.get_by_role("button", name="Close room").is_visible()
    classroom.get_by_role("button", name="Close room").click()
    classroom.get_by_role("button", name="Close the room").click()
    wait(watcher, "closed", "room")
    assert watcher.get_by_text("The teacher closed this room").is_visible()
    classroom.get_by_role("button", name="Create room").wait_for()
    assert f"Room {code} is closed" in classroom.locator("#room-closed-note").text_content()
    assert watcher.evaluate(UNLABELLED) == []
    # A model that cannot be opened on the Training page is said in the form
    training = other.open("/training#from=no-such-model", "error")
    assert "no-such-model to continue from could not be opened" in training.locator(
        '[data-loc="initial_model"] .field-error').text_content()
