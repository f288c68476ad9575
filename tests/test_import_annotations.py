"""`copydesk import` with annotations: Prodigy-style JSONL, brat folders, rejections, duplicates."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.projects.project import Project
from copydesk.schema.model import Schema
from copydesk.tui.cli.main import main

TEXT = "Leyla Aziz said the road to Erbil had reopened.\n"


@pytest.fixture()
def root(tmp_path: Path, database: str | None) -> Path:
    """A project in SQLite and one in PostgreSQL: every import test runs on both."""
    Project.init(tmp_path / "p", database=database).close()
    return tmp_path / "p"


def _spans(root: Path, annotator: str) -> list[tuple[str, int, int]]:
    with Project.open(root) as proj:
        return [(s.label, s.start, s.end) for s in proj.store.spans(1, annotator)]


def _write(path: Path, *records: dict) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


def test_prodigy_preannotations_default_annotator(root: Path, tmp_path: Path) -> None:
    f = _write(tmp_path / "pre.jsonl",
               {"text": TEXT, "spans": [{"start": 0, "end": 10, "label": "PERSON"},
                                        {"start": 28, "end": 33, "label": "GPE"}]})
    assert main(["import", str(f), "-p", str(root)]) == 0
    assert _spans(root, "import") == [("PERSON", 0, 10), ("GPE", 28, 33)]
    with Project.open(root) as proj:
        aset = proj.store.annotation_set(1, "import")
        assert aset is not None and aset.status == "todo"
        assert [a.kind for a in proj.store.actions(1, "import")] == ["import"]


def test_annotator_and_status_options_and_prodigy_answer(root: Path, tmp_path: Path) -> None:
    f = _write(tmp_path / "pre.jsonl",
               {"text": TEXT, "answer": "accept",
                "spans": [{"start": 0, "end": 10, "label": "PERSON"}]},
               {"text": "Another text about Mosul.", "spans": []})
    assert main(["import", str(f), "-p", str(root), "--annotator", "alice", "--status",
                 "in_progress"]) == 0
    with Project.open(root) as proj:
        assert proj.store.annotation_set(1, "alice").status == "done"  # answer wins
        assert proj.store.annotation_set(2, "alice").status == "in_progress"


def test_unknown_label_rejects_whole_file(root: Path, tmp_path: Path, capsys) -> None:
    f = _write(tmp_path / "bad.jsonl",
               {"text": "First text here.", "spans": []},
               {"text": TEXT, "spans": [{"start": 0, "end": 10, "label": "CELEBRITY"}]})
    assert main(["import", str(f), "-p", str(root)]) == 1
    err = capsys.readouterr().err
    assert f"{f}:2:" in err and "'CELEBRITY'" in err
    with Project.open(root) as proj:
        assert proj.store.document_count() == 0


def test_imported_spans_meet_the_store_rules(root: Path, tmp_path: Path, capsys) -> None:
    """Bulk import bypasses the Store API, so it must refuse what the store refuses: a span
    splitting a grapheme, a retired label, a null attribute."""
    text = "Family 👨\u200d👩\u200d👧 visited Erbil.\n"
    half = text.index("👨") + 1  # inside the ZWJ family
    for spans, expected in [
        ([{"start": 0, "end": half, "label": "PERSON"}], "splits a character"),
        ([{"start": 0, "end": 6, "label": "CONTENT", "attributes": {"type": None}}],
         "attributes must be an object of values"),
    ]:
        f = _write(tmp_path / "bad.jsonl", {"text": text, "spans": spans})
        assert main(["import", str(f), "-p", str(root)]) == 1
        err = capsys.readouterr().err
        assert f"{f}:1:" in err and expected in err
    with Project.open(root) as proj:
        assert proj.store.document_count() == 0


def test_imported_links_meet_the_store_rules(root: Path, tmp_path: Path, capsys) -> None:
    """A one-filler role given twice is refused on import as the store refuses it."""
    text = "Militants attacked Kirkuk and Erbil on Monday.\n"
    attack, kirkuk, erbil = (text.index(w) for w in ("attacked", "Kirkuk", "Erbil"))
    spans = [{"start": attack, "end": attack + 8, "label": "Conflict.Attack", "id": 0},
             {"start": kirkuk, "end": kirkuk + 6, "label": "GPE", "id": 1},
             {"start": erbil, "end": erbil + 5, "label": "GPE", "id": 2}]
    relations = [{"head_span": {"id": 0}, "child_span": {"id": i}, "label": "Place"}
                 for i in (1, 2)]
    f = _write(tmp_path / "two-places.jsonl",
               {"text": text, "spans": spans, "relations": relations})
    assert main(["import", str(f), "-p", str(root)]) == 1
    err = capsys.readouterr().err
    assert f"{f}:1:" in err and "the schema allows one" in err
    with Project.open(root) as proj:
        assert proj.store.document_count() == 0


def test_relations_by_offsets_and_bad_role(root: Path, tmp_path: Path, capsys) -> None:
    text = "Militants attacked Kirkuk on Monday.\n"
    rec = {"text": text, "spans": [{"start": 10, "end": 18, "label": "Conflict.Attack"},
                                   {"start": 19, "end": 25, "label": "GPE"}],
           "relations": [{"head_span": {"start": 10, "end": 18, "label": "Conflict.Attack"},
                          "child_span": {"start": 19, "end": 25, "label": "GPE"},
                          "label": "Place"}]}
    assert main(["import", str(_write(tmp_path / "ok.jsonl", rec)), "-p", str(root)]) == 0
    with Project.open(root) as proj:
        links = proj.store.links(1, "import")
        assert [link.role for link in links] == ["Place"]
    rec["text"] = "Militants attacked Kirkuk on Sunday.\n"
    rec["relations"][0]["label"] = "Victim"
    assert main(["import", str(_write(tmp_path / "no.jsonl", rec)), "-p", str(root)]) == 1
    assert "cannot be the 'Victim'" in capsys.readouterr().err


def test_duplicate_document_attaches_only_missing_annotators(root: Path, tmp_path: Path,
                                                              capsys) -> None:
    plain = tmp_path / "a.txt"
    plain.write_text(TEXT, encoding="utf-8")
    assert main(["import", str(plain), "-p", str(root)]) == 0
    with Project.open(root) as proj:
        proj.store.add_span(1, "alice", "GPE", 28, 33)
    f = _write(tmp_path / "pre.jsonl",
               {"text": TEXT, "meta": {"annotator": "alice"},
                "spans": [{"start": 0, "end": 10, "label": "PERSON"}]},
               {"text": TEXT, "meta": {"annotator": "bob"},
                "spans": [{"start": 0, "end": 10, "label": "PERSON"}]})
    assert main(["import", str(f), "-p", str(root)]) == 0
    captured = capsys.readouterr()
    assert "alice already has 1 spans" in captured.err
    assert _spans(root, "alice") == [("GPE", 28, 33)]  # untouched
    assert _spans(root, "bob") == [("PERSON", 0, 10)]  # attached
    with Project.open(root) as proj:
        assert proj.store.document_count() == 1


def test_brat_folder_without_conf(root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    text = "Police in Erbil\narrested Omar Haddad.\n"
    (folder / "n1.txt").write_text(text, encoding="utf-8", newline="")
    (folder / "n1.ann").write_text(
        "T1\tGPE 10 15\tErbil\n"
        "T2\tJustice-Arrest 16 24\tarrested\n"
        "T3\tPERSON 25 36\tOmar Haddad\n"
        "T4\tORG 0 6;7 9;10 15\tPolice in Erbil\n"
        "E1\tJustice-Arrest:T2 Person:T3 Place:T1\n"
        "A1\trealis E1 actual\n"
        "#1\tAnnotatorNotes T1\tcity\n", encoding="utf-8")
    assert main(["import", str(folder), "-p", str(root), "--annotator", "carol",
                 "--status", "done"]) == 0
    with Project.open(root) as proj:
        spans = proj.store.spans(1, "carol")
        assert [(s.label, s.start, s.end) for s in spans] == [
            ("ORG", 0, 15), ("GPE", 10, 15), ("Justice.Arrest", 16, 24), ("PERSON", 25, 36)]
        arrest = next(s for s in spans if s.label == "Justice.Arrest")
        assert json.loads(arrest.attributes) == {"realis": "actual"}
        assert sorted(link.role for link in proj.store.links(1, "carol")) == ["Person", "Place"]
        assert proj.store.annotation_set(1, "carol").status == "done"
        assert proj.store.document(1).external_id == "n1"


def test_brat_unknown_type_rejected(root: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "x.txt").write_text("Some text.", encoding="utf-8")
    ann = tmp_path / "x.ann"
    ann.write_text("T1\tCelebrity 0 4\tSome\n", encoding="utf-8")
    assert main(["import", str(ann), "-p", str(root)]) == 1
    err = capsys.readouterr().err
    assert f"{ann}:1:" in err and "'Celebrity'" in err
    with Project.open(root) as proj:
        assert proj.store.document_count() == 0


def test_undo_after_an_import_stops_at_the_import(root: Path, tmp_path: Path) -> None:
    """The import is where a set's history starts: undo reverts later edits, never the import."""
    f = _write(tmp_path / "pre.jsonl",
               {"text": TEXT, "spans": [{"start": 0, "end": 10, "label": "PERSON"}]})
    assert main(["import", str(f), "-p", str(root), "--annotator", "alice"]) == 0
    with Project.open(root) as proj:
        store = proj.store
        assert store.can_undo(1, "alice") == (False, False)
        store.add_span(1, "alice", "GPE", 28, 33)
        assert store.undo(1, "alice") is not None
        assert store.undo(1, "alice") is None  # nothing before the import to step back into
        assert [(s.label, s.start) for s in store.spans(1, "alice")] == [("PERSON", 0)]
        assert store.redo(1, "alice") is not None
        assert sorted(s.label for s in store.spans(1, "alice")) == ["GPE", "PERSON"]


