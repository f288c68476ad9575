"""CoNLL-2003-style IOB2 (`conll`); the Hugging Face writer (exports.formats.hf) shares its
sentences and tags.

Both tag one layer (entities unless `--layer` says otherwise) over our tokens, sentence by
sentence (the same rule-based sentences the annotation screen uses). A token with a span edge
inside it is split there (`Kurdistan` `24-based` when GPE ends after `Kurdistan`), as the spaCy
export does, so a span is never silently widened to whole tokens: every entity's tokens are
exactly its text. A discontinuous span is tagged per piece, `B-` at the start of each.
Overlapping spans cannot share IOB tags: the first-starting, longest span is kept and each
dropped span is reported.

CoNLL lines are `TOKEN _ _ TAG` (four columns like CoNLL-2003's word/POS/chunk/NER, the middle
two unused), `-DOCSTART- -X- -X- O` and a blank line open each (document, annotator) set, and a
blank line ends each sentence.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from copydesk.exports.common import iob_tags, split_tokens
from copydesk.exports.model import ExportSummary, Record, Stream
from copydesk.projects.textutil import TextIndex


class _IndexCache:
    """The TextIndex (tokens, sentences) of the last document: records come sorted by
    document, so every annotator's set of one document shares one tokenization."""

    def __init__(self) -> None:
        self._doc: int | None = None
        self._index: TextIndex | None = None

    def get(self, rec: Record) -> TextIndex:
        if self._index is None or rec.doc_id != self._doc:
            self._index = TextIndex(rec.text)
            self._doc = rec.doc_id
        return self._index


def sentences(rec: Record, layer: str, summary: ExportSummary,
              cache: _IndexCache | None = None) -> Iterator[tuple[list[str], list[str]]]:
    """(tokens, IOB2 tags) per sentence of one record."""
    yield from ((toks, tags) for toks, tags, _ in tagged_sentences(rec, layer, summary, cache))


def tagged_sentences(rec: Record, layer: str, summary: ExportSummary,
                     cache: _IndexCache | None = None
                     ) -> Iterator[tuple[list[str], list[str], list[tuple[int, int]]]]:
    """(tokens, IOB2 tags, token offsets) per sentence, tokens split at the layer's span edges."""
    index = cache.get(rec) if cache is not None else TextIndex(rec.text)
    spans = [s for s in rec.spans if s.layer == layer]
    starts, ends = split_tokens(index.token_starts, index.token_ends,
                                (p for s in spans for piece in s.parts for p in piece))
    tags = iob_tags(rec, spans, starts, ends, summary)
    # a token belongs to the last sentence starting at or before it: the sentences cut the
    # sorted token list into runs, found by bisection (tokens before the first sentence go to
    # the first run)
    cuts = [bisect_left(starts, s) for s in index.sentence_starts[1:]]
    text = rec.text
    for a, b in zip([0, *cuts], [*cuts, len(starts)], strict=True):
        if a == b:
            continue
        toks = [text[s:e] for s, e in zip(starts[a:b], ends[a:b], strict=True)]
        sent_tags = tags[a:b]
        if sent_tags[0].startswith("I-"):  # a span crossing a sentence break: restart it
            sent_tags[0] = "B-" + sent_tags[0][2:]
        yield toks, sent_tags, list(zip(starts[a:b], ends[a:b], strict=True))


def write_conll(stream: Stream, paths: dict[str, Path], layer: str, summary: ExportSummary,
                tick: Callable[[], None]) -> None:
    """Each record to its split's file, as it comes."""
    cache = _IndexCache()
    handles: dict[str, TextIO] = {}
    try:
        for name, path in paths.items():
            handles[name] = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        for split, rec in stream:
            parts = ["-DOCSTART- -X- -X- O\n\n"]
            for toks, tags in sentences(rec, layer, summary, cache):
                parts.extend([f"{t} _ _ {g}\n" for t, g in zip(toks, tags, strict=True)])
                parts.append("\n")
            handles[split].write("".join(parts))
            tick()
    finally:
        for fh in handles.values():
            fh.close()
