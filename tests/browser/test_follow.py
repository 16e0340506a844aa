"""Follow me in the Kernel Lab: the teacher's page broadcasts its selections to a room and a
student's page (/?follow=CODE) mirrors them until the student changes something. Two browser
contexts, so two sessions with their own cookies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

pytestmark = pytest.mark.browser

SPEC = "JSON.parse(document.querySelector('#spec-json').textContent)"
RESULT_PNG = "document.querySelector('#result-canvas').toDataURL()"


class LabPage:
    """A Kernel Lab page read the way its user sees it, plus the follow state on <body>."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def wait(self, state: str = "idle") -> None:
        self.page.wait_for_selector(f"body[data-state={state}]", state="attached")

    def wait_body(self, name: str, value: str) -> None:
        self.page.wait_for_selector(f"body[data-{name}='{value}']", state="attached")

    def body(self, name: str) -> str:
        return str(self.page.locator("body").get_attribute(f"data-{name}"))

    def request(self) -> dict[str, Any]:
        return dict(json.loads(self.page.locator("#spec-json").text_content() or "{}"))

    def control(self, label: str) -> Any:
        return self.page.locator("#lab").get_by_label(label, exact=True)

    def pick(self, label: str, option: str) -> None:
        self.control(label).select_option(label=option)
        self.wait()

    def bar(self) -> str:
        return str(self.page.locator("#follow-bar").inner_text())

    def wait_kernel(self, sample: str, kernel: str) -> None:
        """The page asks the server for this sample and first kernel, and has its result."""
        self.page.wait_for_function(
            f"([s, k]) => {SPEC}.source.sample === s && {SPEC}.spec.steps[0].kernel === k",
            arg=[sample, kernel])
        self.wait()

    def published(self, before: str) -> str:
        """Wait until the server took a newer state than seq `before`; returns its seq."""
        self.page.wait_for_function("(n) => Number(document.body.dataset.broadcastSeq) > n",
                                    arg=int(before))
        return self.body("broadcast-seq")


