"""The translations of every language, read from their .po files once per process.

Templates get gettext/ngettext (server/i18n/templates.py); page scripts get one JSON
catalogue per language (GET /api/i18n/{language}): {msgid: text} and, for plural
messages, {singular msgid: [forms in the order of the language's plural_categories]}.
A message with a context (tp() in the scripts) is keyed "context\u0004message", as gettext
keys them. Untranslated and fuzzy entries are left out: the English source shows instead.
"""

from __future__ import annotations

import gettext
import hashlib
import io
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from server.i18n.languages import LANGUAGES, SOURCE, Language

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


def po_path(language: Language) -> Path:
    return LOCALE_DIR / language.locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@dataclass
class Catalogue:
    language: Language
    translations: gettext.NullTranslations
    scripts: dict[str, Any] = field(default_factory=dict)  # msgid -> text or [forms]
    version: str = "source"  # changes when the .po does (the scripts' cache key)

    def payload(self) -> dict[str, Any]:
        return {"language": self.language.tag,
                "plural_categories": list(self.language.plural_categories),
                "version": self.version, "messages": self.scripts}


def _for_scripts(catalog: Catalog) -> dict[str, Any]:
    messages: dict[str, Any] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        prefix = f"{message.context}\u0004" if message.context else ""
        if message.pluralizable:
            forms = [str(form) for form in message.string or ()]
            if all(forms):
                messages[prefix + message.id[0]] = forms
        elif message.string:
            messages[prefix + str(message.id)] = message.string
    return messages


def read(language: Language) -> Catalogue:
    if language.tag == SOURCE:
        return Catalogue(language, gettext.NullTranslations())
    data = po_path(language).read_bytes()
    catalog = read_po(io.BytesIO(data), locale=language.locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Catalogue(language, Translations(compiled, domain=DOMAIN), _for_scripts(catalog),
                     hashlib.sha256(data).hexdigest()[:12])


@cache
def catalogue(tag: str) -> Catalogue:
    """One language's catalogue (read once per process)."""
    return read(LANGUAGES[tag])


def load_all() -> None:
    """Read every catalogue now (the app does at start): a broken .po stops the server
    with its error instead of failing pages, and no request waits for the parse."""
    for tag in LANGUAGES:
        catalogue(tag)
