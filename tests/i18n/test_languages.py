"""Which language a request gets: ?lang=, then the cookie, then Accept-Language, then English."""

from __future__ import annotations

import pytest

from server.i18n.languages import LANGUAGES, choose, find, from_header


@pytest.mark.parametrize(("tag", "expected"), [
    ("pt-BR", "pt-BR"), ("pt-br", "pt-BR"), ("PT_BR", "pt-BR"), ("en", "en"), (" en ", "en"),
    ("pt", None), ("xx", None), ("", None), (None, None), ("pt-BR" * 10, None)])
def test_find_names_a_language_exactly(tag: str | None, expected: str | None) -> None:
    found = find(tag)
    assert (found.tag if found else None) == expected


@pytest.mark.parametrize(("header", "expected"), [
    ("pt-BR,pt;q=0.9,en-US;q=0.8,en;q=0.7", "pt-BR"),  # Chrome in Brazil
    ("en-US,en;q=0.9", "en"),
    ("pt-PT", "pt-BR"),  # European Portuguese reads pt-BR before English
    ("pt", "pt-BR"),
    ("de-DE,de;q=0.9,pt;q=0.8,en;q=0.7", "pt-BR"),  # German first, which we do not speak
    ("en;q=0.4,pt-BR;q=0.8", "pt-BR"),  # by quality, not order
    ("pt-BR;q=0,en", "en"),  # q=0: not wanted
    ("fr, de", None), ("*", None), ("", None), (None, None),
    ("pt-BR;q=abc", None),  # a malformed quality counts as 0
    (";;;,,,===", None),
])
def test_accept_language(header: str | None, expected: str | None) -> None:
    found = from_header(header)
    assert (found.tag if found else None) == expected


def test_a_huge_accept_language_is_read_within_a_budget() -> None:
    # 100 KB of ranges: only the first ranges are read, so the answer is English (default)
    assert from_header("fr;q=0.9," * 10_000 + "pt-BR") is None
    assert from_header("pt-BR," + "fr;q=0.9," * 10_000).tag == "pt-BR"


def test_the_address_beats_the_cookie_which_beats_the_browser() -> None:
    assert choose("en", "pt-BR", "pt-BR").language.tag == "en"
    assert choose(None, "pt-BR", "en").language.tag == "pt-BR"
    assert choose(None, "en", "pt-BR").source == "cookie"
    assert choose("nonsense", "nonsense", "pt-BR").language.tag == "pt-BR"
    assert choose(None, None, None).source == "default"
    assert choose(None, None, None).language.tag == "en"


def test_plural_categories_follow_the_catalogue_plural_forms() -> None:
    """The page scripts pick a plural form by Intl.PluralRules' category; gettext by the
    .po's Plural-Forms expression. For every n, the category at the index the expression
    gives must be CLDR's category for n (Babel's rule, as the browser's Intl has it)."""
    import gettext

    from babel import Locale
    from babel.messages.pofile import read_po

    from server.i18n.catalogues import po_path

    for language in LANGUAGES.values():
        if language.tag == "en":
            expression = "(n != 1)"
        else:
            with po_path(language).open("rb") as po:
                expression = read_po(po, locale=language.locale).plural_expr
        index_of = gettext.c2py(expression)
        rule = Locale.parse(language.locale).plural_form
        for n in [*range(0, 300), 1_000_000, 2_000_000, 2_000_001, 10**9]:
            assert language.plural_categories[index_of(n)] == rule(n), (language.tag, n)
    assert LANGUAGES["pt-BR"].plural_categories == ("one", "many", "other")
