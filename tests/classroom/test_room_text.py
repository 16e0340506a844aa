"""Room titles and participant names pass server.text's rule (a lone surrogate once locked
the teacher out of the room page), and valid tricky text comes back equal from every
answer and socket message that shows it: titles, names, a broadcast model's name, a fork's."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .fixtures import models_folder, session, shipped_id

TITLE = "Période 3 📐 — כיתה ב / الصف"
NAME = "Zoë 👩‍👩‍👧 עברית q̣̇"
MODEL = "Ada's 👍🏽 digits: Ñúñez, العربية"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def client(make_client, tmp_path: Path) -> TestClient:
    return make_client(models_dir=models_folder(tmp_path))


def _post(client: TestClient, url: str, body: str, headers: dict[str, str]) -> Any:
    """The body as raw JSON: a lone surrogate travels as the escape "\\ud800"."""
    return client.post(url, content=body.encode(), headers={**headers, **JSON})


def _room(client: TestClient, teacher: dict[str, str], title: str = "Period 3") -> str:
    created = client.post("/api/rooms", json={"title": title}, headers=teacher)
    assert created.status_code == 201, created.text
    return str(created.json()["code"])


BAD = [('"A\\ud800"', "lone surrogate U+D800"), ('"\\udc00 z"', "lone surrogate U+DC00"),
       ('"tab\\there"', "control character '\\t'"), ('"nul\\u0000"', "control character"),
       ('"c1 \\u009b"', "control character '\\x9b'"), ('"line\\u2029"', "control character")]


@pytest.mark.parametrize(("raw", "words"), BAD)
def test_a_bad_title_is_refused(client: TestClient, raw: str, words: str) -> None:
    teacher = session(client)
    answer = _post(client, "/api/rooms", f'{{"title": {raw}}}', teacher)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == ["title"]
    assert answer.json()["detail"][0]["msg"].startswith("title: ")
    assert words in answer.json()["detail"][0]["msg"]
    assert client.get("/api/rooms", headers=teacher).json()["teaching"] == []


@pytest.mark.parametrize(("raw", "words"), BAD)
def test_a_bad_name_is_refused_and_the_teacher_still_sees_the_room(
        client: TestClient, raw: str, words: str) -> None:
    teacher, student = session(client), session(client)
    code = _room(client, teacher)
    answer = _post(client, f"/api/rooms/{code}/join", f'{{"name": {raw}}}', student)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == ["name"]
    assert words in answer.json()["detail"][0]["msg"]
    page = client.get(f"/api/rooms/{code}", headers=teacher)
    assert page.status_code == 200
    assert page.json()["participants"] == []


@pytest.mark.parametrize(("field", "url", "limit"), [("title", "/api/rooms", 80),
                                                     ("name", "/api/rooms/{code}/join", 40)])
def test_the_caps_count_characters_after_nfc(client: TestClient, field: str, url: str,
                                            limit: int) -> None:
    teacher = session(client)
    code = _room(client, teacher)
    where = url.format(code=code)
    fits = client.post(where, json={field: "e\u0301" * limit}, headers=session(client))
    assert fits.status_code in (200, 201), fits.text
    shown = fits.json().get("room", fits.json())
    assert (shown["title"] if field == "title" else shown["you"]["name"]) == "é" * limit
    over = client.post(where, json={field: "é" * (limit + 1)}, headers=session(client))
    assert over.status_code == 422
    assert over.json()["detail"][0]["loc"] == [field]
    assert f"the limit is {limit}" in over.json()["detail"][0]["msg"]


def test_decomposed_titles_and_names_are_stored_composed(client: TestClient) -> None:
    teacher, student = session(client), session(client)
    nfd = unicodedata.normalize("NFD", "Zoë Ñúñez")
    code = _room(client, teacher, nfd)
    joined = client.post(f"/api/rooms/{code}/join", json={"name": nfd}, headers=student)
    assert joined.json()["title"] == joined.json()["you"]["name"] == "Zoë Ñúñez"


def _model_named(client: TestClient, teacher: dict[str, str], name: str) -> str:
    exported = client.get(f"/api/models/{shipped_id()}/export", headers=teacher).content
    copy = client.post("/api/models/import", files={"file": ("m.zip", exported)},
                       headers=teacher)
    assert copy.status_code == 201, copy.text
    model_id = str(copy.json()["id"])
    assert client.patch(f"/api/models/{model_id}", json={"name": name},
                        headers=teacher).status_code == 200
    return model_id


def _everything_shows(client: TestClient, code: str, teacher: dict[str, str],
                      student: dict[str, str]) -> list[dict[str, Any]]:
    """Every view of the room, teacher's and student's: REST answers and socket messages."""
    views = []
    for who in (teacher, student):
        page = client.get(f"/api/rooms/{code}", headers=who)
        mine = client.get("/api/rooms", headers=who)
        assert page.status_code == mine.status_code == 200
        views += [page.json(), *mine.json()["teaching"], *mine.json()["joined"]]
        with client.websocket_connect(f"/ws/rooms/{code}", headers=who) as ws:
            views.append(ws.receive_json()["room"])
    return views


def test_tricky_text_comes_back_equal_everywhere(client: TestClient) -> None:
    assert len(TITLE) <= 80
    assert len(NAME) <= 40
    teacher, student = session(client), session(client)
    created = client.post("/api/rooms", json={"title": TITLE}, headers=teacher)
    assert created.status_code == 201, created.text
    assert created.json()["room"]["title"] == TITLE
    code = created.json()["code"]
    joined = client.post(f"/api/rooms/{code}/join", json={"name": NAME}, headers=student)
    assert joined.status_code == 200, joined.text
    assert (joined.json()["title"], joined.json()["you"]["name"]) == (TITLE, NAME)
    model_id = _model_named(client, teacher, MODEL)
    shown = client.put(f"/api/rooms/{code}/broadcast", json={"kind": "model",
                                                             "model_id": model_id},
                       headers=teacher)
    assert shown.status_code == 200, shown.text
    views = _everything_shows(client, code, teacher, student)
    assert len(views) == 6
    for view in views:
        assert view["title"] == TITLE
        assert view["broadcast"]["title"] == MODEL
        names = [p["name"] for p in view["participants"]] if view["teacher"] else [
            view["you"]["name"]]
        assert names == [NAME]
    forked = client.post(f"/api/rooms/{code}/fork", json={"what": "model"}, headers=student)
    assert forked.status_code == 201, forked.text
    assert forked.json()["name"] == f"{MODEL} (fork)"
    mine = client.get(f"/api/models/{forked.json()['model_id']}", headers=student)
    assert mine.status_code == 200
    assert mine.json()["name"] == f"{MODEL} (fork)"


def test_a_fork_of_a_model_with_the_longest_name_stays_within_the_cap(
        client: TestClient) -> None:
    teacher, student = session(client), session(client)
    code = _room(client, teacher)
    client.post(f"/api/rooms/{code}/join", json={}, headers=student)
    model_id = _model_named(client, teacher, "é" * 200)
    client.put(f"/api/rooms/{code}/broadcast", json={"kind": "model", "model_id": model_id},
               headers=teacher)
    forked = client.post(f"/api/rooms/{code}/fork", json={"what": "model"}, headers=student)
    assert forked.status_code == 201, forked.text
    assert forked.json()["name"] == "é" * 193 + " (fork)"
    renamed = client.patch(f"/api/models/{forked.json()['model_id']}",
                           json={"description": "kept"}, headers=student)
    assert renamed.status_code == 200
    assert len(renamed.json()["name"]) == 200


def test_a_kernel_lab_state_with_a_lone_surrogate_is_refused(client: TestClient) -> None:
    teacher = session(client)
    code = _room(client, teacher)
    body = '{"kind": "kernel_lab", "kernel_lab": {"kernels": [{"name": "edge \\ud800"}]}}'
    answer = client.put(f"/api/rooms/{code}/broadcast", content=body.encode(),
                        headers={**teacher, **JSON})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == ["kernel_lab", "kernels", 0, "name"]
    assert client.get(f"/api/rooms/{code}", headers=teacher).json()["broadcast"][
        "kind"] == "none"
