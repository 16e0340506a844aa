"""The languages the pages speak, and which one a request gets.

Order of choice: `?lang=` in the address (a link that names its language), then the
`lang` cookie (the switcher's choice, remembered), then the browser's Accept-Language,
then English.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from babel import Locale


@dataclass(frozen=True)
class Language:
    tag: str  # BCP 47, as in <html lang> and ?lang=
    name: str  # in the language itself, for the switcher
    locale: str  # the catalogue's folder under server/i18n/locale (gettext's spelling)

    @cached_property  # read on every catalogue request: Babel's locale data once
    def plural_categories(self) -> tuple[str, ...]:
        """CLDR's plural categories (as Intl.PluralRules names them) in the order of the
        catalogue's plural forms: Babel writes a .po's Plural-Forms in this order."""
        tags = Locale.parse(self.locale).plural_form.tags | {"other"}
        return tuple(tag for tag in ("zero", "one", "two", "few", "many", "other") if tag in tags)


SOURCE = "en"
LANGUAGES = {
    "en": Language("en", "English", "en"),
    "pt-BR": Language("pt-BR", "Português (Brasil)", "pt_BR"),
}
COOKIE = "lang"
# Accept-Language: the part of the header read, and the ranges considered.
HEADER_LIMIT = 512
RANGE_LIMIT = 16


@dataclass(frozen=True)
class Choice:
    language: Language
    source: str  # "query", "cookie", "header" or "default"


def find(tag: str | None) -> Language | None:
    """The language a tag names: exactly (any case, `_` or `-`), else None."""
    if not tag or len(tag) > 35:
        return None
    wanted = tag.strip().replace("_", "-").lower()
    for language in LANGUAGES.values():
        if language.tag.lower() == wanted:
            return language
    return None


def _ranges(header: str) -> list[str]:
    """Accept-Language's ranges, most wanted first (q=0 dropped; equal q keep their order)."""
    weighted = []
    for index, item in enumerate(header[:HEADER_LIMIT].split(",")[:RANGE_LIMIT]):
        name, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().lower().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if name and name != "*" and quality > 0:
            weighted.append((-quality, index, name.strip()))
    return [name for _, _, name in sorted(weighted)]


def from_header(header: str | None) -> Language | None:
    """The first range that names a language exactly, else whose primary subtag is one of
    ours (pt-PT or pt reads pt-BR: closer than English)."""
    for name in _ranges(header or ""):
        exact = find(name)
        if exact is not None:
            return exact
        primary = name.split("-")[0].lower()
        for language in LANGUAGES.values():
            if language.tag.split("-")[0].lower() == primary:
                return language
    return None


def choose(query: str | None, cookie: str | None, header: str | None) -> Choice:
    for source, language in (("query", find(query)), ("cookie", find(cookie)),
                             ("header", from_header(header))):
        if language is not None:
            return Choice(language, source)
    return Choice(LANGUAGES[SOURCE], "default")
