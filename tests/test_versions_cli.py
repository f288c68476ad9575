"""`copydesk import --update` and `copydesk show DOC --versions` on text files, JSONL and brat."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import find

from copydesk.projects.project import Project
from copydesk.tui.cli.main import main

DATA = Path(__file__).parent / "data"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def proj(tmp_path: Path, capsys) -> Path:
    folder = tmp_path / "proj"
    assert run(capsys, "init", str(folder))[0] == 0
    return folder


def test_update_text_files_new_version_unchanged_and_summary(proj: Path, tmp_path: Path,
                                                             capsys) -> None:
    src = tmp_path / "articles"
    shutil.copytree(DATA / "versions", src)
    assert run(capsys, "import", str(src), "-p", str(proj))[0] == 0
    with Project.open(proj) as project:
        ids = {project.store.document(d).external_id: d for d in project.store.document_ids()}
        ar = (src / "ar.txt").read_text(encoding="utf-8")
        project.store.add_span(ids["ar"], "tester", "PERSON", *find(ar, "مرتا أويلاران"))
        project.store.add_span(ids["ar"], "tester", "GPE", *find(ar, "تارفيل"))
    # the Arabic article gets a corrected name, the others stay as they were
    (src / "ar.txt").write_text(ar.replace("أويلاران", "أويلارن"), encoding="utf-8")
    code, out, err = run(capsys, "import", "--update", str(src), "-p", str(proj))
    assert code == 0, err
    assert "ar: version 2; 2 span(s) in 1 set(s): 0 moved, 1 need review (1 edited, 0 removed)" \
        in out
    assert "en: unchanged (version 1)" in out and "ckb: unchanged (version 1)" in out
    assert "updated 1, unchanged 2, new 0, rejected 0" in out
    # again: nothing changes
    code, out, _ = run(capsys, "import", "--update", str(src / "ar.txt"), "-p", str(proj))
    assert "ar: unchanged (version 2)" in out
    code, out, _ = run(capsys, "show", "ar", "--versions", "-p", str(proj))
    assert code == 0
    assert "version 1" in out and "version 2" in out and "(current)" in out
    assert "1 needing review" in out and "was 'مرتا أويلاران'" in out
    assert any(line.strip().startswith("+") and "أويلارن" in line for line in out.splitlines())


def test_update_jsonl_by_id_and_reject_what_it_cannot(proj: Path, tmp_path: Path,
                                                      capsys) -> None:
    ckb = (DATA / "versions" / "ckb.txt").read_text(encoding="utf-8")
    first = tmp_path / "a.jsonl"
    first.write_text(json.dumps({"id": "k1", "text": ckb}, ensure_ascii=False) + "\n",
                     encoding="utf-8")
    assert run(capsys, "import", str(first), "-p", str(proj))[0] == 0
    with Project.open(proj) as project:
        [doc] = project.store.document_ids()
        project.store.add_span(doc, "tester", "PERSON", *find(ckb, "پاڤێل سترونین"))
    last = "پارێزگار پاڤێل سترونین بەڵێنی دا تا مانگی ئازار چاکیان بکاتەوە.\n"
    second = tmp_path / "b.jsonl"
    second.write_text("\n".join([
        json.dumps({"id": "k1", "text": ckb.replace(last, "")}, ensure_ascii=False),
        json.dumps({"text": "no id here"}),
        json.dumps({"id": "k2", "text": "A new story about Tarvel.",
                    "spans": [{"start": 21, "end": 27, "label": "GPE"}]}),
    ]) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "import", "--update", str(second), "-p", str(proj))
    assert code == 1
    assert f"{second}:2: no \"id\"" in err
    assert f"note: {second}:3: spans not read" in err
    assert "k1: version 2; 1 span(s) in 1 set(s): 0 moved, 1 need review (0 edited, 1 removed)" \
        in out
    assert "updated 1, unchanged 0, new 1, rejected 1" in out
    with Project.open(proj) as project:
        [span] = project.store.spans(doc, "tester")
        assert span.needs_review and span.review_old_text == "پاڤێل سترونین"


def test_update_brat_text_by_file_stem_keeps_its_attributions(proj: Path, tmp_path: Path,
                                                              capsys) -> None:
    src = tmp_path / "brat"
    shutil.copytree(DATA / "parc-style", src)
    code, _, err = run(capsys, "import", str(src), "-p", str(proj), "--annotator", "ann",
                       "--map", "Source=SOURCE", "--map", "Cue=CUE", "--map", "Content=CONTENT",
                       "--map", "Person=PERSON", "--map", "Organization=ORG",
                       "--drop", "Sentiment")
    assert code == 0, err
    with Project.open(proj) as project:
        ids = {project.store.document(d).external_id: d for d in project.store.document_ids()}
        before = [(s.id, s.label, s.text) for s in project.store.spans(ids["flood"], "ann")]
        links = {(lk.head_id, lk.tail_id, lk.role)
                 for lk in project.store.links(ids["flood"], "ann")}
    assert before and links
    # bytes as they are: the file has CRLF line ends, which the update must keep
    text = (src / "flood.txt").read_bytes().decode("utf-8")
    (src / "flood.txt").write_bytes(("UPDATED with new figures.\r\n\r\n" + text).encode())
    code, out, err = run(capsys, "import", "--update", str(src), "-p", str(proj))
    assert code == 0, err
    assert f"flood: version 2; {len(before)} span(s) in 1 set(s): {len(before)} moved, 0 need" \
        in out
    with Project.open(proj) as project:
        after = [(s.id, s.label, s.text) for s in project.store.spans(ids["flood"], "ann")]
        assert after == before
        assert {(lk.head_id, lk.tail_id, lk.role)
                for lk in project.store.links(ids["flood"], "ann")} == links


def test_update_refuses_import_only_options(proj: Path, tmp_path: Path, capsys) -> None:
    src = tmp_path / "x.txt"
    src.write_text("Some text.", encoding="utf-8")
    code, _, err = run(capsys, "import", "--update", str(src), "--annotator", "bob", "-p",
                       str(proj))
    assert code == 1 and "do not apply" in err and err[-1] == "\n" and err.count("\n") == 1


def test_plain_import_of_an_earlier_text_is_no_new_document(proj: Path, tmp_path: Path,
                                                           capsys) -> None:
    src = tmp_path / "en.txt"
    original = (DATA / "versions" / "en.txt").read_text(encoding="utf-8")
    src.write_text(original, encoding="utf-8")
    assert run(capsys, "import", str(src), "-p", str(proj))[0] == 0
    src.write_text(original.replace("340", "430"), encoding="utf-8")
    assert run(capsys, "import", "--update", str(src), "-p", str(proj))[0] == 0
    # the original file again, by plain import: it is that document (an older text of it)
    src.write_text(original, encoding="utf-8")
    code, out, _ = run(capsys, "import", str(src), "-p", str(proj))
    assert code == 0 and "imported 0" in out
    # with annotations in it, they belong to the old text: refused in one line, nothing written
    jsonl = tmp_path / "old.jsonl"
    start, end = find(original, "Tarvel")
    jsonl.write_text(json.dumps({"id": "en", "text": original, "spans": [
        {"start": start, "end": end, "label": "GPE"}]}) + "\n", encoding="utf-8")
    code, _, err = run(capsys, "import", str(jsonl), "-p", str(proj))
    assert code == 1 and "earlier text of document 1" in err
    with Project.open(proj) as project:
        assert project.store.document_ids() == [1]
        assert project.store.annotators(1) == []


def test_hostile_text_in_show_versions_and_a_malformed_update_line(proj: Path, tmp_path: Path,
                                                                   capsys) -> None:
    import re

    unsafe = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                        "\u2066-\u2069\u2028\u2029]")
    first = tmp_path / "feed.jsonl"
    text = "Officials in Valmora said \x1b]0;pwned\x07 the road was open.\n"
    first.write_text(json.dumps({"id": "h\x1b[2J1", "title": "t\u202eitle", "text": text})
                     + "\n", encoding="utf-8")
    assert run(capsys, "import", str(first), "-p", str(proj))[0] == 0
    update = tmp_path / "update.jsonl"
    update.write_text(json.dumps({"id": "h\x1b[2J1", "text": text.replace(
        "open", "closed \x1b[31mred\x1b[0m")}) + "\n" + "{not json\n", encoding="utf-8")
    code, out, err = run(capsys, "import", "--update", str(update), "-p", str(proj))
    # the malformed line rejects that file in one line naming it; nothing was updated
    assert code == 1 and f"{update}:2: malformed JSON" in err
    assert "updated 0" in out
    update.write_text(update.read_text(encoding="utf-8").split("\n")[0] + "\n",
                      encoding="utf-8")
    code, out, err = run(capsys, "import", "--update", str(update), "-p", str(proj))
    assert code == 0, err
    code, shown, err = run(capsys, "show", "1", "--versions", "-p", str(proj))
    assert code == 0 and "version 2" in shown and "closed" in shown
    for stream in (out, shown, err):
        assert unsafe.findall(stream) == []
    code, _, err = run(capsys, "show", "nope", "-p", str(proj))
    assert code == 1 and err.count("\n") == 1 and "no document" in err
