"""The catalogues: complete, consistent with the sources, and served to the pages."""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po

from server.i18n import extract
from server.i18n.catalogues import po_path, read
from server.i18n.languages import LANGUAGES, SOURCE

TRANSLATED = [lang for lang in LANGUAGES.values() if lang.tag != SOURCE]
# {name} in page scripts; %(name)s / %(name)d in templates; a bare %s or %d
PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)[sd]|%[sd]")


def _catalog(language):
    with po_path(language).open("rb") as po:
        return read_po(po, locale=language.locale)


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_the_template_is_up_to_date_with_the_sources() -> None:
    """A text added to a page without `make messages` fails here (and so has no
    translation yet)."""
    assert extract.main(["--check"]) == 0, "run `make messages` and translate the new texts"


def test_the_check_sees_a_new_message_but_not_a_moved_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    found = list(extract._found())
    moved = [(path, message, line + 7, comments, context)
             for path, message, line, comments, context in found]
    monkeypatch.setattr(extract, "_found", lambda: iter(moved))
    assert extract.main(["--check"]) == 0
    added = [*found, ("web/static/js/x.js", "A sentence nobody translated", 1, [], None)]
    monkeypatch.setattr(extract, "_found", lambda: iter(added))
    assert extract.main(["--check"]) == 1


@pytest.mark.parametrize("language", TRANSLATED, ids=lambda lang: lang.tag)
def test_every_message_is_translated(language) -> None:
    with extract.POT.open("rb") as pot:
        template = {_key(m) for m in read_po(pot) if m.id}
    catalog = _catalog(language)
    missing, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        forms = message.string if message.pluralizable else [message.string]
        if not all(forms):
            missing.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    have = {_key(m) for m in catalog if m.id}
    assert not (template - have), f"not in the {language.tag} catalogue: run make messages"
    assert not missing, f"{len(missing)} untranslated, e.g. {missing[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy (source changed), e.g. {fuzzy[:5]}"
    assert not catalog.obsolete


@pytest.mark.parametrize("language", TRANSLATED, ids=lambda lang: lang.tag)
def test_translations_have_the_same_placeholders(language) -> None:
    wrong = []
    for message in _catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = _placeholders(ids[-1])
        forms = message.string if message.pluralizable else [message.string]
        for form in forms:
            if form and _placeholders(form) != expected:
                wrong.append((ids[0], form))
    assert not wrong, f"{len(wrong)} with other placeholders, e.g. {wrong[:3]}"


def test_the_placeholder_check_catches_a_missing_or_extra_one() -> None:
    assert _placeholders("Epoch {epoch} of {epochs}") != _placeholders("Época {epoch}")
    assert _placeholders("%(num)d runs") != _placeholders("%(num)d execuções {x}")
    assert _placeholders("{a} {b}") == _placeholders("{b} {a}")


def test_the_scripts_catalogue_holds_every_translation() -> None:
    for language in TRANSLATED:
        catalogue = read(language)
        source = [m for m in _catalog(language) if m.id]
        assert len(catalogue.scripts) == len({_key(m) for m in source})
        plural = next((m for m in source if m.pluralizable), None)
        if plural is not None:
            assert catalogue.scripts[plural.id[0]] == list(plural.string)
            assert len(plural.string) == len(language.plural_categories)


def _key(message: Message) -> str:
    """As the scripts' catalogue keys it: "context\u0004message" for a message with one."""
    key = message.id[0] if message.pluralizable else message.id
    return f"{message.context}\u0004{key}" if message.context else key


def test_every_message_in_the_page_scripts_is_extracted() -> None:
    """Read the scripts without Babel: every t("...")/tn("...") literal must be in the
    template. Babel's JavaScript extractor skips a call nested in another keyword call's
    arguments (tn(..., { x: t("...") })): such a message would never be translated."""
    import json

    with extract.POT.open("rb") as pot:
        known = [m.id[0] if m.pluralizable else m.id for m in read_po(pot) if m.id]
    call = re.compile(r'(?<![\w.])(?:t|tn)\(\s*"((?:\\.|[^"\\])*)"')
    missing = []
    for path in sorted((extract.ROOT / "web" / "static" / "js").rglob("*.js")):
        for literal in call.findall(path.read_text()):
            text = json.loads(f'"{literal}"')
            if not any(message.startswith(text) for message in known):  # "a" + "b": a prefix
                missing.append((path.name, text))
    assert not missing, f"not extracted (move the call out of the other call): {missing[:5]}"
