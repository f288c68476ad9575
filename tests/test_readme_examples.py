"""Every example of the README runs as written (issue 25: the keymap example was refused).

Each ``copydesk ...`` line of its ``sh`` blocks is parsed by the real command line, and every
one that needs no terminal UI, no PostgreSQL server and no model training runs, in README order,
on a scratch project holding the files the examples name. The ``yaml`` settings blocks go into
that project's ``copydesk.yaml`` and must pass ``copydesk schema check`` (which, like
``copydesk annotate``, refuses a keymap clash).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml
from readme_examples import README, blocks, copydesk_commands
from tmux import REPO

from copydesk.schema import default_schema_path
from copydesk.tui.cli.main import build_parser, main

# What is not run here, and where it is proved instead.
NOT_RUN = {
    ("demo",): "the TUI (tests/test_e2e_tmux.py runs it in tmux)",
    ("annotate",): "the TUI (tests/test_e2e_*.py)",
    ("review",): "the TUI (tests/test_adjudicate.py)",
    ("dashboard",): "the TUI (tests/test_dashboard_screen.py, tests/test_dashboard_tmux.py)",
    ("train",): "trains a spaCy model: minutes (tests/test_suggest_model.py)",
    ("suggest", "--model"): "needs the trained model of `train`",
    ("evaluate", "--brat"): "needs a brat corpus holding gold and a `rules` response "
                            "(parsed here only)",
    ("init", "news", "--database"): "needs a PostgreSQL server (tests/test_postgres.py)",
    ("team",): "needs a PostgreSQL server (tests/test_postgres.py)",
    ("stats", "-p", "/tmp/wire"): "the generated project of benchmarks/bench_dashboard.py "
                                  "(tests/test_lead_reports.py writes and parses the SVG)",
}

# README placeholders, and what stands in for them on the scratch project.
PLACEHOLDERS = {"DOC": "1"}

ARTICLE = ("Flooding closed the Valmora road on Tuesday, officials said. \"We will reopen it "
           "by Friday,\" said Leyla Aziz, the Harbour Board's engineer.\n")


def not_run(argv: list[str]) -> str | None:
    for prefix, why in NOT_RUN.items():
        if tuple(argv[1:1 + len(prefix)]) == prefix:
            return why
        if len(prefix) == 2 and argv[1] == prefix[0] and prefix[1] in argv:
            return why
    return None


def test_the_readme_has_examples_to_run() -> None:
    commands = copydesk_commands()
    assert len(commands) >= 20 and blocks("yaml")
    assert any(c[1] == "export" for c in commands)


@pytest.mark.parametrize("argv", copydesk_commands(), ids=lambda a: " ".join(a[1:4]))
def test_every_readme_command_line_is_accepted_by_the_parser(argv: list[str]) -> None:
    try:
        build_parser().parse_args(argv[1:])
    except SystemExit as exc:  # argparse: an unknown command or flag
        pytest.fail(f"README: {' '.join(argv)} is refused by the parser (exit {exc.code})")


def scratch_files(home: Path, here: Path) -> None:
    """The files the README's examples name, in the folders the examples run from."""
    (home / "articles").mkdir(parents=True)
    (home / "articles" / "floods.txt").write_text(ARTICLE, encoding="utf-8")
    (home / "corrected").mkdir()  # `import --update`: the same article, corrected
    (home / "corrected" / "floods.txt").write_text(ARTICLE.replace("Friday", "Saturday"),
                                                   encoding="utf-8")
    (here / "tests").symlink_to(REPO / "tests")  # examples that name the repository's files
    with (here / "feed.jsonl").open("w", encoding="utf-8") as out:
        out.write(json.dumps({"text": "The Harbour Board met in Saltmere on Monday.",
                              "meta": {"id": "feed-1"}}) + "\n")
        out.write(json.dumps({"text": '"The port stays shut," said Omar Haddad on Monday.',
                              "meta": {"id": "feed-2"}}) + "\n")
    schema_text = default_schema_path().read_text(encoding="utf-8")
    (here / "my.yaml").write_text(schema_text, encoding="utf-8")
    (here / "new.yaml").write_text(schema_text.replace('version: "1.0"', 'version: "1.1"'),
                                   encoding="utf-8")
    (here / "places.txt").write_text("Valmora\nSaltmere\n", encoding="utf-8")
    (here / "rules.jsonl").write_text(json.dumps({"label": "ORG", "pattern": "Harbour Board"})
                                      + "\n", encoding="utf-8")
    parc = here / "parc"
    parc.mkdir()
    text = "Leyla Aziz said the road is open.\n"
    (parc / "a1.txt").write_text(text, encoding="utf-8")
    (parc / "a1.ann").write_text(
        "T1\tPerson 0 10\tLeyla Aziz\nT2\tSource 0 10\tLeyla Aziz\nT3\tCue 11 15\tsaid\n"
        "T4\tContent 16 32\tthe road is open\nT5\tSentiment 16 24\tthe road\n"
        "T6\tAttribution 11 15\tsaid\nE1\tAttribution:T6 Source:T2 Cue:T3 Content:T4\n",
        encoding="utf-8")


