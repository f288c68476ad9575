"""Imported text never reaches the terminal raw from the command line, and tables align in cells.

Every line of the hostile corpus (`tests/hostile/*.txt`) becomes a document title, and hostile
annotator names come in with the annotations; then every command that prints titles or names
runs. No output may hold a control, C1, bidi or format character: the one sanitiser
(`tui.text.safe_line`, shared with the TUI) shows them as placeholders.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from copydesk.tui.cli.main import main

HOSTILE = Path(__file__).with_name("hostile")
REPO = Path(__file__).resolve().parents[1]
# What a terminal may act on: C0 controls but newline and tab, DEL, C1, bidi and format chars.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e"
                    "\u2066-\u2069\u2028\u2029\ufeff]")
CJK_TITLE = "基尔库克的袭击事件报道"


def hostile_titles() -> list[str]:
    titles: list[str] = []
    for name in ("ansi-escapes.txt", "bidi.txt", "controls.txt", "lone-cr.txt"):
        raw = (HOSTILE / name).read_bytes().decode("utf-8")
        titles += [line for line in raw.split("\n") if line.strip()]
    assert any("\x1b" in t for t in titles) and any("\u202e" in t for t in titles)
    return titles


@pytest.fixture
def hostile_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    root = tmp_path / "p"
    assert main(["init", str(root)]) == 0
    titles = [*hostile_titles(), CJK_TITLE, "plain title"]
    feed = tmp_path / "feed.jsonl"
    lines = []
    for i, title in enumerate(titles):
        text = f"Report {i}: Irena Kostava spoke in Valmora."
        for who in ("ann\x1b[2J", "bob\u202e"):
            lines.append(json.dumps({
                "text": text, "title": title, "external_id": f"id\x1b]0;pwned\x07{i}",
                "meta": {"annotator": who, "status": "done"},
                "spans": [{"start": 10 + len(str(i)), "end": 23 + len(str(i)),
                           "label": "PERSON" if who.startswith("ann") else "ORG"}],
            }))
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["import", str(feed), "-p", str(root)]) == 0
    capsys.readouterr()
    return root


COMMANDS = [
    ["review", "--list"],
    ["agreement", "--per-document"],
    ["agreement", "--per-document", "--json"],
    ["stats"],
    ["assign", "--k", "1", "--annotators", "ann\x1b[2J,bob\u202e", "--dry-run"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_hostile_titles_and_names_reach_no_terminal_raw(hostile_project: Path,
                                                        capsys: pytest.CaptureFixture[str],
                                                        command: list[str]) -> None:
    code = main([*command, "-p", str(hostile_project)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.strip()
    for stream in (out, err):
        bad = UNSAFE.findall(stream)
        assert bad == [], f"{command}: raw {sorted(set(map(hex, map(ord, bad))))}"
    if "--json" in command:
        data = json.loads(out)  # still valid JSON, holding the exact titles
        titles = {d["title"] for d in data["per_document"]}
        assert set(hostile_titles()) <= titles


def test_review_list_shows_placeholders_for_the_escapes(hostile_project: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    assert main(["review", "--list", "-p", str(hostile_project)]) == 0
    out = capsys.readouterr().out
    assert "Clear screen now:␛[2J␛[H and home." in out
    assert CJK_TITLE in out


def test_tables_align_wide_titles_by_terminal_cells(hostile_project: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agreement", "--per-document", "-p", str(hostile_project)]) == 0
    out = capsys.readouterr().out
    block = out[out.index("documents, worst agreement first"):].splitlines()[1:]
    header, _rule, *rows = block
    annotators_at = cell_len(header[:header.index("annotators")])
    cjk = [r for r in rows if CJK_TITLE in r]
    plain = [r for r in rows if "plain title" in r]
    assert cjk and plain
    for row in (*cjk, *plain):
        prefix = row[:row.index("ann␛[2J") if "ann␛[2J" in row else row.index("bob")]
        assert cell_len(prefix) == annotators_at, row


def test_error_lines_are_sanitised_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    assert main(["stats", "-p", str(tmp_path / "no\x1b[2Jproject")]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "␛[2J" in err


def test_stats_into_a_closed_pipe_prints_no_broken_pipe_error(hostile_project: Path) -> None:
    """`copydesk stats | head -1`: the reader is gone before stats writes."""
    read, write = os.pipe()
    os.close(read)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "copydesk.tui.cli", "stats", "-p", str(hostile_project)],
            stdout=write, stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=120)
    finally:
        os.close(write)
    assert result.stderr == ""
    assert result.returncode == 141


def test_stats_piped_to_head_prints_one_line_and_no_error(hostile_project: Path) -> None:
    result = subprocess.run(
        f"{sys.executable} -m copydesk.tui.cli stats -p {hostile_project} | head -1",
        shell=True, capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.stdout.startswith("project p:") and result.stdout.count("\n") == 1
    assert result.stderr == ""
