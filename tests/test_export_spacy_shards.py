"""spaCy exports past one shard are folders of DocBins holding the same Docs, in order."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from export_golden import build
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.exports import ExportOptions, parallel, run_export, spacy_bin

spacy = pytest.importorskip("spacy")
from spacy.tokens import DocBin  # noqa: E402


def _docs(paths: list[Path], nlp) -> list[tuple]:  # type: ignore[no-untyped-def]
    out = []
    for path in paths:
        for doc in DocBin().from_disk(path).get_docs(nlp.vocab):
            out.append((doc.text, [(e.start_char, e.end_char, e.label_) for e in doc.ents],
                        {k: [(s.start_char, s.end_char, s.label_) for s in g]
                         for k, g in doc.spans.items()},
                        doc.user_data.get("copydesk")))
    return out


@pytest.mark.parametrize("jobs", [1, 2], ids=["one process", "worker processes"])
def test_sharded_export_holds_the_same_docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            jobs: int) -> None:
    """The same shards whether this process builds them or worker processes build one each."""
    if jobs > 1 and "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("worker processes need the fork start method")
    project = build(tmp_path / "p")
    nlp = spacy.blank("en")
    chunked: list[int] = []
    monkeypatch.setattr(parallel, "other_threads_running", lambda: False)
    real = parallel.run_chunks
    monkeypatch.setattr(parallel, "run_chunks",
                        lambda *a, **k: chunked.append(len(a[2])) or real(*a, **k))
    try:
        run_export(project.store, project.schema, "spacy", tmp_path / "one.spacy",
                   ExportOptions(jobs=jobs))
        monkeypatch.setattr(spacy_bin, "SHARD_DOCS", 3)
        run_export(project.store, project.schema, "spacy", tmp_path / "shards",
                   ExportOptions(jobs=jobs))
        run_export(project.store, project.schema, "spacy", tmp_path / "split",
                   ExportOptions(split=(60, 20, 20), seed=3, jobs=jobs))
    finally:
        project.close()
    assert chunked == ([4, 4] if jobs > 1 else [])  # 4 shards; 2 train shards + dev + test
    whole = _docs([tmp_path / "one.spacy"], nlp)
    assert len(whole) == 10  # 5 documents x 2 annotators
    parts = sorted((tmp_path / "shards").glob("part-*.spacy"))
    assert [p.name for p in parts] == [f"part-0000{i}.spacy" for i in range(1, 5)]
    assert _docs(parts, nlp) == whole
    # with --split: the 6-record train split is sharded, the small ones stay single files
    split = tmp_path / "split"
    assert sorted(p.name for p in split.iterdir()) == ["dev.spacy", "test.spacy", "train"]
    train = _docs(sorted((split / "train").glob("part-*.spacy")), nlp)
    rest = _docs([split / "dev.spacy", split / "test.spacy"], nlp)
    assert sorted(map(repr, train + rest)) == sorted(map(repr, whole))


@given(st.text(alphabet=st.sampled_from(list("ab .,\n\t\u00a0\u200dé")), max_size=60),
       st.one_of(st.sets(st.integers(-2, 62), max_size=6),
                 st.just(set())))
@settings(max_examples=300, deadline=None)
def test_words_and_spaces_rebuild_the_text_exactly(text: str, cuts: set[int]) -> None:
    """What the spaCy Doc's text will be: the words and their trailing spaces, joined."""
    from copydesk.exports.spacy_bin import words_and_spaces
    from copydesk.projects.textutil import tokenize

    words, spaces, starts = words_and_spaces(text, tokenize(text), cuts)
    assert (words, spaces, starts) == _by_sorted_points(text, tokenize(text), cuts)
    assert "".join(w + (" " if sp else "") for w, sp in zip(words, spaces, strict=True)) == text
    assert all(text.startswith(w, s) for w, s in zip(words, starts, strict=True))
    assert all(w for w in words)


def _by_sorted_points(text: str, tokens: list[tuple[int, int]],
                      cuts: set[int]) -> tuple[list[str], list[bool], list[int]]:
    """The definition: every token edge and cut, sorted and deduplicated, walked in order; a
    space piece right after a word becomes that word's trailing space."""
    from itertools import pairwise

    points = sorted(p for p in {0, len(text)} | cuts | {q for t in tokens for q in t}
                    if 0 <= p <= len(text))
    words: list[str] = []
    spaces: list[bool] = []
    starts: list[int] = []
    for a, b in pairwise(points):
        piece = text[a:b]
        if piece.isspace():
            if piece.startswith(" ") and words and not spaces[-1] and not words[-1].isspace():
                spaces[-1] = True
                piece = piece[1:]
                a += 1
            if not piece:
                continue
        words.append(piece)
        spaces.append(False)
        starts.append(a)
    return words, spaces, starts
