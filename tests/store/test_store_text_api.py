"""Model names and descriptions (PATCH /api/models/{id}, an imported archive's manifest) pass
server.text's rule, and valid tricky text comes back equal from every answer that shows it."""

from __future__ import annotations

import io
import json
import shutil
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from inference.conftest import shipped_folder

NAME = "Ada's 👩‍👩‍👧 digits: Zoë, q̣̇, עברית, العربية"
DESCRIPTION = f"line one 🇫🇷\n\tindented: Ñúñez\n{NAME}"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def own(make_client: Callable[..., TestClient], tmp_path: Path) -> tuple[TestClient, str]:
    shutil.copytree(shipped_folder(), tmp_path / shipped_folder().name)
    client = make_client(models_dir=tmp_path)
    copy = client.post("/api/models/import", files={"file": ("m.zip", _export(client))})
    assert copy.status_code == 201, copy.text
    return client, copy.json()["id"]


def _export(client: TestClient, model_id: str | None = None) -> bytes:
    return client.get(f"/api/models/{model_id or shipped_folder().name}/export").content


def _patch(client: TestClient, model_id: str, body: str) -> Any:
    """The body as raw JSON: a lone surrogate travels as the escape "\\ud800"."""
    return client.patch(f"/api/models/{model_id}", content=body.encode(), headers=JSON)


@pytest.mark.parametrize("field", ["name", "description"])
@pytest.mark.parametrize(("value", "words"), [
    ('"My \\ud800 model"', ["lone surrogate U+D800", "remove it"]),
    ('"tail \\udfff"', ["lone surrogate U+DFFF"]),
    ('"esc \\u001b[31m"', ["control character '\\x1b' (U+001B)"]),
    ('"next line \\u0085 here"', ["control character '\\x85' (U+0085)"]),
    ('"sep \\u2028 line"', ["control character '\\u2028'"]),
])
def test_bad_text_is_refused_at_its_field(own: tuple[TestClient, str], field: str,
                                          value: str, words: list[str]) -> None:
    client, copy = own
    before = client.get(f"/api/models/{copy}").json()
    answer = _patch(client, copy, f'{{"{field}": {value}}}')
    assert answer.status_code == 422, answer.text
    problem = answer.json()["detail"][0]
    assert problem["loc"] == [field]
    assert problem["msg"].startswith(f"{field} ")
    for word in words:
        assert word in problem["msg"]
    assert client.get(f"/api/models/{copy}").json() == before


@pytest.mark.parametrize(("field", "limit"), [("name", 200), ("description", 2000)])
def test_the_cap_counts_characters_after_nfc(own: tuple[TestClient, str], field: str,
                                            limit: int) -> None:
    client, copy = own
    decomposed = "e\u0301" * limit  # twice the cap as sent, the cap once composed
    answer = client.patch(f"/api/models/{copy}", json={field: decomposed})
    assert answer.status_code == 200, answer.text
    assert answer.json()[field] == "é" * limit
    over = client.patch(f"/api/models/{copy}", json={field: "é" * (limit + 1)})
    assert over.status_code == 422
    assert over.json()["detail"][0]["loc"] == [field]
    assert f"{limit + 1} characters long; the limit is {limit}" in over.json()[
        "detail"][0]["msg"]


def test_decomposed_text_is_stored_composed(own: tuple[TestClient, str]) -> None:
    client, copy = own
    nfd = unicodedata.normalize("NFD", "Zoë Ñúñez")
    answer = client.patch(f"/api/models/{copy}", json={"name": nfd, "description": nfd})
    assert answer.status_code == 200, answer.text
    assert answer.json()["name"] == answer.json()["description"] == "Zoë Ñúñez"


def _with_manifest(archive: bytes, change: Callable[[str], str]) -> bytes:
    """The archive with manifest.json's text changed (as raw JSON text)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("manifest.json"):
                data = change(data.decode()).encode()
            target.writestr(info, data)
    return out.getvalue()


def _set(key: str, raw: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        document = json.loads(text)
        document[key] = "@@"
        return json.dumps(document).replace('"@@"', raw)
    return change


@pytest.mark.parametrize(("key", "raw", "words"), [
    ("name", '"A\\ud800"', ["manifest.json", "name", "lone surrogate"]),
    ("description", '"x\\udc00"', ["manifest.json", "description", "lone surrogate"]),
    ("classes", '["0", "1\\ud800", "2", "3", "4", "5", "6", "7", "8", "9"]',
     ["manifest.json", "classes.1", "lone surrogate"]),
    ("notes", '["fine", {"k": "\\ud83d"}]', ["manifest.json", "notes.1.k", "lone surrogate"]),
    ("name", '"bell\\u0007"', ["manifest.json: name", "control character"]),
    ("classes", '["0", "1\\n", "2", "3", "4", "5", "6", "7", "8", "9"]',
     ["manifest.json: classes[1]", "control character"]),
    ("name", json.dumps("n" * 201), ["manifest.json: name", "limit is 200"]),
    ("description", json.dumps("d" * 2001), ["manifest.json: description", "limit is 2000"]),
])
def test_an_imported_manifest_passes_the_same_rule(own: tuple[TestClient, str], key: str,
                                                   raw: str, words: list[str]) -> None:
    client, _ = own
    before = client.get("/api/models").json()
    archive = _with_manifest(_export(client), _set(key, raw))
    answer = client.post("/api/models/import", files={"file": ("m.zip", archive)})
    assert answer.status_code == 422, answer.text
    problem = answer.json()["detail"][0]
    assert problem["loc"] == ["file"]
    for word in words:
        assert word in problem["msg"]
    assert client.get("/api/models").json() == before


def test_an_imported_manifest_is_stored_composed(own: tuple[TestClient, str]) -> None:
    client, _ = own
    nfd = unicodedata.normalize("NFD", "Zoë Ñúñez")
    archive = _with_manifest(_export(client), _set("name", json.dumps(nfd)))
    answer = client.post("/api/models/import", files={"file": ("m.zip", archive)})
    assert answer.status_code == 201, answer.text
    assert answer.json()["name"] == "Zoë Ñúñez"


def test_tricky_text_comes_back_equal_from_every_answer(own: tuple[TestClient, str]) -> None:
    client, copy = own
    patched = client.patch(f"/api/models/{copy}", json={"name": NAME,
                                                         "description": DESCRIPTION})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["name"], patched.json()["description"]) == (NAME, DESCRIPTION)
    listed = client.get("/api/models")
    assert listed.status_code == 200
    row = next(r for r in listed.json()["models"] if r["id"] == copy)
    assert (row["name"], row["description"]) == (NAME, DESCRIPTION)
    details = client.get(f"/api/models/{copy}")
    assert details.status_code == 200
    shown = details.json()
    assert (shown["name"], shown["description"]) == (NAME, DESCRIPTION)
    assert (shown["manifest"]["name"], shown["manifest"]["description"]) == (NAME, DESCRIPTION)
    archive = _export(client, copy)
    again = client.post("/api/models/import", files={"file": ("m.zip", archive)})
    assert again.status_code == 201, again.text
    assert (again.json()["name"], again.json()["description"]) == (NAME, DESCRIPTION)
