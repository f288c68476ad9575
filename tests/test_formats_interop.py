"""Moving in and out: the format registry, Label Studio, doccano, INCEpTION XMI, lenient import
and hostile JSONL (issues 23 and 25).

Every corpus here is written by the tests in the tool's real shape: a copydesk project with
English (an emoji before the entities, a flag at the end), Arabic, an event with an attribute
and an argument, a split quote with its source and cue, two annotators and a suggestion set;
a Label Studio export as Label Studio writes it (old UTF-16 offsets, predictions, a relation
written right to left); doccano's two shapes; an INCEpTION zip made with cassis.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from copydesk.exports.formats import TABLE, export_names
from copydesk.projects.project import Project
from copydesk.tui.cli.main import main

EN = ('🙂 Gunmen attacked a checkpoint in Kirkuk on Monday. "We will not leave," '
      'the governor told reporters, "whatever happens." 🇮🇶')
AR = "قال المحافظ في كركوك إن الهجوم وقع صباح الاثنين 🙂."
REPO = Path(__file__).resolve().parents[1]


def _find(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def _span(text: str, label: str, needle: str, sid: int, **extra: object) -> dict:
    start, end = _find(text, needle)
    return {"id": sid, "start": start, "end": end, "label": label, "text": text[start:end],
            **extra}


def _source_lines() -> list[dict]:
    a, b = _find(EN, '"We will not leave,"')
    c, d = _find(EN, '"whatever happens."')
    en_spans = [_span(EN, "Conflict.Attack", "attacked", 0, attributes={"realis": "actual"}),
                _span(EN, "GPE", "Kirkuk", 1), _span(EN, "SOURCE", "the governor", 2),
                _span(EN, "CUE", "told", 3),
                {"id": 4, "start": a, "end": d, "label": "CONTENT", "fragments": [[a, b], [c, d]],
                 "attributes": {"type": "direct"}}]
    relations = [{"head_span": {"id": 0}, "child_span": {"id": 1}, "label": "Place"},
                 {"head_span": {"id": 4}, "child_span": {"id": 2}, "label": "source"},
                 {"head_span": {"id": 4}, "child_span": {"id": 3}, "label": "cue"}]
    return [
        {"text": EN, "id": "en-1", "title": "Kirkuk",
         "meta": {"annotator": "alice", "status": "done", "desk": "north"},
         "spans": en_spans, "relations": relations},
        {"text": EN, "meta": {"annotator": "bob", "status": "in_progress"},
         "spans": [_span(EN, "GPE", "Kirkuk", 0)]},
        {"text": EN, "meta": {"annotator": "suggest:model", "status": "todo"},
         "spans": [_span(EN, "PERSON", "Gunmen", 0)]},
        {"text": AR, "id": "ar-1", "meta": {"annotator": "alice", "status": "done"},
         "spans": [_span(AR, "PERSON", "المحافظ", 0), _span(AR, "GPE", "كركوك", 1)]},
    ]


def _write_jsonl(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines),
                    encoding="utf-8")
    return path


def _new(tmp_path: Path, name: str) -> Path:
    Project.init(tmp_path / name).close()
    return tmp_path / name


def _cli(root: Path, *args: str) -> int:
    return main([*args, "-p", str(root)])


@pytest.fixture
def source(tmp_path: Path) -> Path:
    root = _new(tmp_path, "source")
    assert _cli(root, "import", str(_write_jsonl(tmp_path / "src.jsonl", _source_lines()))) == 0
    return root


def _tree(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {"": path.read_bytes()}
    return {p.relative_to(path).as_posix(): p.read_bytes()
            for p in sorted(path.rglob("*")) if p.is_file()}


# ----------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("fmt, name, title", [
    ("labelstudio", "out.json", "Label Studio JSON"),
    ("doccano", "out.jsonl", "doccano JSONL"),
    ("xmi", "out", "UIMA CAS XMI"),
    ("jsonl", "out.jsonl", "copydesk/Prodigy JSONL"),
])
def test_round_trip_is_exact(source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                             fmt: str, name: str, title: str) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    assert _cli(source, "export", fmt, str(first / name), "--status", "all",
                "--include-suggestions") == 0
    target = _new(tmp_path, "target")
    capsys.readouterr()
    assert _cli(target, "import", str(first / name)) == 0
    said = capsys.readouterr().out
    assert f"read as {title}" in said and "rejected 0" in said
    assert _cli(target, "export", fmt, str(second / name), "--status", "all",
                "--include-suggestions") == 0
    assert _tree(first / name) == _tree(second / name)
    if fmt == "labelstudio":  # and its labeling config
        assert (first / "out.xml").read_bytes() == (second / "out.xml").read_bytes()
    # the same project back: every span, link, attribute, piece, annotator and status
    assert _cli(source, "export", "jsonl", str(tmp_path / "a.jsonl"), "--status", "all",
                "--include-suggestions") == 0
    assert _cli(target, "export", "jsonl", str(tmp_path / "b.jsonl"), "--status", "all",
                "--include-suggestions") == 0
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_xmi_offsets_are_utf16_on_disk_and_code_points_here(source: Path,
                                                           tmp_path: Path) -> None:
    assert _cli(source, "export", "xmi", str(tmp_path / "x"), "--status", "all",
                "--include-suggestions") == 0
    xmi = (tmp_path / "x" / "alice" / "en-1.xmi").read_text(encoding="utf-8")
    start, end = _find(EN, "Kirkuk")
    # Java counts the emoji before it as two UTF-16 units; cassis converts both ways
    assert f'begin="{start + 1}" end="{end + 1}" value="GPE"' in xmi


def test_labelstudio_config_names_labels_roles_and_attributes(source: Path,
                                                              tmp_path: Path) -> None:
    assert _cli(source, "export", "labelstudio", str(tmp_path / "ls.json")) == 0
    config = (tmp_path / "ls.xml").read_text(encoding="utf-8")
    assert '<Label value="PERSON"' in config and '<Relation value="Place"/>' in config
    assert '<Choices name="attr-type"' in config and '<Choice value="direct"/>' in config
    tasks = json.loads((tmp_path / "ls.json").read_text(encoding="utf-8"))
    assert [t["data"]["text"] for t in tasks] == [EN, AR]
    assert [a["created_username"] for a in tasks[0]["annotations"]] == ["alice"]


# ----------------------------------------------------------------------------- Label Studio
def _ls_region(rid: str, text: str, needle: str, label: str, utf16: bool = False) -> dict:
    start, end = _find(text, needle)
    if utf16:  # Label Studio before its 2022 fix: UTF-16 code units
        start = len(text[:start].encode("utf-16-le")) // 2
        end = len(text[:end].encode("utf-16-le")) // 2
    return {"id": rid, "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": needle, "labels": [label]}}


def _ls_tasks() -> list[dict]:
    return [
        {"id": 41, "data": {"text": EN},
         "annotations": [{"id": 7, "completed_by": 3,
                          "created_username": "reporter@example.org, 3",
                          "result": [
                              _ls_region("a1", EN, "attacked", "Conflict.Attack", utf16=True),
                              _ls_region("a2", EN, "Kirkuk", "GPE", utf16=True),
                              {"type": "relation", "from_id": "a2", "to_id": "a1",
                               "direction": "left", "labels": ["Place"]},
                              {"id": "c1", "from_name": "tone", "to_name": "text",
                               "type": "choices", "value": {"choices": ["calm"]}}]}],
         "predictions": [{"model_version": "ner v2",
                          "result": [_ls_region("p1", EN, "Gunmen", "PERSON")]}]},
        {"id": 42, "data": {"text": AR},
         "annotations": [{"id": 8, "completed_by": {"email": "desk@example.org"},
                          "result": [_ls_region("b1", AR, "كركوك", "GPE")]}]},
    ]


def _spans(root: Path, tmp_path: Path) -> list[tuple[str, str, str, list]]:
    out = tmp_path / "check.jsonl"
    assert _cli(root, "export", "jsonl", str(out), "--status", "all", "--force",
                "--include-suggestions") == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return [(r["meta"]["annotator"], r["meta"]["status"], s["label"], s["text"])
            for r in rows for s in r["spans"]] + [
        (r["meta"]["annotator"], "link", rel["label"], rel["head_span"]["label"])
        for r in rows for rel in r["relations"]]


def test_labelstudio_import_utf16_offsets_predictions_and_relations(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "project-1-at-2026.json"
    path.write_text(json.dumps(_ls_tasks(), ensure_ascii=False), encoding="utf-8")
    root = _new(tmp_path, "p")
    assert _cli(root, "import", str(path)) == 0
    captured = capsys.readouterr()
    assert "read as Label Studio JSON" in captured.out
    assert "kept nothing of 1 choices result" in captured.err
    got = _spans(root, tmp_path)
    assert ("reporter@example.org", "done", "Conflict.Attack", "attacked") in got
    assert ("reporter@example.org", "done", "GPE", "Kirkuk") in got
    assert ("reporter@example.org", "link", "Place", "Conflict.Attack") in got
    assert ("desk@example.org", "done", "GPE", "كركوك") in got
    # a prediction is a suggestion set, not anybody's work
    assert ("suggest:ner-v2", "todo", "PERSON", "Gunmen") in got


def test_labelstudio_offsets_matching_nothing_name_the_task(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tasks = _ls_tasks()
    tasks[1]["annotations"][0]["result"][0]["value"]["start"] += 1  # neither unit fits
    path = tmp_path / "ls.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    root = _new(tmp_path, "p")
    assert _cli(root, "import", str(path)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "task 2, annotation 1, result b1" in err[0] and "--skip-invalid" in err[0]
    with Project.open(root) as project:
        assert project.store.document_count() == 0
    # lenient: that one region is skipped and listed, everything else comes in
    assert _cli(root, "import", str(path), "--skip-invalid") == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert any(line.startswith(f"{path}: task 2, annotation 1, result b1: offsets")
               for line in err)
    assert err[-1] == "copydesk: skipped 1 invalid annotation in 1 file"
    assert ("reporter@example.org", "done", "GPE", "Kirkuk") in _spans(root, tmp_path)


# ----------------------------------------------------------------------------- doccano
def test_doccano_both_shapes_detected_by_content(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    s, e = _find(AR, "كركوك")
    ps, pe = _find(AR, "المحافظ")
    seq = _write_jsonl(tmp_path / "seq.json", [  # .json, not .jsonl: read by content
        {"text": AR, "label": [[s, e, "GPE"], [ps, pe, "PERSON"]], "source": "wire"}])
    a, b = _find(EN, "attacked")
    c, d = _find(EN, "Kirkuk")
    rel = _write_jsonl(tmp_path / "rel.jsonl", [
        {"id": 9, "text": EN,
         "entities": [{"id": 1, "label": "Conflict.Attack", "start_offset": a, "end_offset": b},
                      {"id": 2, "label": "GPE", "start_offset": c, "end_offset": d}],
         "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "Place"}]}])
    root = _new(tmp_path, "p")
    assert _cli(root, "import", str(seq), str(rel), "--annotator", "maria",
                "--status", "done") == 0
    assert "read as doccano JSONL (2 files)" in capsys.readouterr().out
    got = _spans(root, tmp_path)
    assert ("maria", "done", "GPE", "كركوك") in got
    assert ("maria", "done", "PERSON", "المحافظ") in got
    assert ("maria", "link", "Place", "Conflict.Attack") in got


def test_doccano_broken_label_is_one_line_with_its_line(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = _write_jsonl(tmp_path / "d.jsonl", [
        {"text": EN, "label": [[0, 1, "GPE"]]},
        {"text": AR, "label": [[0, 999, "GPE"]]}])
    root = _new(tmp_path, "p")
    assert _cli(root, "import", str(path)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    # line 1 is fine (0-1 is the emoji, one whole grapheme); line 2 runs past the text
    assert len(err) == 1 and f"{path}:2:" in err[0] and "--skip-invalid" in err[0]
    with Project.open(root) as project:
        assert project.store.document_count() == 0


# ----------------------------------------------------------------------------- INCEpTION
def _inception_zip(tmp_path: Path) -> Path:
    cassis = pytest.importorskip("cassis")
    ts = cassis.load_dkpro_core_typesystem()
    quote = ts.create_type("webanno.custom.Quote", "uima.tcas.Annotation")
    ts.create_feature(quote, "kind", "uima.cas.String")
    speaker = ts.create_type("webanno.custom.Speaker", "uima.tcas.Annotation")
    said = ts.create_type("webanno.custom.SaidBy", "uima.tcas.Annotation")
    ts.create_feature(said, "Governor", "uima.tcas.Annotation")
    ts.create_feature(said, "Dependent", "uima.tcas.Annotation")
    ne = ts.get_type("de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity")
    out = tmp_path / "inception-export.zip"
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("TypeSystem.xml", ts.to_xml())
        for name, text in (("kirkuk.xmi", EN), ("arabic.xmi", AR)):
            cas = cassis.Cas(typesystem=ts)
            cas.sofa_string = text
            if text == EN:
                a, b = _find(EN, '"We will not leave,"')
                c, d = _find(EN, "the governor")
                content = quote(begin=a, end=b, kind="CONTENT")
                source = speaker(begin=c, end=d)
                cas.add_all([content, source, ne(begin=_find(EN, "Kirkuk")[0],
                                                 end=_find(EN, "Kirkuk")[1], value="LOC-GPE"),
                             said(begin=c, end=d, Governor=content, Dependent=source)])
            else:
                s, e = _find(AR, "كركوك")
                cas.add(ne(begin=s, end=e, value="LOC-GPE"))
            zf.writestr(name, cas.to_xmi())
    return out


def test_inception_zip_with_custom_layers_and_map(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = _inception_zip(tmp_path)
    root = _new(tmp_path, "p")
    assert _cli(root, "import", str(path), "--annotator", "sara") == 1
    err = capsys.readouterr().err
    assert "'LOC-GPE'" in err and "'Speaker'" in err and "--map" in err
    assert _cli(root, "import", str(path), "--annotator", "sara", "--map", "LOC-GPE=GPE",
                "--map", "Speaker=SOURCE", "--map", "SaidBy=source") == 0
    assert "read as UIMA CAS XMI" in capsys.readouterr().out
    got = _spans(root, tmp_path)
    assert ("sara", "todo", "GPE", "Kirkuk") in got and ("sara", "todo", "GPE", "كركوك") in got
    assert ("sara", "todo", "CONTENT", '"We will not leave,"') in got
    assert ("sara", "todo", "SOURCE", "the governor") in got
    assert ("sara", "link", "source", "CONTENT") in got


# ----------------------------------------------------------------------------- registry
def test_cli_and_readme_list_every_format_of_the_table(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    shown = capsys.readouterr().out
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    moving = readme.split("## Moving in and out", 1)[1].split("\n## ", 1)[0]
    for fmt in TABLE:
        if fmt.exports:
            assert f"  {fmt.name} " in shown
            assert f"copydesk export {fmt.name} " in moving, fmt.name
        if fmt.imports:
            assert fmt.title in moving, fmt.title
    assert export_names()[:5] == ("jsonl", "spacy", "brat", "conll", "hf")


def test_an_unknown_file_names_the_formats_we_read(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    odd = tmp_path / "notes.csv"
    odd.write_text("a,b\n", encoding="utf-8")
    root = _new(tmp_path, "p")
    assert _cli(root, "import", str(odd)) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Label Studio JSON" in err and "doccano JSONL" in err


def test_readme_moving_commands_run_as_written(source: Path, tmp_path: Path) -> None:
    """The README's "Moving in and out" block, run by a shell from a project named
    myproject, every line succeeding."""
    import os
    import shutil
    import subprocess
    import sys

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    moving = readme.split("## Moving in and out", 1)[1]
    block = moving.split("```sh\n", 1)[1].split("```", 1)[0]
    shutil.copytree(source, tmp_path / "myproject")
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
           "COPYDESK_ANNOTATOR": "tester"}
    done = subprocess.run(["bash", "-e", "-c", "cd myproject\n" + block], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("read as ") == 4
    with Project.open(tmp_path / "newdesk") as project:
        assert project.store.document_count() == 2


def test_unknown_brat_type_hint_names_what_works(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("The minister said no.", encoding="utf-8")
    (folder / "a.ann").write_text("T1\tAttribution-no-source 13 17\tsaid\n", encoding="utf-8")
    root = _new(tmp_path, "p")
    assert _cli(root, "import", str(folder)) == 1
    err = capsys.readouterr().err
    assert "--map Attribution-no-source=Attribution " in err and "--skip-invalid" in err


# ----------------------------------------------------------------------------- lenient import
def _half_broken(tmp_path: Path) -> Path:
    good = _source_lines()[0]
    broken = json.loads(json.dumps(good))
    broken["spans"][1]["text"] = "Mosul"  # says Mosul, the text there is Kirkuk
    return _write_jsonl(tmp_path / "half.jsonl", [broken, _source_lines()[3]])


def test_strict_import_refuses_the_file_and_names_skip_invalid(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _half_broken(tmp_path)
    root = _new(tmp_path, "p")
    assert _cli(root, "import", str(path)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{path}:1:" in err[0] and "--skip-invalid" in err[0]
    with Project.open(root) as project:
        assert project.store.document_count() == 0


def test_skip_invalid_keeps_every_valid_annotation(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = _half_broken(tmp_path)
    root = _new(tmp_path, "p")
    assert _cli(root, "import", str(path), "--skip-invalid") == 0
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert err[0].startswith(f"{path}:1: line 1: span GPE") and "Mosul" in err[0]
    # the Place argument pointed at the skipped span: it goes too, and says why
    assert err[1].startswith(f"{path}:1: line 1: relation Place") and "skipped" in err[1]
    assert err[-1] == "copydesk: skipped 2 invalid annotations in 1 file"
    got = _spans(root, tmp_path)
    assert ("alice", "done", "Conflict.Attack", "attacked") in got
    assert ("alice", "link", "source", "CONTENT") in got
    assert ("alice", "done", "GPE", "كركوك") in got
    assert not any(label == "GPE" and text == "Kirkuk" for _, _, label, text in got)


# ----------------------------------------------------------------------------- hostile JSONL
@pytest.mark.parametrize("line, why", [
    ('{"text": "a", "meta": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}}", "nested too deep"),
    ('{"text": "a", "meta": {"n": ' + "7" * 5001 + "}}", "too long"),
    ('{"text": "a \\ud800 b"}', "surrogate"),
])
def test_hostile_jsonl_is_one_line_with_its_place(tmp_path: Path, line: str, why: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "hostile.jsonl"
    path.write_text('{"text": "A fine first line."}\n' + line + "\n", encoding="utf-8")
    root = _new(tmp_path, "p")
    assert _cli(root, "import", str(path)) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"{path}:2:" in err and why in err
    assert "Traceback" not in err and "set_int_max_str_digits" not in err
    with Project.open(root) as project:
        assert project.store.document_count() == 0


def test_a_big_jsonl_goes_in_batches_and_a_late_error_writes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past BIG_DOCS documents a JSONL file is streamed: a first pass checks every line, the
    second writes batch by batch; an error on the last line still leaves nothing written."""
    from copydesk.exports import importing
    from copydesk.exports.formats import jsonl as jsonl_format

    monkeypatch.setattr(importing, "BIG_DOCS", 3)
    monkeypatch.setattr(jsonl_format, "BATCH_DOCS", 2)
    lines = [{"text": f"Report {n} from Kirkuk.", "meta": {"annotator": "wire"},
              "spans": [{"start": len(f"Report {n} from "), "end": len(f"Report {n} from ") + 6,
                         "label": "GPE"}]} for n in range(9)]
    bad = [*lines, {"text": "Last one.", "spans": [{"start": 0, "end": 99, "label": "GPE"}]}]
    root = _new(tmp_path, "p")
    with Project.open(root) as project:
        report = importing.import_annotated(project.store, project.schema,
                                            [_write_jsonl(tmp_path / "bad.jsonl", bad)])
        assert [(r.line, "outside" in r.reason or "past" in r.reason or "end" in r.reason)
                for r in report.rejected] == [(10, True)]
        assert project.store.document_count() == 0
        report = importing.import_annotated(project.store, project.schema,
                                            [_write_jsonl(tmp_path / "ok.jsonl", lines)])
        assert (report.imported, report.spans, report.rejected) == (9, 9, [])
        assert project.store.document_count() == 9


