"""The one rule for every user string the server stores and shows again (a model's name and
description, a room's title, a participant's name, an imported manifest's text).

`check_text` returns the text as it is stored, or raises TextProblem (a ValueError, so
pydantic words it like its own errors):

- a lone surrogate ("\\ud800" in JSON: half of a UTF-16 pair, not a character) is refused:
  it cannot be encoded as UTF-8, so every response that held it would fail;
- control characters (C0, DEL, C1, and the line and paragraph separators U+2028/U+2029) are
  refused, not stripped: a silent change would store something the user did not type. A
  multi-line field (a description) keeps line breaks and tabs; "\\r\\n" and "\\r" become "\\n";
- the text is normalised to NFC (an accent typed as a combining mark is stored composed,
  so equal-looking names compare equal), then stripped of surrounding whitespace;
- the length cap is counted in code points after NFC and the strip.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from pydantic import AfterValidator

from server.errors import InvalidInput

CONTROL = ("Cc", "Zl", "Zp")
LINE_BREAKS = "\n\t"


class TextProblem(ValueError):
    """What is wrong with a text and how to fix it, worded to follow the field's name."""


def _quote(text: str, limit: int = 30) -> str:
    """The value in a message: repr escapes surrogates and control characters."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _lone_surrogate(text: str) -> int | None:
    return next((i for i, c in enumerate(text) if 0xD800 <= ord(c) <= 0xDFFF), None)


def check_text(value: str, *, limit: int, multiline: bool = False,
               required: bool = False) -> str:
    """The text as stored (NFC, stripped), or TextProblem naming the problem and the fix."""
    at = _lone_surrogate(value)
    if at is not None:
        raise TextProblem(
            f"{_quote(value)} contains a lone surrogate U+{ord(value[at]):04X} at character "
            f"{at + 1}: half of a UTF-16 pair is not a character; remove it (send emoji and "
            "other characters whole)")
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    allowed = LINE_BREAKS if multiline else ""
    bad = next((c for c in value if c not in allowed
                and unicodedata.category(c) in CONTROL), None)
    if bad is not None:
        fine = " (line breaks and tabs are fine)" if multiline else ""
        raise TextProblem(f"{_quote(value)} contains the control character {bad!r} "
                          f"(U+{ord(bad):04X}); remove it{fine}")
    text = unicodedata.normalize("NFC", value).strip()
    if required and not text:
        raise TextProblem(f"is empty; give 1 to {limit} characters")
    if len(text) > limit:
        raise TextProblem(f"{_quote(text)} is {len(text)} characters long; the limit is "
                          f"{limit}: shorten it")
    return text


def clean_text(field: str, value: str, *, limit: int, multiline: bool = False,
               required: bool = False, loc: Sequence[str | int] | None = None) -> str:
    """check_text for code that is not a pydantic schema: 422 (InvalidInput) at `loc`
    (default: [field]), the message starting with the field's name."""
    try:
        return check_text(value, limit=limit, multiline=multiline, required=required)
    except TextProblem as exc:
        raise InvalidInput(f"{field} {exc}", [field] if loc is None else loc) from None


def clean(limit: int, *, multiline: bool = False, required: bool = False) -> AfterValidator:
    """For a schema: `title: Annotated[str, clean(80)]` stores the checked text; a problem
    is a 422 at the field, worded like pydantic's other errors."""
    return AfterValidator(
        lambda value: check_text(value, limit=limit, multiline=multiline, required=required))


def find_lone_surrogate(document: Any, path: tuple[str | int, ...] = ()
                        ) -> tuple[str | int, ...] | None:
    """Where in a JSON document (keys too) a string holds a lone surrogate, or None."""
    if isinstance(document, str):
        return path if _lone_surrogate(document) is not None else None
    if isinstance(document, dict):
        for key, item in document.items():
            if isinstance(key, str) and _lone_surrogate(key) is not None:
                return (*path, ascii(key))  # the key itself could not be sent back
            found = find_lone_surrogate(item, (*path, key))
            if found is not None:
                return found
    if isinstance(document, list):
        for index, item in enumerate(document):
            found = find_lone_surrogate(item, (*path, index))
            if found is not None:
                return found
    return None
