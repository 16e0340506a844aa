"""The one rule for stored user text: lone surrogates and control characters refused, NFC,
the cap counted after NFC; valid tricky text unchanged."""

from __future__ import annotations

import unicodedata
from typing import Annotated

import pytest
from pydantic import BaseModel, ValidationError

from server.errors import InvalidInput
from server.text import TextProblem, clean, clean_text, find_lone_surrogate
from server.text.clean import check_text

# Emoji (a ZWJ family, a flag, skin tone), combining accents already composed where NFC
# composes them, Hebrew and Arabic (right to left), CJK, a musical symbol (astral).
TRICKY = ["Ada 👩‍👩‍👧 🇫🇷 👍🏽", "Zoë Ñúñez", "עברית and العربية", "数学 𝄞", "q̣̇ stays"]


@pytest.mark.parametrize("text", TRICKY)
def test_valid_tricky_text_is_kept_exactly(text: str) -> None:
    assert unicodedata.is_normalized("NFC", text)
    assert check_text(text, limit=40) == text


@pytest.mark.parametrize("value", ["A\ud800", "x\ud83dy", "\udfffz"])
def test_a_lone_surrogate_is_refused(value: str) -> None:
    with pytest.raises(TextProblem, match=r"lone surrogate U\+D[89A-F]"):
        check_text(value, limit=40)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\u2028",
                                  "\u2029", "\n", "\t", "\r"])
def test_control_characters_are_refused_in_a_single_line_field(char: str) -> None:
    with pytest.raises(TextProblem, match=f"control character .*U\\+{ord(char):04X}"):
        check_text(f"a{char}b", limit=40)


def test_a_multi_line_field_keeps_line_breaks_and_tabs() -> None:
    assert check_text("one\n\ttwo\r\nthree\rfour", limit=40,
                      multiline=True) == "one\n\ttwo\nthree\nfour"
    with pytest.raises(TextProblem, match="line breaks and tabs are fine"):
        check_text("bell\x07", limit=40, multiline=True)


def test_text_is_stored_as_nfc_and_the_cap_counts_after_it() -> None:
    decomposed = unicodedata.normalize("NFD", "Zoë Ñúñez")
    assert decomposed != "Zoë Ñúñez"
    assert check_text(decomposed, limit=40) == "Zoë Ñúñez"
    long_nfd = "e\u0301" * 10  # 20 code points, 10 after NFC
    assert check_text(long_nfd, limit=10) == "é" * 10
    with pytest.raises(TextProblem, match="11 characters long; the limit is 10"):
        check_text("é" * 11, limit=10)
    assert check_text("  padded  ", limit=6) == "padded"


def test_required_text_is_not_empty() -> None:
    assert check_text("   ", limit=5) == ""
    with pytest.raises(TextProblem, match="is empty; give 1 to 5 characters"):
        check_text("   ", limit=5, required=True)


def test_clean_text_is_a_422_at_the_field_and_quotes_the_value_escaped() -> None:
    with pytest.raises(InvalidInput) as caught:
        clean_text("title", "T\ud800", limit=80)
    assert caught.value.loc == ["title"]
    assert caught.value.msg.startswith("title 'T\\ud800' contains a lone surrogate U+D800")
    caught.value.msg.encode("utf-8")  # the message itself can be sent
    with pytest.raises(InvalidInput) as located:
        clean_text("name", "x" * 9, limit=8, loc=["file"])
    assert located.value.loc == ["file"]


class Body(BaseModel):
    title: Annotated[str, clean(8)] = ""
    note: Annotated[str, clean(20, multiline=True)] = ""


def test_the_schema_type_checks_and_stores_the_clean_text() -> None:
    assert Body(title=" e\u0301 ", note="a\r\nb").model_dump() == {"title": "é", "note": "a\nb"}
    with pytest.raises(ValidationError) as caught:
        Body(title="\ud800")
    error = caught.value.errors()[0]
    assert error["loc"] == ("title",)
    assert "lone surrogate" in error["msg"]


def test_find_lone_surrogate_walks_a_json_document() -> None:
    assert find_lone_surrogate({"a": [1, "ok", {"b": "x\udc00"}]}) == ("a", 2, "b")
    assert find_lone_surrogate({"k\ud800": 1}) == ("'k\\ud800'",)
    assert find_lone_surrogate({"a": ["👍", {"b": 1.5}], "c": None}) is None
