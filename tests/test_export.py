"""Exports checked by the tools that consume them (spaCy, datasets, seqeval, brat parsing)."""

from __future__ import annotations

import json
import multiprocessing
import threading
from pathlib import Path

import pytest
from conftest import ARTICLE
from sqlalchemy import text as sql

from copydesk.exports import ExportOptions, parallel, run_export
from copydesk.exports.brat import annotation_conf
from copydesk.exports.model import ExportError
from copydesk.projects.importers import import_paths
from copydesk.projects.project import Project
from copydesk.projects.textutil import TextIndex
from copydesk.tui.cli.main import main

MIXED = ("قال الرئيس محمد علي في بغداد إن الوضع مستقر.\n"
         "東京 で 会議 が 開かれた。\n"
         "Family 👨‍👩‍👧 met José Núñez in Cafe\u0301 Zürich yesterday.\n"
         "Kurdistan24 reported from\nErbil Citadel today.\n")


def _add(store, doc_id: int, text: str, annotator: str, label: str, needle: str,
         nth: int = 0, **kw):
    pos = -1
    for _ in range(nth + 1):
        pos = text.find(needle, pos + 1)
    assert pos >= 0, needle
    return store.add_span(doc_id, annotator, label, pos, pos + len(needle), **kw)


@pytest.fixture()
def project(tmp_path: Path, database: str | None) -> Project:
    """Sample article (alice done, bob in progress) + mixed-script text (alice done), stored
    in SQLite and in PostgreSQL (every test taking this fixture runs on both engines)."""
    proj = Project.init(tmp_path / "proj", database=database)
    mixed = tmp_path / "mixed.txt"
    mixed.write_text(MIXED, encoding="utf-8", newline="")
    report = import_paths(proj.store, [ARTICLE, mixed])
    assert report.imported == 2
    st = proj.store
    text = st.document(1).text
    a = _add(st, 1, text, "alice", "ORG", "Iraqi forces")
    k = _add(st, 1, text, "alice", "GPE", "Kirkuk")
    atk = _add(st, 1, text, "alice", "Conflict.Attack", "offensive")
    st.add_link(atk.id, a.id, "Attacker", "alice")
    st.add_link(atk.id, k.id, "Place", "alice")
    st.set_attributes(atk.id, "alice", {"realis": "actual"})
    _add(st, 1, text, "alice", "PERSON", "Darya Barzinji")
    _add(st, 1, text, "alice", "ORG", "Kirkuk Provincial Council")
    _add(st, 1, text, "alice", "GPE", "Kirkuk", nth=2)  # inside the ORG above? no: next one
    src = _add(st, 1, text, "alice", "SOURCE", "Barzinji", nth=1)
    quote = ('"Hardly a night passes without security forces bombing ISIS targets in '
             'Wadi Tamur,"')
    con = _add(st, 1, text, "alice", "CONTENT", quote, attributes={"type": "direct"})
    cue = _add(st, 1, text, "alice", "CUE", "told")
    st.add_link(con.id, src.id, "source", "alice")
    st.add_link(con.id, cue.id, "cue", "alice")
    _add(st, 1, text, "alice", "LOC", "Wadi Tamur")
    _add(st, 1, text, "alice", "LOC", "Wadi Tamur", nth=1)
    _add(st, 1, text, "alice", "ORG", "Security and Defense Committee of the Kirkuk Provincial "
         "Council")  # overlaps the ORG/GPE above in the entity layer
    st.set_status(1, "alice", "done")
    _add(st, 1, text, "bob", "GPE", "Iraq")
    st.set_status(1, "bob", "in_progress")
    m = st.document(2).text
    _add(st, 2, m, "alice", "PERSON", "محمد علي")
    _add(st, 2, m, "alice", "GPE", "بغداد")
    _add(st, 2, m, "alice", "GPE", "東京")
    _add(st, 2, m, "alice", "PERSON", "José Núñez")
    _add(st, 2, m, "alice", "FAC", "Cafe\u0301 Zürich")
    _add(st, 2, m, "alice", "FAC", "Erbil Citadel")
    src2 = _add(st, 2, m, "alice", "SOURCE", "Kurdistan24")
    con2 = _add(st, 2, m, "alice", "CONTENT", "from\nErbil Citadel today",
                attributes={"type": "indirect"})
    st.add_link(con2.id, src2.id, "source", "alice")  # attribution without a cue
    st.set_status(2, "alice", "done")
    yield proj
    proj.close()