def review_as_a_reviewer_would(root: Path) -> None:
    """What `copydesk review` leaves behind: an annotator's finished set accepted into gold."""
    from copydesk.projects.adjudicate import accept, candidates
    from copydesk.projects.project import Project

    with Project.open(root) as project:
        store = project.store
        doc = next(d for d in map(store.document, store.document_ids()) if "Valmora" in d.text)
        for label, needle in (("GPE", "Valmora"), ("PERSON", "Leyla Aziz")):
            start = doc.text.index(needle)
            store.add_span(doc.id, "leyla", label, start, start + len(needle))
        store.set_status(doc.id, "leyla", "done")
        for candidate in candidates(store, doc.id).candidates:
            accept(store, doc.id, "rita", candidate)


def test_every_readme_command_runs_as_written_on_a_scratch_project(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("COPYDESK_ANNOTATOR", "readme")
    top = tmp_path / "work"
    top.mkdir()
    monkeypatch.chdir(top)
    project = top / "myproject"
    ran: list[str] = []
    for argv in copydesk_commands():
        if argv[1:] == ["review"]:
            review_as_a_reviewer_would(project)  # the TUI's result, for `evaluate --against`
        if not_run(argv):
            continue
        args = [PLACEHOLDERS.get(a, os.path.expanduser(a)) for a in argv[1:]]
        if args[:2] == ["init", "myproject"]:
            if project.exists():  # the README's alternative: `init` with your own schema
                other = tmp_path / "alt"
                other.mkdir()
                shutil.copy(default_schema_path(), other / "my.yaml")
                monkeypatch.chdir(other)
                assert main(args) == 0, argv
                monkeypatch.chdir(project)
                continue
            assert main(args) == 0, argv
            monkeypatch.chdir(project)  # the README's `cd myproject`
            scratch_files(home, project)
            continue
        code = main(args)
        assert code == 0, f"README example failed (exit {code}): {' '.join(argv)}"
        ran.append(" ".join(argv))
    assert any(r.startswith("copydesk export brat corrected/") for r in ran)
    assert any(r.startswith("copydesk import parc/") for r in ran)


def test_the_readme_settings_block_passes_the_keymap_check(tmp_path: Path) -> None:
    """The README's keymap example gave `l` (LOC's hotkey) to next word and was refused."""
    root = tmp_path / "p"
    assert main(["init", str(root)]) == 0
    config = root / "copydesk.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    shown = [yaml.safe_load(b) for b in blocks("yaml")]
    settings = [b["settings"] for b in shown if isinstance(b, dict) and "settings" in b]
    assert any("keymap" in s for s in settings)
    for extra in settings:
        data.setdefault("settings", {}).update(extra)
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    shutil.copy(default_schema_path(), root / "schema.yaml")
    assert main(["schema", "check", str(root / "schema.yaml")]) == 0


def test_the_readme_documents_the_annotator_variable_and_renamed_from() -> None:
    text = README.read_text(encoding="utf-8")
    assert "COPYDESK_ANNOTATOR" in text and "renamed_from" in text
