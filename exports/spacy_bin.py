"""spaCy `DocBin` (`.spacy`): one Doc per (document, annotator) set, built on `spacy.blank(lang)`.

The Doc is built from our tokens, not spaCy's tokenizer: `Doc(vocab, words, spaces)` where a
token is also cut at any span edge that falls inside it (so every span is token-aligned and
`doc.char_span(..., alignment_mode="strict")` finds it), and whitespace other than one space
after a token becomes a whitespace token, as spaCy's own tokenizer does, so `doc.text` is the
document text character for character and every offset matches the store.

- `doc.spans[layer]` holds every span of each layer (`entity`, `event`, `attribution`, ...);
- `doc.ents` holds the entity layer where spans do not overlap (`spacy.util.filter_spans`:
  longest kept, then earliest; the others are reported in the summary and stay in
  `doc.spans["entity"]`);
- `doc.user_data["copydesk"]` (DocBin stores user data) holds what spaCy has no slot for:
  `meta` (id, title, source, annotator, status, schema, schema_version), `relations`
  (`[{"head": [start, end, label], "child": [start, end, label], "label": role}]`, event
  trigger -> argument and attribution content -> source/cue, by character offsets) and
  `attributes` (`[{"start", "end", "label", "attributes"}]` for spans that carry any).
- a discontinuous span (a split quote) cannot be one spaCy `Span`: it is one `Span` per piece in
  `doc.spans[layer]` (and in `doc.ents` for entities), and every piece carries the span's id in
  `span.id_` (`Span(..., span_id=...)`, kept by DocBin), the same id as the span's position in
  the JSONL export, so `{sp.id_ for sp in doc.spans["attribution"]}` groups pieces back into
  spans. `doc.user_data["copydesk"]["fragments"]` also lists each discontinuous span as
  `{"id", "label", "fragments": [[start, end], ...]}`.
`--lang` picks the blank pipeline's vocabulary (default `en`; `xx` for multilingual corpora).
No model is ever downloaded.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import Any

from copydesk.exports.common import TokenCache, atomic_dir, atomic_file
from copydesk.exports.jsonl import record_meta
from copydesk.exports.model import ExportError, ExportOptions, ExportSummary, Record, Stream
from copydesk.schema.model import ENTITY, Schema

INSTALL_HINT = "the spacy format needs spaCy: pip install 'copydesk[spacy]'"


@contextmanager
def msgpack_encoders_looked_up_once() -> Iterator[None]:
    """Within the block, srsly's msgpack encoder registry answers from one lookup.

    `DocBin.add` serializes every Doc's user data and span groups with a new srsly `Packer`,
    and each `Packer` asks `catalogue` for the registered encoders, which scans the installed
    packages' entry points and spaCy's whole function registry: measured at ~4 ms per Doc,
    more than half of a spaCy export. Nothing registers encoders while an export runs, so the
    answer is taken once and given back until the block ends (then the registry's own method
    is restored). The encoders, hence the bytes, are the same.
    """
    import srsly.msgpack as srsly_msgpack

    registry = getattr(srsly_msgpack, "msgpack_encoders", None)
    if registry is None or "get_all" in vars(registry):  # another srsly, or already cached
        yield
        return
    found = registry.get_all()
    registry.get_all = lambda: dict(found)
    try:
        yield
    finally:
        del registry.get_all


def require_spacy() -> Any:
    try:
        import spacy
    except ImportError as exc:
        raise ExportError(INSTALL_HINT) from exc
    return spacy


def words_and_spaces(text: str, tokens: list[tuple[int, int]],
                     cuts: set[int]) -> tuple[list[str], list[bool], list[int]]:
    """spaCy words/spaces reproducing `text` exactly, cut at every token and span edge.

    A space right after a word is that word's trailing space; any other whitespace is a word
    of its own (as spaCy's tokenizer makes it). Token edges come in order already (tokens never
    overlap), so only span edges that fall elsewhere (inside a token or a gap: rare) cost a
    sort.
    """
    size = len(text)
    points = [0, *(p for token in tokens for p in token), size]
    extra = {c for c in cuts if 0 <= c <= size}.difference(points)
    if extra:
        points = sorted(extra.union(points))
    words: list[str] = []
    spaces: list[bool] = []
    starts: list[int] = []
    for a, b in pairwise(points):
        if a == b:
            continue  # two tokens that touch share an edge
        piece = text[a:b]
        if piece.isspace():
            if piece[0] == " " and words and not spaces[-1] and not words[-1].isspace():
                spaces[-1] = True
                piece = piece[1:]
                a += 1
            if not piece:
                continue
        words.append(piece)
        spaces.append(False)
        starts.append(a)
    return words, spaces, starts


SHARD_DOCS = 500  # Docs per DocBin: a DocBin holds every Doc's arrays until written


class _Shards:
    """One split's DocBins: a single `.spacy` file when the split fits in one shard, else a
    folder of `part-NNNNN.spacy` files written as each fills (memory stays flat)."""

    def __init__(self, docbin_cls: Any, path: Path, sharded: bool) -> None:
        self.docbin_cls, self.path, self.sharded = docbin_cls, path, sharded
        self.parts = 0
        self.docbin = docbin_cls(store_user_data=True)
        self.size = 0
        if sharded:
            path.mkdir(parents=True, exist_ok=True)

    def add(self, doc: Any) -> None:
        self.docbin.add(doc)
        self.size += 1
        if self.sharded and self.size >= SHARD_DOCS:
            self._write()

    def _write(self) -> None:
        self.parts += 1
        self.docbin.to_disk(self.path / f"part-{self.parts:05d}.spacy")
        self.docbin = self.docbin_cls(store_user_data=True)
        self.size = 0

    def close(self) -> None:
        if not self.sharded:
            self.docbin.to_disk(self.path)
        elif self.size or not self.parts:
            self._write()


# `exports.run`'s bridge to `exports.parallel`: (where chunk k of a split goes, the part
# writer) -> True if the chunks were written by worker processes, False to write here
RunParts = Callable[[Callable[[str, int], Path], Callable[..., Any]], bool]


def write_spacy(stream: Stream, counts: dict[str, int], out: Path, schema: Schema,
                options: ExportOptions, summary: ExportSummary,
                tick: Callable[[], None], run_parts: RunParts | None = None) -> None:
    """DocBins per split (`counts`: records per split name, "" = no split), written atomically.

    A split of more than SHARD_DOCS records is a folder of DocBin shards instead of one file
    (`OUT/` without --split, `OUT/train/` with it); spaCy reads a folder of `.spacy` files as
    one corpus (`spacy train --paths.train OUT`), and memory stays flat at any corpus size.
    With `run_parts`, each shard may be built by a worker process (one chunk = one shard).
    """
    spacy = require_spacy()
    from spacy.tokens import DocBin

    try:
        nlp = spacy.blank(options.lang)
    except Exception as exc:  # spaCy raises its own ImportError/KeyError subclasses
        raise ExportError(f"--lang {options.lang!r}: spaCy has no language with that code "
                          f"({exc})") from exc
    single = not options.split and counts.get("", 0) <= SHARD_DOCS
    target = (atomic_file(out, force=options.force) if single
              else atomic_dir(out, force=options.force))
    with target as tmp, msgpack_encoders_looked_up_once():
        paths = {name: tmp if not name else tmp / (name if n > SHARD_DOCS else f"{name}.spacy")
                 for name, n in counts.items()}

        def shard_path(name: str, k: int) -> Path:
            if counts[name] <= SHARD_DOCS:
                return paths[name]
            paths[name].mkdir(parents=True, exist_ok=True)
            return paths[name] / f"part-{k + 1:05d}.spacy"

        if run_parts is not None and run_parts(shard_path, _part_writer(nlp, schema)):
            for name, n in counts.items():
                if not n:  # an empty split still gets its (empty) file, as below
                    _Shards(DocBin, paths[name], False).close()
            return
        shards = {name: _Shards(DocBin, paths[name], counts[name] > SHARD_DOCS)
                  for name in counts}
        cache = TokenCache()
        for split, rec in stream:
            shards[split].add(record_doc(nlp, rec, schema, summary, cache))
            summary.spans += len(rec.spans)
            summary.links += len(rec.links)
            tick()
        for shard in shards.values():
            shard.close()


def _part_writer(nlp: Any, schema: Schema) -> Callable[..., None]:
    """One chunk of records as one DocBin file (in a worker process)."""
    def write(stream: Stream, chunk: Any, summary: ExportSummary) -> None:
        from spacy.tokens import DocBin

        shard = _Shards(DocBin, chunk.part, False)
        cache = TokenCache()
        for _split, rec in stream:
            shard.add(record_doc(nlp, rec, schema, summary, cache))
            summary.spans += len(rec.spans)
            summary.links += len(rec.links)
        shard.close()
    return write


def record_doc(nlp: Any, rec: Record, schema: Schema, summary: ExportSummary,
               cache: TokenCache) -> Any:
    """One record as a spaCy Doc (see the module docstring for what goes where)."""
    from spacy.tokens import Doc, Span
    from spacy.util import filter_spans

    toks, _s, _e = cache.get(rec)
    cuts = {p for s in rec.spans for piece in s.parts for p in piece}
    words, spaces, starts = words_and_spaces(rec.text, toks, cuts)
    # words + spaces rebuild the text exactly (property-tested), so doc.text, which walks every
    # token again, is not compared here
    doc = Doc(nlp.vocab, words=words, spaces=spaces)
    # a piece's edges are word edges (cut there above), so the first word starting at or after
    # an edge is, for `a`, the piece's first word and, for `b`, the word after its last
    by_layer: dict[str, list[Any]] = {}
    for span in rec.spans:
        # one Span per piece of a span in pieces, all sharing span.id_ (spaCy spans are
        # contiguous); the pieces are also listed in doc.user_data["copydesk"]["fragments"]
        for a, b in span.parts:
            sp = Span(doc, bisect_left(starts, a), bisect_left(starts, b), label=span.label,
                      span_id=str(span.index))
            by_layer.setdefault(span.layer, []).append(sp)
        summary.labels[span.label] += 1
    for layer, group in sorted(by_layer.items()):
        doc.spans[layer] = group
    ents = by_layer.get(ENTITY, [])
    kept = filter_spans(ents)  # longest first, then earliest
    if len(kept) < len(ents):
        dropped = [sp for sp in ents if sp not in kept]
        summary.skipped["overlapping entities left out of doc.ents (kept in "
                        "doc.spans)"] += len(dropped)
        for sp in dropped:
            summary.warnings.append(
                f"document {rec.key} ({rec.annotator}): entity {sp.label_} "
                f"{sp.start_char}-{sp.end_char} {sp.text!r} overlaps another; left out "
                "of doc.ents, kept in doc.spans['entity']")
    doc.ents = sorted(kept, key=lambda sp: sp.start)
    doc.user_data["copydesk"] = {
        "meta": record_meta(rec, schema),
        "relations": [
            {"head": [rec.spans[ln.head].start, rec.spans[ln.head].end,
                      rec.spans[ln.head].label],
             "child": [rec.spans[ln.tail].start, rec.spans[ln.tail].end,
                       rec.spans[ln.tail].label],
             "label": ln.role}
            for ln in rec.links
        ],
        "attributes": [
            {"start": s.start, "end": s.end, "label": s.label,
             "attributes": dict(sorted(s.attributes.items()))}
            for s in rec.spans if s.attributes
        ],
        "fragments": [
            {"id": s.index, "label": s.label, "fragments": [list(p) for p in s.parts]}
            for s in rec.spans if s.fragments
        ],
    }
    return doc