def test_bulk_file_many_documents_links_and_repeats(root: Path, tmp_path: Path) -> None:
    """One file, many documents: every set gets its own spans, links and one import action,
    ids line up across documents, and a repeated text is one document."""
    records = []
    for i in range(30):
        text = f"Report {i}: Leyla Aziz attacked Erbil."
        start = text.index("attacked")
        records.append({"text": text, "spans": [
            {"id": 1, "start": start, "end": start + 8, "label": "Conflict.Attack"},
            {"id": 2, "start": text.index("Erbil"), "end": text.index("Erbil") + 5,
             "label": "GPE"}],
            "relations": [{"head_span": {"id": 1}, "child_span": {"id": 2}, "label": "Place"}]})
    records.append(dict(records[0]))  # bob's second set for the same text: refused
    f = _write(tmp_path / "many.jsonl", *records)
    assert main(["import", str(f), "-p", str(root), "--annotator", "bob"]) == 1
    with Project.open(root) as proj:
        assert proj.store.document_count() == 0  # the whole file was rejected, nothing written
    records.pop()
    f = _write(tmp_path / "many.jsonl", *records)
    assert main(["import", str(f), "-p", str(root), "--annotator", "bob"]) == 0
    with Project.open(root) as proj:
        store = proj.store
        assert store.document_count() == 30
        for doc_id in store.document_ids():
            spans = store.spans(doc_id, "bob")
            text = store.document(doc_id).text
            assert [text[s.start:s.end] for s in spans] == ["attacked", "Erbil"]
            links = store.links(doc_id, "bob")
            assert [(lk.head_id, lk.tail_id, lk.role) for lk in links] == [
                (spans[0].id, spans[1].id, "Place")]
            assert [a.kind for a in store.actions(doc_id, "bob")] == ["import"]


