"""Discontinuous spans: a span's pieces ("fragments"), as brat and PARC-style corpora mark them.

A split quote ("Not a week goes by," Shawes said, "and still they come back.") is one CONTENT in
two pieces with the source and cue in the gap. A span holds its pieces as sorted, non-overlapping
`(start, end)` pairs; one piece is the common case and is stored as plain `start`/`end` with
`fragments` NULL, so it costs nothing extra. With two or more pieces:
- `start`/`end` are the outer bounds (readers that ignore fragments still see where it lies);
- `fragments` holds `[[start, end], ...]` as compact JSON;
- `text` is the pieces' texts joined by one space, exactly as brat shows a discontinuous span.

Pieces that touch (`a-b` and `b-c`) are one piece: two pieces always have a gap between them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

# Everything str.splitlines() splits on. Two pieces with only line breaks between them are one
# span crossing a line (that is how brat must write it), so such a gap is refused in the store.
LINE_BREAKS = re.compile(r"[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")
Fragment = tuple[int, int]
Fragments = tuple[Fragment, ...]

__all__ = ["LINE_BREAKS", "Fragment", "Fragments", "decode", "encode", "join_line_breaks",
           "joined_text", "merge_touching", "overlaps", "parts_of"]


def decode(raw: str | None, start: int, end: int) -> Fragments:
    """The stored column back as pieces: `((start, end),)` for a one-piece span."""
    if not raw:
        return ((start, end),)
    return tuple((int(a), int(b)) for a, b in json.loads(raw))


def encode(parts: Sequence[Fragment]) -> str | None:
    """What the `fragments` column stores: None for one piece, compact JSON otherwise."""
    if len(parts) < 2:
        return None
    return json.dumps([[a, b] for a, b in parts], separators=(",", ":"))


def parts_of(span: object) -> Fragments:
    """The pieces of any object with `start`, `end` and `fragments` (a Span row, say)."""
    return decode(getattr(span, "fragments", None), span.start, span.end)  # type: ignore[attr-defined]


def merge_touching(parts: Iterable[Fragment]) -> Fragments:
    """Sorted pieces with touching neighbours joined; overlapping ones are left for the caller
    (`validate_span` refuses them) so a mistake is reported, never silently absorbed."""
    out: list[list[int]] = []
    for a, b in sorted(parts):
        if out and out[-1][1] == a:
            out[-1][1] = b
        else:
            out.append([a, b])
    return tuple((a, b) for a, b in out)


def join_line_breaks(text: str, parts: Iterable[Fragment]) -> Fragments:
    """Sorted pieces with those apart only by line breaks (or touching) made one: how a brat
    file's `0 5;6 10` for a span crossing a line comes back as the one span it was."""
    out: list[list[int]] = []
    for a, b in sorted(parts):
        if out and a >= out[-1][1] and (a == out[-1][1]
                                        or LINE_BREAKS.fullmatch(text, out[-1][1], a)):
            out[-1][1] = max(b, out[-1][1])
        else:
            out.append([a, b])
    return tuple((a, b) for a, b in out)


def joined_text(text: str, parts: Sequence[Fragment]) -> str:
    """The span's text: its pieces joined by one space, as brat shows them."""
    if len(parts) == 1:
        a, b = parts[0]
        return text[a:b]
    return " ".join(text[a:b] for a, b in parts)


def overlaps(a: Sequence[Fragment], b: Sequence[Fragment]) -> int:
    """Characters two spans share, piece by piece (a linear merge of the two sorted lists)."""
    i = j = shared = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            shared += hi - lo
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return shared