def _store_spans(project: Project, annotator: str = "alice", status: str = "done"):
    out = {}
    for doc_id in project.store.document_ids():
        aset = project.store.annotation_set(doc_id, annotator)
        if aset is None or aset.status != status:
            continue
        out[doc_id] = [(s.layer, s.label, s.start, s.end, s.text)
                       for s in project.store.spans(doc_id, annotator)]
    return out


def _cli(project: Project, *args: str) -> int:
    return main([*args, "-p", str(project.root)])


# ----------------------------------------------------------------------------- jsonl
def test_jsonl_fields_offsets_tokens_relations(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert _cli(project, "export", "jsonl", str(out)) == 0
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["meta"]["id"], r["meta"]["annotator"]) for r in lines] == [
        ("kirkuk-hamrin-patrols", "alice"), ("mixed", "alice")]
    store = _store_spans(project)
    for doc_id, rec in zip((1, 2), lines, strict=True):
        text = rec["text"]
        assert text == project.store.document(doc_id).text
        assert rec["meta"]["status"] == "done"
        assert rec["meta"]["schema"] == "newsroom"
        index = TextIndex(text)
        assert [(t["start"], t["end"]) for t in rec["tokens"]] == index.tokens
        assert all(text[t["start"]:t["end"]] == t["text"] for t in rec["tokens"])
        got = sorted((s["layer"], s["label"], s["start"], s["end"], s["text"])
                     for s in rec["spans"])
        assert got == sorted(store[doc_id])
        for s in rec["spans"]:
            assert (s["token_start"], s["token_end"]) == index.token_span(s["start"], s["end"])
            assert rec["tokens"][s["token_start"]]["start"] == s["start"]
            assert rec["tokens"][s["token_end"]]["end"] == s["end"]
    rels = {(r["head_span"]["label"], r["child_span"]["label"], r["label"])
            for r in lines[0]["relations"]}
    assert rels == {("Conflict.Attack", "ORG", "Attacker"), ("Conflict.Attack", "GPE", "Place"),
                    ("CONTENT", "SOURCE", "source"), ("CONTENT", "CUE", "cue")}
    for r in lines[0]["relations"]:
        assert r["head"] == r["head_span"]["token_end"]
        assert lines[0]["spans"][r["child_span"]["id"]]["start"] == r["child_span"]["start"]
    content = next(s for s in lines[0]["spans"] if s["label"] == "CONTENT")
    assert content["attributes"] == {"type": "direct"}


# ----------------------------------------------------------------------------- spaCy
def test_spacy_docbin_matches_store(project: Project, tmp_path: Path) -> None:
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    out = tmp_path / "train.spacy"
    summary = run_export(project.store, project.schema, "spacy", out, ExportOptions(lang="xx"))
    nlp = spacy.blank("xx")
    docs = list(DocBin().from_disk(out).get_docs(nlp.vocab))
    assert len(docs) == 2
    store = _store_spans(project)
    for doc_id, doc in zip((1, 2), docs, strict=True):
        assert doc.text == project.store.document(doc_id).text
        got = sorted((layer, sp.label_, sp.start_char, sp.end_char, sp.text)
                     for layer, group in doc.spans.items() for sp in group)
        assert got == sorted(store[doc_id])
        ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        entity_spans = {(s, e, lab) for layer, lab, s, e, _t in store[doc_id]
                        if layer == "entity"}
        assert set(ents) <= entity_spans
        for layer, group in doc.spans.items():
            for sp in group:
                assert doc.char_span(sp.start_char, sp.end_char, alignment_mode="strict") \
                    is not None, layer
        data = doc.user_data["copydesk"]
        assert data["meta"]["annotator"] == "alice"
    # overlapping entities (Security ... Council vs Kirkuk Provincial Council) are reported
    assert any("doc.ents" in why for why in summary.skipped)
    assert len(docs[0].ents) < len(docs[0].spans["entity"])
    rels = {(tuple(r["head"])[2], tuple(r["child"])[2], r["label"])
            for r in docs[1].user_data["copydesk"]["relations"]}
    assert rels == {("CONTENT", "SOURCE", "source")}


