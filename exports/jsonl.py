"""JSONL in the shape Prodigy and spaCy users read: one (document, annotator) set per line.

    {"text": ..., "meta": {id, title, source, annotator, status, schema, schema_version, ...},
     "tokens": [{"text", "start", "end", "id"}],
     "spans": [{"start", "end", "token_start", "token_end", "label", "layer", "text",
                "attributes", "id"}],
     "relations": [{"head", "child", "head_span", "child_span", "label"}]}

A discontinuous span (a split quote) also has `"fragments": [[start, end], ...]`, its pieces in
order; its `start`/`end` are then the outer bounds (so a reader that ignores fragments still finds
it), `token_start`/`token_end` the tokens of those bounds, and `text` the pieces' texts joined by
one space (as brat shows them). One-piece spans have no `fragments` key.

`token_end` is inclusive, as Prodigy writes it. A token with a span edge inside it is split
there (`Kurdistan` `24` for a GPE `Kurdistan` in `Kurdistan24`), so a span's tokens are exactly
its text. A relation's `head`/`child` are token indices
(the last token of each span, as Prodigy's relation UI stores them) and `head_span`/`child_span`
carry the character offsets, label and span `id` (the span's position in `spans`). Event
arguments go trigger -> argument with the role as label; attribution parts go content -> source
or cue with `source`/`cue` as label. Span ids are positions, not database ids, so a re-export of
an imported export is byte-identical. The document's own metadata (from import) is kept in `meta`
under our keys.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

from copydesk.exports.common import (
    TokenCache,
    fast_json,
    split_tokens,
    standard_json,
    token_span,
)
from copydesk.exports.model import ExportSpan, ExportSummary, Record, Stream
from copydesk.schema.model import Schema

_dumps = standard_json
_string = fast_json  # a str as a JSON string literal
_name = lru_cache(maxsize=4096)(_string)  # labels and layers: a few names, over and over
META_KEYS = ("id", "title", "source", "annotator", "status", "schema", "schema_version")


def record_meta(rec: Record, schema: Schema) -> dict[str, Any]:
    meta = {k: v for k, v in rec.meta.items() if k not in META_KEYS}
    meta.update({
        "id": rec.key, "title": rec.title, "source": rec.source, "annotator": rec.annotator,
        "status": rec.status, "schema": schema.name, "schema_version": str(schema.version),
    })
    return dict(sorted(meta.items()))


def record_line(rec: Record, schema: Schema, cache: TokenCache) -> str:
    """One JSON line (no newline). Tokens are most of the bytes: they are encoded by orjson in
    one call (byte-identical to the standard encoder for str/int values, checked by the golden
    export test); the rest is formatted by hand or by `json` (meta may hold floats, where the
    two encoders differ)."""
    _toks, starts, ends = cache.get(rec)
    if rec.spans:
        # a token with a span edge inside is split there, so token_start/token_end never widen
        # a span (`Kurdistan` of `Kurdistan24`), as in the spaCy, CoNLL and HF exports
        starts, ends = split_tokens(
            starts, ends, (p for span in rec.spans for piece in span.parts for p in piece))
    text = rec.text
    tok_json = fast_json([{"text": text[s:e], "start": s, "end": e, "id": i}
                          for i, (s, e) in enumerate(zip(starts, ends, strict=True))])[1:-1]
    spans_out = []
    tok_of: list[tuple[int, int] | None] = []
    for span in rec.spans:
        ts = token_span(starts, ends, span.start, span.end)
        tok_of.append(ts)
        attributes = (_dumps(dict(sorted(span.attributes.items()))) if span.attributes
                      else "{}")
        spans_out.append(
            f'{{"start":{span.start},"end":{span.end},'
            f'"token_start":{"null" if ts is None else ts[0]},'
            f'"token_end":{"null" if ts is None else ts[1]},'
            f'"label":{_name(span.label)},"layer":{_name(span.layer)},'
            f'"text":{_string(span.text)},{_fragments_json(span)}'
            f'"attributes":{attributes},"id":{span.index}}}'
        )
    rels_out = []
    for link in rec.links:
        head, child = rec.spans[link.head], rec.spans[link.tail]
        hts, cts = tok_of[link.head], tok_of[link.tail]
        rels_out.append(_dumps({
            "head": None if hts is None else hts[1],
            "child": None if cts is None else cts[1],
            "head_span": _span_ref(head, hts), "child_span": _span_ref(child, cts),
            "label": link.role,
        }))
    return (f'{{"text":{_string(text)},"meta":{_dumps(record_meta(rec, schema))},'
            f'"tokens":[{tok_json}],"spans":[{",".join(spans_out)}],'
            f'"relations":[{",".join(rels_out)}]}}')


def _fragments_json(span: ExportSpan) -> str:
    """`"fragments":[[s,e],...],` for a span in pieces; nothing for the common one-piece span."""
    if not span.fragments:
        return ""
    return '"fragments":[' + ",".join(f"[{a},{b}]" for a, b in span.fragments) + "],"


def _span_ref(span: Any, ts: tuple[int, int] | None) -> dict[str, Any]:
    return {"start": span.start, "end": span.end,
            "token_start": None if ts is None else ts[0],
            "token_end": None if ts is None else ts[1],
            "label": span.label, "id": span.index}


def write_jsonl(stream: Stream, paths: dict[str, Path], schema: Schema, summary: ExportSummary,
                tick: Callable[[], None]) -> None:
    """Each record as one line of its split's file (paths are temporary; the caller renames)."""
    cache = TokenCache()
    handles: dict[str, TextIO] = {}
    try:
        for name, path in paths.items():
            handles[name] = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        for split, rec in stream:
            handles[split].write(record_line(rec, schema, cache) + "\n")
            summary.spans += len(rec.spans)
            summary.links += len(rec.links)
            summary.labels.update(span.label for span in rec.spans)
            tick()
    finally:
        for fh in handles.values():
            fh.close()
