"""A run's notes (what was done to the data so it fits the network) in English, for
programs, each with a stable type and the values it quotes, so pages can write it in
their own language (web/static/js/pages/training/notes_text.js)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class Note(str):
    """A note's English text (it is a str: `notes` stay a list of texts) that also carries
    `type` and `ctx`, the values the text quotes."""

    type: str
    ctx: dict[str, Any]

    def __new__(cls, text: str, type_: str, **ctx: Any) -> Note:
        note = super().__new__(cls, text)
        note.type, note.ctx = type_, ctx
        return note

    def __reduce__(self) -> tuple[Any, ...]:  # kept whole across a process boundary
        return (_rebuild, (str(self), self.type, self.ctx))


def _rebuild(text: str, type_: str, ctx: dict[str, Any]) -> Note:
    return Note(text, type_, **ctx)


def note_details(notes: Sequence[str]) -> list[dict[str, Any]]:
    """`notes` as [{"text", "type", "ctx"}] (the same order); a plain text has type None."""
    return [{"text": str(n), "type": getattr(n, "type", None), "ctx": dict(getattr(n, "ctx", {}))}
            for n in notes]