@functools.cache
def _schema() -> Schema:
    from copydesk.schema import load_default_schema

    return load_default_schema()


@given(st.text(alphabet=st.sampled_from(list("ab \n\u0301👍🏽\u200dكد")), min_size=1, max_size=20),
       st.integers(-1, 22), st.integers(-1, 22),
       st.sampled_from(["PERSON", "GPE", "NOPE", 7]),
       st.one_of(st.none(), st.just("a"), st.just(3)),
       st.sampled_from([None, {}, {"type": "direct"}]))
@settings(max_examples=300, deadline=None)
def test_the_inline_span_check_accepts_and_refuses_what_the_store_rules_do(
        text: str, start: int, end: int, label: object, covered: object,
        attributes: object) -> None:
    """Bulk imports check the common span inline; it must agree with `validate_span`."""
    from copydesk.exports import interop
    from copydesk.projects.importers import SourceError
    from copydesk.projects.textutil import grapheme_index
    schema = _schema()
    raw: dict[str, object] = {"start": start, "end": end, "label": label}
    if covered is not None:
        raw["text"] = text[start:end] if covered == "a" and isinstance(start, int) else covered
    if attributes is not None:
        raw["attributes"] = attributes

    def outcome(fast: bool) -> object:
        saved = interop._plain_span
        if not fast:
            interop._plain_span = lambda *a: None  # type: ignore[assignment]
        try:
            return interop.check_span(schema, text, dict(raw), 1, "line 1", grapheme_index(text))
        except SourceError:
            return "refused"
        finally:
            interop._plain_span = saved

    assert outcome(True) == outcome(False)
