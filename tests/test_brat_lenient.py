"""brat import: lenient mode (`skip_invalid`), hints that work, and hostile files.

Without `skip_invalid` a file is all-or-nothing and the error says `--skip-invalid` exists; with
it every valid annotation is kept and each broken line comes back as (file, line, reason).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from copydesk.exports.brat_import import Skipped, read_brat
from copydesk.exports.importing import _Defaults
from copydesk.projects.importers import SourceError
from copydesk.projects.project import Project
from copydesk.schema import load_default_schema
from copydesk.tui.cli.main import main

TEXT = "Mira Halden said the port would reopen.\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    Project.init(tmp_path / "p").close()
    return tmp_path / "p"


def _pair(folder: Path, ann: str, text: str = TEXT) -> Path:
    (folder / "x.txt").write_text(text, encoding="utf-8")
    (folder / "x.ann").write_text(ann, encoding="utf-8")
    return folder / "x.ann"


def _read(ann: Path, skip: bool = False):  # type: ignore[no-untyped-def]
    return read_brat(ann, load_default_schema(), _Defaults(None, None), skip_invalid=skip)


# A file with 3 good attributions' worth of annotations and one attribution without content,
# a duplicate id, a bad offset and an unknown label: what a real corpus export can hold.
BROKEN = (
    "T1\tSOURCE 0 11\tMira Halden\n"
    "T2\tAttribution 12 16\tsaid\n"
    "T3\tCONTENT 17 38\tthe port would reopen\n"
    "E1\tAttribution:T2 Source:T1 Content:T3\n"
    "T4\tAttribution 12 16\tsaid\n"
    "E2\tAttribution:T4 Source:T1\n"
    "T3\tGPE 21 25\tport\n"
    "T5\tPERSON 0 1e1\tMira Halden\n"
    "T6\tCelebrity 0 4\tMira\n"
    "A1\ttype T3 direct\n"
)


def test_without_skip_invalid_the_file_is_refused_and_the_error_says_the_flag(
        tmp_path: Path) -> None:
    with pytest.raises(SourceError) as caught:
        _read(_pair(tmp_path, BROKEN))
    assert "--skip-invalid" in caught.value.reason


def test_skip_invalid_keeps_every_valid_annotation_and_reports_each_broken_line(
        tmp_path: Path) -> None:
    ann = _pair(tmp_path, BROKEN)
    doc, skipped = _read(ann, skip=True)
    spans = doc.sets[0].spans
    assert sorted((s.label, s.start, s.end) for s in spans) == [
        ("CONTENT", 17, 38), ("CUE", 12, 16), ("CUE", 12, 16), ("SOURCE", 0, 11)]
    content = next(s for s in spans if s.label == "CONTENT")
    assert content.attributes == {"type": "direct"}
    assert sorted(role for _h, _t, role in doc.sets[0].links) == ["cue", "source"]
    assert all(isinstance(s, Skipped) and s.file == str(ann) for s in skipped)
    reasons = {s.line: s.reason for s in skipped}
    assert set(reasons) == {6, 7, 8, 9}
    assert "Attribution without a Content" in reasons[6]
    assert "id T3 is used twice (first at line 3)" in reasons[7]
    assert "offset '1e1' is not a whole number" in reasons[8]
    assert "unknown label 'Celebrity'" in reasons[9]
    assert str(skipped[0]).startswith(f"{ann}:")


def test_an_event_on_a_skipped_trigger_is_skipped_too(tmp_path: Path) -> None:
    ann = _pair(tmp_path, "T1\tPERSON 0 4\tMira\nT2\tConflict-Attack 99 120\tx\n"
                          "E1\tConflict-Attack:T2 Attacker:T1\n")
    doc, skipped = _read(ann, skip=True)
    assert [s.label for s in doc.sets[0].spans] == ["PERSON"]
    assert [s.line for s in skipped] == [2, 3]


def test_cli_refuses_the_broken_file_whole_naming_the_flag(root: Path, tmp_path: Path,
                                                          capsys) -> None:
    ann = _pair(tmp_path, BROKEN)
    assert main(["import", str(ann), "-p", str(root)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--skip-invalid" in err and f"{ann}:7: id T3" in err
    with Project.open(root) as project:
        assert project.store.document_count() == 0


def test_unknown_event_type_hint_names_what_works(root: Path, tmp_path: Path, capsys) -> None:
    ann = _pair(tmp_path, "T1\tSOURCE 0 11\tMira Halden\n"
                          "T2\tAttribution-no-source 12 16\tsaid\n"
                          "T3\tCONTENT 17 38\tthe port would reopen\n"
                          "E1\tAttribution-no-source:T2 Content:T3\n")
    assert main(["import", str(ann), "-p", str(root)]) == 1
    err = capsys.readouterr().err
    assert "--map Attribution-no-source=Attribution" in err, err
    # ... and the hint works as written
    assert main(["import", str(ann), "-p", str(root), "--map",
                 "Attribution-no-source=Attribution"]) == 0
    with Project.open(root) as project:
        assert sorted(s.label for s in project.store.spans(1, "import")) == [
            "CONTENT", "CUE", "SOURCE"]


# ----------------------------------------------------------------------------- hostile files
@pytest.mark.parametrize("data", [TEXT.encode("utf-8").replace(b"port", b"p\xffrt"),
                                  TEXT.encode("utf-16")], ids=["bad byte", "utf-16"])
def test_an_unreadable_txt_is_blamed_not_the_ann(root: Path, tmp_path: Path, capsys,
                                                 data: bytes) -> None:
    ann = _pair(tmp_path, "T1\tPERSON 0 4\tMira\n")
    (tmp_path / "x.txt").write_bytes(data)
    assert main(["import", str(ann), "-p", str(root)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{tmp_path / 'x.txt'}:1: not UTF-8" in err, err
    assert "x.ann" not in err


@pytest.mark.parametrize(("ann", "expected"), [
    ("T1\tPERSON 0 4\tMira\nT1\tGPE 21 25\tport\n", ":2: id T1 is used twice (first at line 1)"),
    ("T1\tPERSON 0 1e1\tMira Halden\n", ":1: T1: offset '1e1' is not a whole number"),
    ("T1\tPERSON 0 -4\tMira\n", ":1: T1: offset '-4' is not a whole number"),
    ("T1\tPERSON 0\tMira\n", ":1: T1: offsets '0' must be two numbers START END"),
    ("T1\tPERSON 0 4\tMira\nA1\ttype T1 direct\nA1\ttype T1 direct\n", ":3: id A1 is used twice"),
])
def test_duplicate_ids_and_bad_numbers_are_named(root: Path, tmp_path: Path, capsys,
                                                 ann: str, expected: str) -> None:
    path = _pair(tmp_path, ann)
    assert main(["import", str(path), "-p", str(root)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}{expected}" in err, err
    with Project.open(root) as project:
        assert project.store.document_count() == 0


def test_an_ann_line_that_is_not_utf8_is_named(root: Path, tmp_path: Path, capsys) -> None:
    path = _pair(tmp_path, "")
    path.write_bytes(b"T1\tPERSON 0 4\tMira\nT2\tGPE 21 25\tp\xffrt\n")
    assert main(["import", str(path), "-p", str(root)]) == 1
    assert f"{path}:2: not UTF-8" in capsys.readouterr().err


def test_a_duplicate_of_a_skipped_line_is_still_a_duplicate(tmp_path: Path) -> None:
    ann = _pair(tmp_path, "T1\tPERSON 0 99999\tMira\nT1\tPERSON 0 4\tMira\nT2\tGPE 21 25\tport\n")
    doc, skipped = _read(ann, skip=True)
    assert [(s.label, s.start) for s in doc.sets[0].spans] == [("GPE", 21)]
    assert [(s.line, s.reason.split(":")[0]) for s in skipped] == [
        (1, "T1"), (2, "id T1 is used twice (first at line 1)")]


def test_notes_and_attributes_on_relations_are_reported_not_refused(root: Path, tmp_path: Path,
                                                                     capsys) -> None:
    ann = _pair(tmp_path, "T1\tSOURCE 0 11\tMira Halden\nT2\tCONTENT 17 38\tthe port would "
                          "reopen\nR1\tSource Arg1:T2 Arg2:T1\nA1\tConfidence R1 high\n"
                          "#1\tAnnotatorNotes R1\tno cue in this sentence\n")
    assert main(["import", str(ann), "-p", str(root)]) == 0
    err = capsys.readouterr().err
    assert "1 AnnotatorNotes on relations" in err and "1 attribute Confidence on relations" in err
    assert main(["import", str(_pair(tmp_path, "T1\tSOURCE 0 11\tMira Halden\n"
                                                "A1\tConfidence R7 high\n")),
                 "-p", str(root)]) == 1
    assert "attribute on unknown annotation R7" in capsys.readouterr().err


def test_dropping_an_event_type_drops_what_refers_to_it(tmp_path: Path) -> None:
    from copydesk.exports.interop import Interop
    from copydesk.schema import parse_schema
    from copydesk.schema.from_brat import schema_from_brat

    conf = Path(__file__).parent / "data" / "brat-full" / "annotation.conf"
    schema = parse_schema(schema_from_brat(conf))
    ann = Path(__file__).parent / "data" / "brat-full" / "kirkuk-arrests.ann"
    interop = Interop(drop=frozenset({"Attack"}))
    doc, skipped = read_brat(ann, schema, _Defaults(None, None), interop=interop)
    labels = [s.label for s in doc.sets[0].spans]
    assert "Attack" not in labels and "Cause" in labels and skipped == []
    assert interop.dropped["Attack"] == 2  # its trigger and its event