@contextmanager
def browser_context(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh context (its own session cookie); page errors in it fail the test."""
    context = browser.new_context(bypass_csp=True, base_url=base_url,
                                  viewport={"width": 1024, "height": 768})
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    yield context
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def open_lab(context: Any, path: str) -> LabPage:
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(path)
    lab = LabPage(page)
    lab.wait()
    return lab


def test_the_student_mirrors_the_teacher_until_stepping_away(browser: Any, base_url: str) -> None:
    with browser_context(browser, base_url) as teacher_context, \
            browser_context(browser, base_url) as student_context:
        made = teacher_context.request.post("/api/rooms", data={"title": "Period 3"})
        assert made.status == 201, made.text()
        code = made.json()["code"]
        joined = student_context.request.post(f"/api/rooms/{code}/join", data={"name": "Ada"})
        assert joined.ok, joined.text()

        teacher = open_lab(teacher_context, "/")
        teacher.wait_body("broadcasting", "off")
        assert f"You teach room {code} (1 student" in teacher.bar()
        teacher.page.get_by_role("button", name="Broadcast this Kernel Lab").click()
        teacher.wait_body("broadcasting", "on")
        assert f"Broadcasting to room {code} (1 student" in teacher.bar()

        student = open_lab(student_context, f"/?follow={code.lower()}")
        student.wait_body("follow", "following")
        assert "Following the teacher" in student.bar()
        teacher.page.wait_for_function(  # the student's socket is counted
            "() => document.querySelector('#follow-text').textContent.includes('1 online')")

        # The teacher picks a photo and Sobel X: the student's page does the same
        teacher.control("Or a sample photo").select_option("chelsea")
        teacher.wait()
        teacher.pick("Preset", "Sobel X")
        student.wait_kernel("chelsea", "sobel_x")
        assert student.control("Preset").input_value() == "sobel_x"
        assert student.request() == teacher.request()
        assert student.page.evaluate(RESULT_PNG) == teacher.page.evaluate(RESULT_PNG)
        assert "ms compute" in (student.page.locator("#timing").text_content() or "")

        # The pixel the teacher explains is explained on the student's page
        teacher.page.locator("#result-canvas").click(position={"x": 60, "y": 50})
        teacher.page.wait_for_function(
            "document.querySelector('#explain-heading').textContent.startsWith('Result pixel')")
        heading = teacher.page.locator("#explain-heading").text_content()
        student.page.wait_for_function(
            "(h) => document.querySelector('#explain-heading').textContent === h", arg=heading)

        # The student changes the output mapping: stepped away, the teacher's changes wait
        student.control("Signed values to pixels").select_option("abs")
        student.wait_body("follow", "away")
        student.wait()
        assert "You stepped away from the teacher" in student.bar()
        before = teacher.body("broadcast-seq")
        teacher.pick("Preset", "Box blur 3x3")
        seq = teacher.published(before)
        student.wait_body("follow-latest", seq)  # received, not applied
        mine = student.request()
        assert mine["spec"]["steps"][0]["kernel"] == "sobel_x"
        assert mine["spec"]["output"] == "abs"

        # Follow again: the teacher's latest state, and later changes too
        student.page.get_by_role("button", name="Follow again").click()
        student.wait_body("follow", "following")
        student.wait_kernel("chelsea", "box_blur_3")
        assert student.request() == teacher.request()
        teacher.pick("Preset", "Laplacian (4-neighbour)")
        student.wait_kernel("chelsea", "laplacian_4")
        assert student.request() == teacher.request()

        # The teacher stops: the student is told, and nothing changes any more
        teacher.page.get_by_role("button", name="Stop broadcasting").click()
        teacher.wait_body("broadcasting", "off")
        student.wait_body("follow", "waiting")
        assert "not sharing the Kernel Lab" in student.bar()
        closed = teacher_context.request.post(f"/api/rooms/{code}/close")
        assert closed.ok, closed.text()
        student.wait_body("follow", "ended")
        assert f"The teacher closed room {code}" in student.bar()
        teacher.wait_body("broadcasting", "ended")


def test_following_a_room_you_have_not_joined_says_how_to_join(browser: Any,
                                                                base_url: str) -> None:
    with browser_context(browser, base_url) as teacher_context, \
            browser_context(browser, base_url) as stranger_context:
        code = teacher_context.request.post("/api/rooms", data={}).json()["code"]
        stranger = open_lab(stranger_context, f"/?follow={code}")
        stranger.wait_body("follow", "ended")
        assert f"There is no room {code} that you have joined" in stranger.bar()
        join = stranger.page.get_by_role("link", name=f"Join room {code}")
        assert join.get_attribute("href") == f"/join/{code}"
        # the page still works on its own
        stranger.pick("Preset", "Emboss")
        assert stranger.request()["spec"]["steps"][0]["kernel"] == "emboss"


def test_the_classroom_pages_choice_is_filled_in_by_the_open_kernel_lab(
        browser: Any, base_url: str) -> None:
    with browser_context(browser, base_url) as teacher_context, \
            browser_context(browser, base_url) as student_context:
        code = teacher_context.request.post("/api/rooms", data={}).json()["code"]
        student_context.request.post(f"/api/rooms/{code}/join", data={"name": "Grace"})
        teacher = open_lab(teacher_context, "/")
        teacher.wait_body("broadcasting", "off")
        teacher.pick("Preset", "Emboss")
        student = open_lab(student_context, f"/?follow={code}")
        student.wait_body("follow", "waiting")
        assert "not sharing the Kernel Lab" in student.bar()

        # What the Classroom page sends: the Kernel Lab, its state left to the Kernel Lab page
        chosen = teacher_context.request.put(f"/api/rooms/{code}/broadcast", data={
            "kind": "kernel_lab", "kernel_lab": {}, "follow": True})
        assert chosen.ok, chosen.text()
        teacher.wait_body("broadcasting", "on")
        student.wait_body("follow", "following")
        student.wait_kernel("camera", "emboss")
        assert student.request() == teacher.request()

        participant = teacher_context.request.get(f"/api/rooms/{code}").json()["participants"][0]
        kicked = teacher_context.request.post(f"/api/rooms/{code}/kick",
                                              data={"participant_id": participant["id"]})
        assert kicked.ok, kicked.text()
        student.wait_body("follow", "ended")
        assert f"The teacher removed you from room {code}" in student.bar()
        teacher.page.wait_for_function(
            "document.querySelector('#follow-text').textContent.includes('(0 students')")
