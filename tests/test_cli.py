"""The command line end to end on a temporary project: exit codes and one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from copydesk.projects.project import Project
from copydesk.tui.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_import_stats(tmp_path: Path, capsys, sample_path: Path, monkeypatch) -> None:
    proj = tmp_path / "proj"
    code, out, _ = run(capsys, "init", str(proj))
    assert code == 0 and "created project 'proj'" in out
    assert (proj / "copydesk.yaml").is_file() and (proj / "copydesk.db").is_file()
    assert (proj / "schema.yaml").read_text() == Path("schema/newsroom.yaml").read_text()

    code, out, _ = run(capsys, "import", str(sample_path), "-p", str(proj))
    assert code == 0 and "imported 1, skipped as duplicate 0, rejected 0" in out

    # -p defaults to the nearest project folder upward
    (proj / "sub" / "dir").mkdir(parents=True)
    monkeypatch.chdir(proj / "sub" / "dir")
    code, out, _ = run(capsys, "import", str(sample_path))
    assert code == 0 and "imported 0, skipped as duplicate 1" in out

    from copydesk.projects.project import Project
    with Project.open(proj) as project:
        [doc] = project.store.document_ids()
        text = project.store.document(doc).text
        start = text.index("Darya Barzinji")
        project.store.add_span(doc, "tester", "PERSON", start, start + len("Darya Barzinji"))
        project.store.set_status(doc, "tester", "done")
    code, out, _ = run(capsys, "stats")
    assert code == 0
    assert "1 documents" in out
    lines = out.splitlines()
    tester = next(line for line in lines if line.startswith("tester"))
    assert tester.split() == ["tester", "0", "0", "1", "0", "0"]
    assert any(line.split() == ["entity", "PERSON", "1"] for line in lines)


def test_init_refuses_existing_project_and_bad_schema(tmp_path: Path, capsys) -> None:
    assert run(capsys, "init", str(tmp_path / "p"))[0] == 0
    code, _, err = run(capsys, "init", str(tmp_path / "p"))
    assert code == 1 and "already here" in err and err.count("\n") == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nversion: 1\nentities:\n  PER:\n    colour: red\n")
    code, _, err = run(capsys, "init", str(tmp_path / "q"), "--schema", str(bad))
    assert code == 1 and f"{bad}:5:" in err
    assert not (tmp_path / "q").exists()  # nothing half made


def test_schema_check_lists_every_problem_with_lines(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\nversion: 1\nentities:\n  PER:\n    color: '#zzz'\n"
        "  ORG:\n    color: red\n    hotkye: o\n"
    )
    code, _, err = run(capsys, "schema", "check", str(bad))
    assert code == 1
    assert f"{bad}:5:" in err and f"{bad}:8:" in err and "did you mean 'hotkey'" in err
    code, out, _ = run(capsys, "schema", "check", "schema/newsroom.yaml")
    assert code == 0 and out.strip() == "schema/newsroom.yaml: ok"


def test_import_errors_are_one_line_each_and_exit_nonzero(tmp_path: Path, capsys) -> None:
    run(capsys, "init", str(tmp_path / "p"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{broken\n')
    code, out, err = run(capsys, "import", str(bad), str(tmp_path / "nope.txt"),
                         "-p", str(tmp_path / "p"))
    assert code == 1
    assert f"rejected {bad}:2: malformed JSON" in err
    assert "nope.txt: no such file" in err
    assert "imported 0, skipped as duplicate 0, rejected 2" in out
    assert "Traceback" not in err


def test_no_project_is_a_clear_error(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "stats")
    assert code == 1 and "no copydesk.yaml" in err and "copydesk init" in err


def test_broken_project_config_names_the_line(tmp_path: Path, capsys) -> None:
    run(capsys, "init", str(tmp_path / "p"))
    (tmp_path / "p" / "copydesk.yaml").write_text("name: p\nschema: [unclosed\n")
    code, _, err = run(capsys, "stats", "-p", str(tmp_path / "p"))
    assert code == 1 and "copydesk.yaml:" in err and "Traceback" not in err


def test_installed_entry_point_runs(tmp_path: Path) -> None:
    exe = shutil.which("copydesk", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("copydesk is not installed in this environment")
    env = {**os.environ, "COPYDESK_ANNOTATOR": "tester"}
    done = subprocess.run([exe, "demo", "--no-tui", "--dir", str(tmp_path / "demo")],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    stats = subprocess.run([exe, "stats", "-p", str(tmp_path / "demo")], capture_output=True,
                           text=True, env=env, timeout=120)
    assert stats.returncode == 0 and "4 documents" in stats.stdout


def test_readme_starts_with_the_two_commands_and_ci_runs_the_second() -> None:
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text().splitlines()
    assert readme[0] == "```sh" and readme[3] == "```"
    run_cmd, test_cmd = readme[1], readme[2]
    assert "copydesk demo" in run_cmd and "pytest" in test_cmd
    assert test_cmd in (root / ".ci" / "run").read_text()
    json.dumps(readme)  # plain text, nothing exotic


def test_demo_reuses_one_folder_and_says_where(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    assert main(["demo", "--no-tui"]) == 0
    first = Path(capsys.readouterr().out.strip())
    assert first == tmp_path / "cache" / "copydesk" / "demo"
    with Project.open(first) as project:
        doc = project.store.document_ids()[0]
        project.store.set_status(doc, "tester", "done")
    assert main(["demo", "--no-tui"]) == 0
    assert Path(capsys.readouterr().out.strip()) == first  # the same folder, work kept
    with Project.open(first) as project:
        assert project.store.annotation_set(doc, "tester").status == "done"
    assert main(["demo", "--no-tui", "--fresh"]) == 0
    with Project.open(first) as project:
        assert project.store.annotation_set(doc, "tester") is None
        assert project.store.document_count() == 4
    assert list((tmp_path / "tmp").iterdir()) == []  # no copydesk-demo-* left per run


def test_export_says_how_many_sets_its_status_filter_left_out(tmp_path: Path, capsys) -> None:
    """Issue 25: a plain export where nothing is done wrote 0 documents without a word."""
    from copydesk.projects.project import Project

    root = tmp_path / "p"
    assert main(["init", str(root)]) == 0
    article = tmp_path / "a.txt"
    article.write_text("Leyla Aziz met the Harbour Board in Valmora.\n", encoding="utf-8")
    assert main(["import", str(article), "-p", str(root)]) == 0
    with Project.open(root) as project:
        project.store.add_span(1, "ann", "PERSON", 0, 10)
        project.store.add_span(1, "bob", "GPE", 36, 43)
        project.store.set_status(1, "bob", "flagged")
    capsys.readouterr()
    assert main(["export", "jsonl", str(tmp_path / "out.jsonl"), "-p", str(root)]) == 0
    err = capsys.readouterr().err
    assert ("2 annotation sets left out because --status is done (1 flagged, 1 in_progress); "
            "--status all includes them") in err
    assert main(["export", "jsonl", str(tmp_path / "all.jsonl"), "-p", str(root),
                 "--status", "all"]) == 0
    assert "left out" not in capsys.readouterr().err
    assert main(["export", "jsonl", str(tmp_path / "bob.jsonl"), "-p", str(root),
                 "--status", "flagged", "--annotator", "bob"]) == 0
    assert "left out" not in capsys.readouterr().err  # ann's set was not asked for
