"""`make messages`: extract every text to translate, and bring each language's .po up to
date (new texts added empty, changed ones marked fuzzy, removed ones made obsolete).

    python -m server.i18n.extract          # write messages.pot and update every .po
    python -m server.i18n.extract --check  # exit 1 when messages.pot is out of date

Where texts are found (docs/translating.md):
- server/**.py: translatable("...") (texts the API sends in English and pages translate),
  and gettext/ngettext for pages built in Python (server/i18n/busy_page.py);
- web/templates/**.html: _("..."), ngettext(...), {% trans %}...{% endtrans %};
- web/static/js/**.js: t("..."), tn("...", "...", n) and tp("context", "...") (the same
  English word meaning different things: a run's status "Training" is not the page's name).
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from server.i18n.catalogues import DOMAIN, LOCALE_DIR, po_path
from server.i18n.languages import LANGUAGES, SOURCE

ROOT = Path(__file__).resolve().parents[2]
POT = Path(__file__).parent / f"{DOMAIN}.pot"
# (folder, file pattern, extractor, keywords, options)
SOURCES: list[tuple[str, str, str, dict[str, Any], dict[str, str]]] = [
    ("server", "**.py", "python", {"translatable": None, "gettext": None,
                                    "ngettext": (1, 2)}, {}),
    ("web/templates", "**.html", "jinja2",
     {"_": None, "gettext": None, "ngettext": (1, 2)}, {"trimmed": "true"}),
    ("web/static/js", "**.js", "javascript", {"t": None, "tn": (1, 2), "tp": ((1, "c"), 2)},
     {"parse_template_string": "true"}),
]


def _found() -> Iterator[tuple[str, Any, int, list[str], str | None]]:
    for folder, pattern, method, keywords, options in SOURCES:
        found = extract_from_dir(ROOT / folder, [(pattern, method)], {pattern: options},
                                 keywords=keywords, comment_tags=("Translators:",),
                                 strip_comment_tags=True)
        for filename, line, message, comments, context in found:
            yield f"{folder}/{filename}", message, line, comments, context


def template() -> Catalog:
    catalog = Catalog(project="CNN Playground", domain=DOMAIN, fuzzy=False,
                      msgid_bugs_address="", copyright_holder="CNN Playground contributors")
    for path, message, line, comments, context in _found():
        catalog.add(message, None, [(path, line)], auto_comments=comments, context=context)
    return catalog


def _text(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, sort_by_file=True, omit_header=False,
             ignore_obsolete=False, include_previous=False)
    # the header's creation date changes every run: leave it out of the comparison
    return b"\n".join(line for line in out.getvalue().splitlines()
                      if not line.startswith((b'"POT-Creation-Date', b'"PO-Revision-Date')))


def _ids(text: bytes) -> set[str]:
    return {repr((message.context, message.id)) for message in read_po(io.BytesIO(text))
            if message.id}


def update(pot: Catalog) -> None:
    for language in LANGUAGES.values():
        if language.tag == SOURCE:
            continue
        path = po_path(language)
        if path.exists():
            with path.open("rb") as po:
                catalog = read_po(po, locale=language.locale)
        else:
            catalog = Catalog(locale=language.locale, domain=DOMAIN, project="CNN Playground",
                              fuzzy=False, copyright_holder="CNN Playground contributors")
        catalog.update(pot, update_header_comment=False)
        catalog.obsolete.clear()  # a removed text's translation goes with it
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(_text(catalog) + b"\n")
        temporary.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say if messages.pot is stale")
    parser.add_argument("--list", metavar="PATH", help="print the texts found in files whose "
                        "path starts with PATH (writes nothing)")
    args = parser.parse_args(argv)
    if args.list is not None:
        for path, message, line, _comments, _context in _found():
            if path.startswith(args.list):
                print(f"{path}:{line}\t{message!r}")
        return 0
    pot = template()
    if args.check:  # the messages, not where they are: moving a line is no change
        current = _ids(POT.read_bytes()) if POT.exists() else set()
        added, removed = _ids(_text(pot)) - current, current - _ids(_text(pot))
        for message in sorted(added)[:20]:
            print(f"new: {message!r}")
        for message in sorted(removed)[:20]:
            print(f"gone: {message!r}")
        stale = bool(added or removed)
        print("messages.pot is out of date: run make messages" if stale else "up to date")
        return int(stale)
    POT.write_bytes(_text(pot) + b"\n")
    update(pot)
    print(f"{len(pot)} messages -> {POT.relative_to(ROOT)}; updated {LOCALE_DIR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
