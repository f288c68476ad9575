"""Counted nouns for the screen and the command line: "1 span", "2 spans" (never "1 spans")."""

from __future__ import annotations

__all__ = ["count_of", "plural"]

_IRREGULAR = {"entry": "entries", "match": "matches", "this": "these"}


def plural(n: int, word: str) -> str:
    """``word`` as it reads after the number ``n``."""
    if n == 1:
        return word
    return _IRREGULAR.get(word, word + "s")


def count_of(n: int, word: str) -> str:
    """``"1 span"``, ``"3 spans"``, ``"0 spans"``."""
    return f"{n} {plural(n, word)}"