def test_spacy_missing_is_one_line(project: Project, tmp_path: Path, monkeypatch,
                                   capsys) -> None:
    import builtins

    real = builtins.__import__

    def fake(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name == "spacy" or name.startswith("spacy."):
            raise ImportError("No module named 'spacy'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    out = tmp_path / "x.spacy"
    assert _cli(project, "export", "spacy", str(out)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["copydesk: error: the spacy format needs spaCy: pip install "
                   "'copydesk[spacy]'"]
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# ----------------------------------------------------------------------------- CoNLL / seqeval
def _read_conll(path: Path) -> list[tuple[list[str], list[list[str]], list[list[str]]]]:
    docs: list = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("-DOCSTART-"):
            docs.append(([], [], []))
            continue
        if not line:
            if docs and docs[-1][1] and docs[-1][1][-1]:
                docs[-1][1].append([])
                docs[-1][2].append([])
            continue
        tok, _pos, _chunk, tag = line.split(" ")
        if not docs[-1][1]:
            docs[-1][1].append([])
            docs[-1][2].append([])
        docs[-1][1][-1].append(tok)
        docs[-1][2][-1].append(tag)
        docs[-1][0].append(tok)
    return [(d[0], [s for s in d[1] if s], [t for t in d[2] if t]) for d in docs]


def test_conll_seqeval_recovers_entities(project: Project, tmp_path: Path, capsys) -> None:
    seqeval = pytest.importorskip("seqeval.metrics.sequence_labeling")
    from seqeval.metrics import classification_report

    out = tmp_path / "ner.conll"
    assert _cli(project, "export", "conll", str(out)) == 0
    err = capsys.readouterr().err
    assert "overlaps" in err and "kirkuk-hamrin-patrols" in err
    docs = _read_conll(out)
    assert len(docs) == 2
    text = out.read_text(encoding="utf-8")
    assert text.startswith("-DOCSTART- -X- -X- O\n\n")
    for doc_id, (tokens, _sents, sent_tags) in zip((1, 2), docs, strict=True):
        doc_text = project.store.document(doc_id).text
        index = TextIndex(doc_text)
        assert tokens == [doc_text[s:e] for s, e in index.tokens]
        flat = [t for sent in sent_tags for t in sent]
        got = {(lab, a, b) for lab, a, b in seqeval.get_entities(flat)}
        spans = [s for s in project.store.spans(doc_id, "alice") if s.layer == "entity"]
        expected = set()
        for s in spans:
            a, b = index.token_span(s.start, s.end)
            expected.add((s.label, a, b))
        assert got <= expected
        if doc_id == 2:  # no overlaps there: every entity comes back exactly
            assert got == expected
        else:
            assert ("ORG", *index.token_span(
                doc_text.find("Security and Defense"),
                doc_text.find("Council") + len("Council"))) in got
    all_tags = [t for d in docs for t in d[2]]
    report = classification_report(all_tags, all_tags, output_dict=True)
    assert report["PERSON"]["support"] == 3


# ----------------------------------------------------------------------------- HF datasets
@pytest.mark.parametrize("hf_format", ["jsonl", "parquet"])
def test_hf_datasets_loads(project: Project, tmp_path: Path, hf_format: str) -> None:
    datasets = pytest.importorskip("datasets")
    out = tmp_path / "hf"
    assert _cli(project, "export", "hf", str(out), "--hf-format", hf_format, "--split",
                "50,0,50", "--seed", "3") == 0
    files = {p.name for p in out.iterdir()}
    # the empty dev split is left out: datasets cannot load an empty file
    assert files == {f"train.{hf_format}", f"test.{hf_format}", "README.md"}
    card = (out / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\nconfigs:\n")
    assert "newsroom" in card and "1.0" in card and "| train |" in card
    kind = "json" if hf_format == "jsonl" else "parquet"
    direct = 0
    for split in ("train", "test"):
        ds = datasets.load_dataset(kind, data_files=str(out / f"{split}.{hf_format}"),
                                   split="train")
        direct += len(ds)
        if hf_format == "parquet":  # parquet carries the features itself
            assert isinstance(ds.features["ner_tags"].feature, datasets.ClassLabel)
    by_folder = datasets.load_dataset(str(out))
    assert set(by_folder.keys()) == {"train", "test"}
    assert sum(len(by_folder[k]) for k in by_folder) == direct
    # as conll2003: ner_tags is a sequence of ClassLabel ids whose names are IOB2 tags, the
    # way transformers' run_ner.py reads the label list
    tags = by_folder["train"].features["ner_tags"].feature
    assert isinstance(tags, datasets.ClassLabel)
    assert tags.names[:3] == ["O", "B-PERSON", "I-PERSON"]
    rows = [{**row, "ner_tags": [tags.int2str(i) for i in row["ner_tags"]]}
            for split in ("train", "test") for row in by_folder[split]]
    conll = tmp_path / "ref.conll"
    run_export(project.store, project.schema, "conll", conll, ExportOptions())
    ref = {}
    for doc_key, (_t, sents, tags) in zip(("kirkuk-hamrin-patrols", "mixed"),
                                          _read_conll(conll), strict=True):
        ref[doc_key] = list(zip(sents, tags, strict=True))
    for row in rows:
        doc, annotator, n = row["id"].split("/")
        assert annotator == "alice"
        assert (row["tokens"], row["ner_tags"]) == ref[doc][int(n)]
    assert sorted(r["document"] for r in rows).count("mixed") == len(ref["mixed"])


# ----------------------------------------------------------------------------- brat
def _parse_ann(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"T": [], "E": [], "R": [], "A": []}
    for line in path.read_text(encoding="utf-8").splitlines():
        out[line[0]].append(line)
    return out


def test_brat_files_and_conf(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "brat"
    assert _cli(project, "export", "brat", str(out)) == 0
    conf = (out / "annotation.conf").read_text(encoding="utf-8")
    for section in ("[entities]", "[relations]", "[events]", "[attributes]"):
        assert section in conf
    assert "\nConflict-Attack\t" in conf and "Conflict.Attack" not in conf.split("\n", 1)[1]
    assert conf == annotation_conf(project.schema)
    for doc_id, stem in ((1, "kirkuk-hamrin-patrols"), (2, "mixed")):
        txt = (out / "alice" / f"{stem}.txt").read_bytes().decode("utf-8")
        assert txt == project.store.document(doc_id).text
        ann = _parse_ann(out / "alice" / f"{stem}.ann")
        got = []
        for line in ann["T"]:
            _tid, body, shown = line.split("\t")
            btype, offsets = body.split(" ", 1)
            pieces = [tuple(map(int, p.split())) for p in offsets.split(";")]
            assert " ".join(txt[a:b] for a, b in pieces) == shown
            assert all("\n" not in txt[a:b] for a, b in pieces)
            got.append((btype, pieces[0][0], pieces[-1][1]))
        expected = []
        for s in project.store.spans(doc_id, "alice"):
            btype = "Attribution" if s.label == "CUE" else s.label.replace(".", "-")
            expected.append((btype, s.start, s.end))
        assert sorted(got) == sorted(expected)
    ann1 = _parse_ann(out / "alice" / "kirkuk-hamrin-patrols.ann")
    assert any(e.split("\t")[1].startswith("Conflict-Attack:") and "Attacker:" in e
               and "Place:" in e for e in ann1["E"])
    assert any(e.split("\t")[1].startswith("Attribution:") and "Source:" in e
               and "Content:" in e for e in ann1["E"])
    ann2 = _parse_ann(out / "alice" / "mixed.ann")
    assert ann2["E"] == [] and len(ann2["R"]) == 1 and ann2["R"][0].split("\t")[1].startswith(
        "Source Arg1:")
    assert any(";" in t.split("\t")[1] for t in ann2["T"])  # the span across a newline
    assert any(a.split("\t")[1].startswith("type ") for a in ann2["A"])


# ----------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("fmt", ["jsonl", "brat"])
def test_round_trip_byte_identical(project: Project, tmp_path: Path, fmt: str) -> None:
    first = tmp_path / f"first.{fmt}"
    assert _cli(project, "export", fmt, str(first), "--status", "all") == 0
    fresh = Project.init(tmp_path / "fresh")
    fresh.close()
    assert main(["import", str(first), "-p", str(tmp_path / "fresh")]) == 0
    second = tmp_path / f"second.{fmt}"
    assert main(["export", fmt, str(second), "--status", "all", "-p",
                 str(tmp_path / "fresh")]) == 0
    assert _tree(first) == _tree(second)
    with Project.open(tmp_path / "fresh") as again:
        assert again.store.annotators() == ["alice", "bob"]
        assert again.store.status_counts() == {"alice": {"done": 2},
                                               "bob": {"in_progress": 1}}


def _tree(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {"": path.read_bytes()}
    return {p.relative_to(path).as_posix(): p.read_bytes()
            for p in sorted(path.rglob("*")) if p.is_file()}


# ----------------------------------------------------------------------------- splits
def _many(tmp_path: Path, n: int = 30) -> Project:
    proj = Project.init(tmp_path / "many")
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(n):
        (folder / f"d{i:02d}.txt").write_text(f"Reporter {i} met Leyla Aziz in Erbil.\n",
                                              encoding="utf-8")
    import_paths(proj.store, [folder])
    for doc_id in proj.store.document_ids():
        text = proj.store.document(doc_id).text
        _add(proj.store, doc_id, text, "alice", "PERSON", "Leyla Aziz")
        _add(proj.store, doc_id, text, "alice", "GPE", "Erbil")
        proj.store.set_status(doc_id, "alice", "done")
    return proj


@pytest.mark.parametrize("fmt", ["jsonl", "spacy", "brat", "conll", "hf"])
def test_split_deterministic(tmp_path: Path, fmt: str) -> None:
    if fmt == "spacy":
        pytest.importorskip("spacy")
    proj = _many(tmp_path)
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out, seed in ((a, "7"), (b, "7"), (c, "8")):
        assert main(["export", fmt, str(out), "--split", "80,10,10", "--seed", seed, "-p",
                     str(proj.root)]) == 0
    assert _tree(a) == _tree(b)
    assert _tree(a) != _tree(c)
    proj.close()


def test_split_by_document_sizes(tmp_path: Path) -> None:
    proj = _many(tmp_path)
    out = tmp_path / "s"
    summary = run_export(proj.store, proj.schema, "jsonl", out,
                         ExportOptions(split=(80, 10, 10), seed=1))
    assert summary.splits == {"train": 24, "dev": 3, "test": 3}
    ids = {name: [json.loads(x)["meta"]["id"] for x in
                  (out / f"{name}.jsonl").read_text().splitlines()]
           for name in ("train", "dev", "test")}
    assert sum(len(v) for v in ids.values()) == 30
    assert not set(ids["train"]) & set(ids["test"])
    proj.close()


# ----------------------------------------------------------------------------- safety
@pytest.mark.parametrize("fmt", ["jsonl", "brat", "conll", "hf"])
def test_a_bad_row_is_skipped_and_named_not_the_whole_export(project: Project, tmp_path: Path,
                                                             fmt: str, capsys) -> None:
    """One annotator's garbage row (issue 24) must not block the team's export: it is left
    out, and the summary names the span and its document."""
    with project.store.db.engine.begin() as con:  # behind the store's back, as a tool might
        con.execute(sql("UPDATE span SET text = 'Kirkuq' WHERE label = 'GPE' AND "
                         "text = 'Kirkuk' AND id = (SELECT min(id) FROM span "
                         "WHERE text = 'Kirkuk')"))
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    out = out_dir / "out"
    assert _cli(project, "export", fmt, str(out), "--split", "50,50") == 0
    said = capsys.readouterr().out
    assert "bad rows" in said and "kirkuk-hamrin-patrols" in said and "'Kirkuq'" in said
    written = "".join(p.read_text(encoding="utf-8", errors="replace")
                      for p in out_dir.rglob("*") if p.is_file() and p.suffix != ".arrow")
    assert "Kirkuq" not in written  # the bad span is not in the corpus


def test_a_row_with_a_label_the_schema_lacks_is_skipped_and_named(project: Project,
                                                                tmp_path: Path) -> None:
    """A label typed in by hand on the server (no schema has it) is garbage too: skipped and
    named, in this process and in worker processes alike, never exported."""
    with project.store.db.engine.begin() as con:
        # The database refuses such a row since layout 0010 (projects.schemalabels); one from
        # before (or from a file whose check was dropped by hand) must still not block export.
        con.execute(sql("DROP TRIGGER span_label_in_schema_update" if con.dialect.name ==
                        "sqlite" else "ALTER TABLE span DROP CONSTRAINT span_label_in_schema"))
        con.execute(sql("UPDATE span SET label = 'WEAPONS_GRADE' WHERE label = 'PERSON' AND "
                         "id = (SELECT min(id) FROM span WHERE label = 'PERSON')"))
    for jobs in (1, 2):
        out = tmp_path / f"out-{jobs}.jsonl"
        summary = run_export(project.store, project.schema, "jsonl", out,
                             ExportOptions(status="all", jobs=jobs))
        [bad] = [why for why in summary.skipped if why.startswith("bad rows")]
        assert "'WEAPONS_GRADE' (entity) is not in the schema" in bad
        assert "WEAPONS_GRADE" not in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["jsonl", "conll", "hf"])
def test_a_bad_row_in_a_worker_process_is_skipped_and_named(
        project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    """The same when worker processes write the parts: their skipped rows reach the summary."""
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("worker processes need the fork start method")
    monkeypatch.setattr(parallel, "CHUNK", 1)
    monkeypatch.setattr(parallel, "other_threads_running", lambda: False)
    workers: list[int] = []
    real = parallel.run_chunks
    monkeypatch.setattr(parallel, "run_chunks",
                        lambda *a, **k: workers.append(a[3]) or real(*a, **k))
    with project.store.db.engine.begin() as con:
        con.execute(sql("UPDATE span SET text = 'Kirkuq' WHERE label = 'GPE' AND "
                         "text = 'Kirkuk' AND id = (SELECT min(id) FROM span "
                         "WHERE text = 'Kirkuk')"))
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    summary = run_export(project.store, project.schema, fmt, out_dir / "x",
                         ExportOptions(status="all", jobs=2))
    assert workers == [2]
    [bad] = [why for why in summary.skipped if why.startswith("bad rows")]
    assert "kirkuk-hamrin-patrols" in bad and "'Kirkuq'" in bad


def test_cli_export_in_a_terminal_still_uses_worker_processes(
        project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The progress bar drawn in a terminal starts no thread (forking a threaded process is
    unsafe, so a thread would keep the export in one process)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("worker processes need the fork start method")
    from rich.console import Console

    monkeypatch.setattr(Console, "is_terminal", property(lambda self: True))
    monkeypatch.setattr(parallel, "CHUNK", 1)
    before = set(threading.enumerate())  # other tests' leftovers are not this command's
    monkeypatch.setattr(parallel, "other_threads_running",
                        lambda: any(t not in before for t in threading.enumerate()))
    workers: list[int] = []
    real = parallel.run_chunks
    monkeypatch.setattr(parallel, "run_chunks",
                        lambda *a, **k: workers.append(a[3]) or real(*a, **k))
    out = tmp_path / "all.jsonl"
    assert _cli(project, "export", "jsonl", str(out), "--status", "all", "--jobs", "2") == 0
    assert workers == [2]
    assert len(out.read_text(encoding="utf-8").splitlines()) >= 2


def test_existing_folder_needs_force(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "b"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    assert _cli(project, "export", "brat", str(out)) == 1
    assert (out / "keep.txt").exists()
    assert _cli(project, "export", "brat", str(out), "--force") == 0
    assert not (out / "keep.txt").exists() and (out / "annotation.conf").exists()


def test_an_existing_file_needs_force_as_a_folder_does(project: Project, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("someone's earlier export\n")
    assert _cli(project, "export", "jsonl", str(out), "--status", "all") == 1
    assert "file exists; pass --force" in capsys.readouterr().err
    assert out.read_text() == "someone's earlier export\n"
    assert _cli(project, "export", "jsonl", str(out), "--status", "all", "--force") == 0
    assert out.read_text().startswith("{")


def test_exported_folders_follow_the_umask(project: Project, tmp_path: Path) -> None:
    import os
    import stat

    old = os.umask(0o022)
    try:
        assert _cli(project, "export", "brat", str(tmp_path / "brat"), "--status", "all") == 0
        assert _cli(project, "export", "jsonl", str(tmp_path / "split"), "--split", "50,50",
                     "--status", "all") == 0
    finally:
        os.umask(old)
    for folder in (tmp_path / "brat", tmp_path / "split"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755, folder


# ----------------------------------------------------------------------------- filters
def test_filters(project: Project, tmp_path: Path) -> None:
    def lines(*args: str) -> list[dict]:
        out = tmp_path / "f.jsonl"
        assert _cli(project, "export", "jsonl", str(out), *args, "--force") == 0
        return [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]

    assert {r["meta"]["annotator"] for r in lines()} == {"alice"}
    everything = lines("--status", "all")
    assert [(r["meta"]["id"], r["meta"]["annotator"]) for r in everything] == [
        ("kirkuk-hamrin-patrols", "alice"), ("kirkuk-hamrin-patrols", "bob"),
        ("mixed", "alice")]
    assert [r["meta"]["status"] for r in lines("--status", "in_progress")] == ["in_progress"]
    assert [r["meta"]["annotator"] for r in lines("--status", "all", "--annotator", "bob")] \
        == ["bob"]
    persons = lines("--label", "PERSON")
    assert {s["label"] for r in persons for s in r["spans"]} == {"PERSON"}
    assert all(r["relations"] == [] for r in persons)
    events = lines("--layer", "event", "--layer", "entity")
    assert {s["layer"] for r in events for s in r["spans"]} == {"event", "entity"}
    assert {rel["label"] for r in events for rel in r["relations"]} == {"Attacker", "Place"}
    assert _cli(project, "export", "jsonl", str(tmp_path / "x"), "--label", "NOPE") == 1
    assert _cli(project, "export", "jsonl", str(tmp_path / "x"), "--status", "nope") == 1


def test_exports_never_import_textual() -> None:
    import subprocess
    import sys

    code = ("import sys, copydesk.exports, copydesk.exports.run, copydesk.exports.jsonl, "
            "copydesk.exports.brat, copydesk.exports.conll, copydesk.exports.spacy_bin, "
            "copydesk.exports.importing, copydesk.projects.bulk; "
            "bad = [m for m in sys.modules if m.split('.')[0] == 'textual' "
            "or m.startswith('copydesk.tui')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[1],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_killed_export_worker_is_one_line_and_leaves_nothing(
        project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker process that dies (the OOM killer, a signal) ends the export with one line."""
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("worker processes need the fork start method")
    import os
    import signal

    from copydesk.exports.formats import base as export_base

    monkeypatch.setattr(parallel, "CHUNK", 1)
    monkeypatch.setattr(parallel, "other_threads_running", lambda: False)
    real = export_base.part_writer

    def dies_on_the_second_chunk(*args):  # type: ignore[no-untyped-def]
        write = real(*args)

        def part(stream, chunk, summary):  # type: ignore[no-untyped-def]
            if chunk.part.name.endswith("-00001"):  # in the worker: as the OOM killer would
                os.kill(os.getpid(), signal.SIGKILL)
            return write(stream, chunk, summary)
        return part

    monkeypatch.setattr(export_base, "part_writer", dies_on_the_second_chunk)
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    with pytest.raises(ExportError, match="worker process stopped"):
        run_export(project.store, project.schema, "jsonl", out_dir / "x.jsonl",
                   ExportOptions(status="all", jobs=2))
    assert list(out_dir.iterdir()) == []
