"""A dataset in the Classroom, in a real browser with the teacher and a student in separate
contexts (separate sessions): the teacher makes a dataset on the Datasets page and shows it
to the room; the student sees its classes and pictures, forks it, opens the fork on the
Datasets page, and with one click more is on the Training page with the fork chosen (the
room page still offers the fork after a reload). A fork that cannot be made is said at its
button."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from classroom_people import crowd, join, open_room, wait
from datasets_page import DatasetsPage, png
from page_checks import UNLABELLED

pytestmark = pytest.mark.browser


@pytest.fixture
def people(browser: Any, base_url: str) -> Iterator[Any]:
    yield from crowd(browser, base_url)


def teachers_dataset(teacher: Any) -> str:
    datasets = DatasetsPage(teacher.open("/datasets"))
    dataset_id = datasets.create("Shapes", size=16)
    for name, start in (("up", 0), ("down", 10)):
        datasets.add_class(name)
        datasets.page.get_by_label(f"Choose pictures for {name}").set_input_files([
            {"name": f"{i}.png", "mimeType": "image/png", "buffer": png(start + i)}
            for i in range(5)])
        datasets.wait_count(name, "5 pictures")
    return dataset_id


def test_a_student_forks_the_shown_dataset_and_trains_on_it(people: Any) -> None:
    teacher, student = people(), people()
    dataset_id = teachers_dataset(teacher)
    classroom, code = open_room(teacher, "Period 4")
    room = join(student, code, "Ada")
    nothing = room.request.post(f"/api/rooms/{code}/fork", data={"what": "dataset"})
    assert nothing.status == 409

    classroom.get_by_label("One of my datasets").check()
    classroom.get_by_label("Dataset", exact=True).select_option(dataset_id)
    classroom.get_by_role("button", name="Show to the class").click()
    wait(room, "dataset", "broadcast")
    room.get_by_role("heading", name="Shapes", level=2).wait_for()
    assert "10 pictures in 2 classes" in (room.locator("#dataset-facts").text_content() or "")
    for name in ("up", "down"):
        assert room.get_by_role("heading", name=f"{name}: 5 pictures", level=3).is_visible()
        shown = room.get_by_role("list", name=f"Newest pictures of {name}").get_by_role("img")
        assert shown.count() == 4
        assert shown.first.evaluate("(img) => img.complete && img.naturalWidth") == 16
    assert not room.get_by_role("link", name="Train on this").is_visible()
    assert room.evaluate(UNLABELLED) == []

    room.get_by_role("button", name="Fork the dataset").click()
    train = room.get_by_role("link", name="Train on this")
    train.wait_for()
    assert "Copied: Shapes (fork), 10 pictures in 2 classes" in (
        room.locator("#fork-status").text_content() or "")
    add_link = room.get_by_role("link", name="Add your pictures").get_attribute("href")
    assert add_link is not None
    assert add_link.startswith("/datasets#open=ds-")
    forked = add_link.removeprefix("/datasets#open=")
    assert forked != dataset_id
    mine = room.request.get(f"/api/datasets/{forked}").json()
    assert (mine["name"], mine["counts"]) == ("Shapes (fork)", {"up": 5, "down": 5})
    assert teacher.context.request.get(f"/api/datasets/{forked}").status == 404

    # after a reload the room page still offers the fork it made
    room.reload()
    wait(room, "dataset", "broadcast")
    train = room.get_by_role("link", name="Train on this")
    train.wait_for()
    assert train.get_attribute("href") == f"/training?dataset={forked}&preset=lenet-mnist"
    assert "Your fork: Shapes (fork), 10 pictures" in (
        room.locator("#fork-status").text_content() or "")

    # a fork that cannot be made says why at the button (the teacher deleted the dataset);
    # the fork already made stays offered
    assert teacher.context.request.delete(f"/api/datasets/{dataset_id}").ok
    room.get_by_role("button", name="Fork the dataset").click()
    error = room.locator("#fork-panel .field-error")
    error.wait_for()
    assert "was deleted by its teacher" in (error.text_content() or "")
    assert error.get_attribute("role") == "alert"
    assert train.is_visible()

    # "Add your pictures" opens the fork on the Datasets page, ready for more classes
    own = DatasetsPage(student.open(add_link))
    own.page.get_by_role("heading", name="Shapes (fork)", level=2).wait_for()
    assert own.page.evaluate("document.body.dataset.open") == forked
    own.add_class("sideways")

    # one click from the room to training it
    train.click()
    room.wait_for_url(f"**/training?dataset={forked}&preset=lenet-mnist")
    wait(room, "idle")
    select = room.get_by_role("combobox", name="Dataset", exact=True)
    assert select.input_value() == forked
    assert select.locator("option:checked").text_content() == "Shapes (fork)"
    assert room.get_by_label("Preset", exact=True).input_value() == "lenet-mnist"
    assert "Yours: Shapes (fork), 3 classes" in (
        room.locator("#dataset-info").text_content() or "")
