"""Pages in the language a visitor chose, and the scripts' catalogue endpoint."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from server.errors import InvalidInput
from server.i18n.catalogues import catalogue
from server.i18n.languages import LANGUAGES

PT = {"accept-language": "pt-BR,pt;q=0.9,en;q=0.5"}
PAGES = ["/", "/builder", "/datasets", "/training", "/compare", "/classify", "/detection",
         "/classroom", "/join"]


def _html_lang(text: str) -> str:
    found = re.search(r'<html lang="([^"]+)">', text)
    assert found, text[:200]
    return found.group(1)


def _portuguese(message: str) -> str:
    return catalogue("pt-BR").translations.gettext(message)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_speaks_the_browser_language(client: TestClient, path: str) -> None:
    english = client.get(path, headers={"accept-language": "en-US,en;q=0.9"})
    portuguese = client.get(path, headers=PT)
    assert _html_lang(english.text) == "en"
    assert _html_lang(portuguese.text) == "pt-BR"
    assert portuguese.headers["content-language"] == "pt-BR"
    assert "Accept-Language" in portuguese.headers["vary"]
    classroom = _portuguese("Classroom")
    assert classroom != "Classroom", "the nav's Classroom has no pt-BR translation"
    assert f">{classroom}</a>" in portuguese.text
    assert ">Classroom</a>" in english.text


def test_the_address_beats_the_cookie_and_links_keep_it(client: TestClient) -> None:
    client.cookies.set("lang", "pt-BR")
    try:
        remembered = client.get("/builder")
        assert _html_lang(remembered.text) == "pt-BR"
        assert 'href="/training"' in remembered.text  # the cookie remembers: plain links
        linked = client.get("/builder?lang=en", headers=PT)
        assert _html_lang(linked.text) == "en"
        assert 'href="/training?lang=en"' in linked.text  # the address's choice is kept
    finally:
        client.cookies.clear()


def test_an_unknown_language_falls_back_to_the_next_choice(client: TestClient) -> None:
    page = client.get("/builder?lang=klingon", headers=PT)
    assert page.status_code == 200
    assert _html_lang(page.text) == "pt-BR"
    assert "?lang=klingon" not in page.text  # not echoed into links


def test_the_switcher_offers_every_language_and_marks_the_current(client: TestClient) -> None:
    text = client.get("/", headers=PT).text
    select = re.search(r'<select id="language-select" name="lang">(.*?)</select>', text, re.S)
    assert select
    options = re.findall(r'<option value="([^"]+)"[^>]*?(selected)?>', select.group(1))
    assert [tag for tag, _ in options] == list(LANGUAGES)
    assert [tag for tag, selected in options if selected] == ["pt-BR"]
    assert re.search(r'<label for="language-select">[^<]+</label>', text)


def test_the_scripts_catalogue(client: TestClient) -> None:
    listed = client.get("/api/i18n").json()
    assert [lang["tag"] for lang in listed["languages"]] == list(LANGUAGES)
    answer = client.get("/api/i18n/pt-br")  # any case
    assert answer.status_code == 200
    body = answer.json()
    assert body["language"] == "pt-BR"
    assert body["plural_categories"] == ["one", "many", "other"]
    assert body["messages"] == catalogue("pt-BR").scripts
    again = client.get("/api/i18n/pt-BR", headers={"if-none-match": answer.headers["etag"]})
    assert again.status_code == 304
    assert client.get("/api/i18n/en").json()["messages"] == {}


def test_an_unknown_catalogue_is_a_404_that_names_the_languages(client: TestClient) -> None:
    answer = client.get("/api/i18n/xx-YY")
    assert answer.status_code == 404
    detail = answer.json()["detail"][0]
    assert detail["loc"] == ["language"]
    assert "'xx-YY'" in detail["msg"]
    assert "pt-BR" in detail["msg"]
    assert client.get("/api/i18n/" + "a" * 5000).status_code == 404


def test_an_error_with_a_code_sends_its_type_and_values() -> None:
    error = InvalidInput("kernel 5 is larger than the 4x4 input", ["kernel_size"],
                         code="kernel_larger_than_input", params={"kernel": 5, "size": 4})
    assert error.detail() == [{"loc": ["kernel_size"],
                               "msg": "kernel 5 is larger than the 4x4 input",
                               "type": "kernel_larger_than_input",
                               "ctx": {"kernel": 5, "size": 4}}]
    plain = InvalidInput("bad", ["x"]).detail()[0]
    assert plain["type"] == "value_error"
    assert "ctx" not in plain


def test_the_busy_page_speaks_the_visitor_language() -> None:
    from server.i18n.busy_page import busy_page

    english = busy_page("sessions", 1, "", "", "en-US")
    assert '<html lang="en">' in english
    assert "in 1 second.</p>" in english
    assert "in 3 seconds.</p>" in busy_page("sessions", 3, "", "", "")
    for query, cookie, header in [("", "", "pt-BR,pt"), ("", "lang=pt-BR", "en"),
                                  ("x=1&lang=pt-BR", "lang=en", "en")]:
        page = busy_page("uploads", 5, query, cookie, header)
        assert '<html lang="pt-BR">' in page
        expected = catalogue("pt-BR").translations.ngettext(
            "Too many uploads from your network at once. This page tries again by itself "
            "in %(num)d second.",
            "Too many uploads from your network at once. This page tries again by itself "
            "in %(num)d seconds.", 5) % {"num": 5}
        assert f"<p>{expected}</p>" in page
        assert "segundos" in page
    # a hostile cookie header is ignored, not an error; a bad cookie beside ours spoils nothing
    assert '<html lang="en">' in busy_page("runs", 2, "lang=%3Cx%3E", '";;=\\x00', "")
    assert '<html lang="pt-BR">' in busy_page("runs", 2, "", 'a="b; lang=pt-BR', "")
    assert '<html lang="pt-BR">' in busy_page("runs", 2, "lang=pt%2DBR", "", "")


def test_a_catalogue_url_that_names_its_version_is_cached_for_good(client: TestClient) -> None:
    version = catalogue("pt-BR").version
    pinned = client.get(f"/api/i18n/pt-BR?v={version}")
    assert "immutable" in pinned.headers["cache-control"]
    loose = client.get("/api/i18n/pt-BR")  # revalidated with its ETag each time
    assert loose.headers["cache-control"] == "no-cache"
    assert client.get("/api/i18n/pt-BR?v=old").headers["cache-control"] == "no-cache"