@pytest.mark.parametrize("name, content, place", [
    ("ls.json", b'[{"id": 1, "annotations": [], "data": {"text": "A"}}, {"data": 5}]',
     "task 2"),
    ("ls2.json", b'[{"annotations": [], "data": {"text": "A"}},\n  {"data": {"text": "B"', ":2:"),
    ("d.jsonl", b'{"text": "Kirkuk.", "label": [[0, 6, "GPE"]]}\n{"text": "x", "label": [[0]]}',
     ":2:"),
])
def test_each_broken_foreign_file_is_one_line_with_its_place(
        tmp_path: Path, name: str, content: bytes, place: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    root = _new(tmp_path, "p")
    assert _cli(root, "import", str(path)) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(path) in err and place in err, err
    with Project.open(root) as project:
        assert project.store.document_count() == 0


def test_a_broken_xmi_in_a_zip_is_one_line_naming_it(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    good = _inception_zip(tmp_path)
    bad = tmp_path / "broken.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            dst.writestr(item, data[: len(data) // 2] if item == "kirkuk.xmi" else data)
    root = _new(tmp_path, "p")
    assert _cli(root, "import", str(bad), "--map", "LOC-GPE=GPE") == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "broken.zip" in err and "kirkuk.xmi" in err
    with Project.open(root) as project:
        assert project.store.document_count() == 0


def test_skip_invalid_skips_an_unknown_label_with_its_hint(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s, e = _find(AR, "كركوك")
    path = _write_jsonl(tmp_path / "d.jsonl", [
        {"text": AR, "label": [[s, e, "GPE"], [0, 3, "Speaker"]]}])
    root = _new(tmp_path, "p")
    assert _cli(root, "import", str(path), "--skip-invalid", "--annotator", "maria") == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith(f"{path}:1: unknown label 'Speaker'") and "--map Speaker=" in err[0]
    assert err[-1] == "copydesk: skipped 1 invalid annotation in 1 file"
    assert [x[2:] for x in _spans(root, tmp_path)] == [("GPE", "كركوك")]
