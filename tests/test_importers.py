"""Importers: exact text, duplicates by content hash, and clear refusals that write nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ARTICLE_TITLE

from copydesk.projects.importers import content_hash, import_paths
from copydesk.projects.project import Project


def test_sample_article_is_stored_byte_exact(project: Project, sample_path: Path) -> None:
    report = import_paths(project.store, [sample_path])
    assert (report.imported, report.duplicates, report.rejected) == (1, 0, [])
    doc = project.store.document(report.document_ids[0])
    assert doc.text.encode("utf-8") == sample_path.read_bytes()
    assert doc.title == ARTICLE_TITLE
    assert doc.content_hash == content_hash(doc.text)


def test_the_real_sample_article_is_stored_byte_exact(project: Project,
                                                      real_sample_path: Path) -> None:
    """Optional: the real article in ../shared/samples (skipped from a bare clone)."""
    report = import_paths(project.store, [real_sample_path])
    doc = project.store.document(report.document_ids[0])
    assert doc.text.encode("utf-8") == real_sample_path.read_bytes()
    assert doc.title == doc.text.splitlines()[0]


def test_reimport_is_skipped_as_duplicate(project: Project, sample_path: Path) -> None:
    import_paths(project.store, [sample_path])
    again = import_paths(project.store, [sample_path])
    assert (again.imported, again.duplicates) == (0, 1)
    assert project.store.document_count() == 1


def test_line_endings_and_odd_spaces_are_kept(project: Project, tmp_path: Path) -> None:
    raw = "Title\r\n\r\nA\u00a0non-breaking\u202fspace\rlone CR\u2028line sep\n".encode()
    path = tmp_path / "crlf.txt"
    path.write_bytes(raw)
    report = import_paths(project.store, [path])
    assert project.store.document(report.document_ids[0]).text.encode() == raw


def test_bom_is_dropped_but_nothing_else(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfHello\r\n")
    report = import_paths(project.store, [path])
    assert project.store.document(report.document_ids[0]).text == "Hello\r\n"


def test_folder_recursive_markdown_title_and_skips(project: Project, tmp_path: Path) -> None:
    (tmp_path / "in" / "deep").mkdir(parents=True)
    (tmp_path / "in" / "a.txt").write_text("First piece\nbody", encoding="utf-8")
    (tmp_path / "in" / "deep" / "b.md").write_text("intro\n# The headline\nbody",
                                                   encoding="utf-8")
    (tmp_path / "in" / "deep" / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "in" / ".hidden").mkdir()
    (tmp_path / "in" / ".hidden" / "c.txt").write_text("secret", encoding="utf-8")
    report = import_paths(project.store, [tmp_path / "in"])
    assert (report.imported, report.rejected) == (2, [])
    titles = sorted(r.title for r in project.store.queue("x"))
    assert titles == ["First piece", "The headline"]


def test_jsonl_ids_titles_meta(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    lines = [
        {"text": "One.\n", "id": "wire-1", "title": "One", "meta": {"source": "wire"}},
        {"text": "Two.", "id": 2},
        {"text": "One.\n"},  # duplicate within the file
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n", encoding="utf-8")
    report = import_paths(project.store, [path])
    assert (report.imported, report.duplicates) == (2, 1)
    docs = [project.store.document(i) for i in report.document_ids]
    assert [(d.external_id, d.title) for d in docs] == [("wire-1", "One"), ("2", "Two.")]
    assert json.loads(docs[0].meta) == {"source": "wire"}


def test_malformed_jsonl_rejects_the_whole_file_naming_the_line(project: Project,
                                                                 tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "fine"}\n{"text": "also fine"}\n{"text": oops}\n',
                    encoding="utf-8")
    report = import_paths(project.store, [path])
    assert report.imported == 0
    [rejected] = report.rejected
    assert rejected.line == 3 and "malformed JSON" in rejected.reason
    assert str(rejected).startswith(f"{path}:3: ")
    assert project.store.document_count() == 0


def test_jsonl_shape_errors(project: Project, tmp_path: Path) -> None:
    cases = {
        "list.jsonl": ("[1, 2]\n", "JSON object"),
        "notext.jsonl": ('{"title": "x"}\n', 'missing "text"'),
        "meta.jsonl": ('{"text": "x", "meta": [1]}\n', '"meta" must be'),
        "empty.jsonl": ("\n\n", "empty file"),
    }
    for name, (body, _) in cases.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    report = import_paths(project.store, [tmp_path / n for n in cases])
    reasons = {Path(r.path).name: r.reason for r in report.rejected}
    for name, (_, expected) in cases.items():
        assert expected in reasons[name]


def test_bad_files_are_named_and_the_good_ones_still_come_in(project: Project,
                                                              tmp_path: Path) -> None:
    (tmp_path / "cp1256.txt").write_bytes("مرحبا\n".encode("cp1256"))
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text(" \n\t\n", encoding="utf-8")
    (tmp_path / "notes.docx").write_bytes(b"PK")
    (tmp_path / "good.txt").write_text("A real article.", encoding="utf-8")
    names = ["cp1256.txt", "empty.txt", "blank.txt", "notes.docx", "missing.txt", "good.txt"]
    report = import_paths(project.store, [tmp_path / n for n in names])
    assert report.imported == 1
    reasons = {Path(r.path).name: r.reason for r in report.rejected}
    assert "not UTF-8" in reasons["cp1256.txt"]
    assert "empty file" in reasons["empty.txt"] and "empty file" in reasons["blank.txt"]
    assert "unsupported file type" in reasons["notes.docx"]
    assert "no such file" in reasons["missing.txt"]


@pytest.mark.parametrize(("text", "codec", "suggested"), [
    ("Le café de São Paulo a reçu une délégation; naïve résumé, crème brûlée.\n",
     "latin-1", "CP1252"),
    ("Der Bürgermeister äußerte sich über die Straße.\n", "latin-1", "CP1252"),
    ("قال المتحدث باسم الشرطة إن الطريق إلى كركوك مغلق منذ الصباح.\n", "cp1256", "CP1256"),
])
def test_a_file_that_is_not_utf8_gets_the_detected_encoding_suggested(
        project: Project, tmp_path: Path, text: str, codec: str, suggested: str) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes(text.encode(codec))
    [rejected] = import_paths(project.store, [path]).rejected
    assert f"iconv -f {suggested} -t UTF-8" in rejected.reason
    assert "\n" not in rejected.reason
