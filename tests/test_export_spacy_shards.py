"""spaCy exports past one shard are folders of DocBins holding the same Docs, in order."""

from __future__ import annotations

from pathlib import Path

import pytest
from export_golden import build

from copydesk.exports import ExportOptions, run_export, spacy_bin

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


def test_sharded_export_holds_the_same_docs(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    project = build(tmp_path / "p")
    nlp = spacy.blank("en")
    try:
        run_export(project.store, project.schema, "spacy", tmp_path / "one.spacy",
                   ExportOptions())
        monkeypatch.setattr(spacy_bin, "SHARD_DOCS", 3)
        run_export(project.store, project.schema, "spacy", tmp_path / "shards",
                   ExportOptions())
        run_export(project.store, project.schema, "spacy", tmp_path / "split",
                   ExportOptions(split=(60, 20, 20), seed=3))
    finally:
        project.close()
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
