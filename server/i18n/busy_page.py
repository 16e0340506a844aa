"""The "one moment" page a browser gets while its address is over a rate limit (429), in
the language it asks for. Plain HTML, built before any route or template runs."""

from __future__ import annotations

from gettext import NullTranslations
from html import escape
from urllib.parse import parse_qs

from starlette.requests import cookie_parser

from server.i18n.catalogues import catalogue
from server.i18n.languages import COOKIE, choose


def _cookie(header: str) -> str | None:
    """As the pages read it (Starlette's lenient parser: one bad cookie spoils nothing)."""
    return cookie_parser(header[:4096]).get(COOKIE)


def _explanation(translations: NullTranslations, name: str, seconds: int) -> str:
    """The whole sentence for each limit: translators see each one complete."""
    ngettext = translations.ngettext
    if name == "sessions":
        text = ngettext("Many people on your network are opening CNN Playground at once (too "
                        "many new sessions from one address). This page tries again by itself "
                        "in %(num)d second.",
                        "Many people on your network are opening CNN Playground at once (too "
                        "many new sessions from one address). This page tries again by itself "
                        "in %(num)d seconds.", seconds)
    elif name == "joins":
        text = ngettext("Too many room joins and room look-ups from your network at once. This "
                        "page tries again by itself in %(num)d second.",
                        "Too many room joins and room look-ups from your network at once. This "
                        "page tries again by itself in %(num)d seconds.", seconds)
    elif name == "uploads":
        text = ngettext("Too many uploads from your network at once. This page tries again by "
                        "itself in %(num)d second.",
                        "Too many uploads from your network at once. This page tries again by "
                        "itself in %(num)d seconds.", seconds)
    else:
        text = ngettext("Too many training runs started from your network at once. This page "
                        "tries again by itself in %(num)d second.",
                        "Too many training runs started from your network at once. This page "
                        "tries again by itself in %(num)d seconds.", seconds)
    return text % {"num": seconds}


def busy_page(name: str, seconds: int, query: str, cookie: str, accept_language: str) -> str:
    """`name`: the limit (sessions, joins, uploads, runs). A meta refresh reloads it after
    `seconds` (no script: the Content-Security-Policy forbids inline scripts)."""
    asked = parse_qs(query[:2048]).get("lang", [None])[0]
    language = choose(asked, _cookie(cookie), accept_language).language
    translations = catalogue(language.tag).translations
    title = translations.gettext("One moment - CNN Playground")
    heading = translations.gettext("One moment, please")
    return ("<!doctype html>\n"
            f"<html lang=\"{escape(language.tag)}\"><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"refresh\" content=\"{seconds}\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title></head>\n<body>"
            f"<h1>{escape(heading)}</h1>"
            f"<p>{escape(_explanation(translations, name, seconds))}</p></body></html>\n")
