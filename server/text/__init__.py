"""User text: the one rule every stored string passes (server.text.clean)."""

from server.text.clean import TextProblem, clean, clean_text, find_lone_surrogate

__all__ = ["TextProblem", "clean", "clean_text", "find_lone_surrogate"]
