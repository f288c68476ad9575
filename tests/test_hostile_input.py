"""Hostile and broken input: every file either imports exactly or is refused in one line.

The corpus in `tests/hostile/` is small and committed; the big cases (a 1 MB line, 100 MB of
text) are generated into tmp_path so the repository stays small. The CLI runs as a real
subprocess, so a traceback anywhere would show on stderr. The app runs in tmux over the hostile
text to prove no escape sequence reaches the terminal (title unchanged, screen not cleared,
clipboard untouched) and that placeholders are shown instead.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest
from tmux import Tmux, copydesk_command

from copydesk.projects.project import Project

REPO = Path(__file__).resolve().parents[1]
HOSTILE = Path(__file__).with_name("hostile")

# file -> the reason its one line must mention
REJECTED = {
    "empty.txt": "empty file",
    "blank.txt": "empty file",
    "undecodable-cp1256.txt": "not UTF-8",
    "undecodable.jsonl": "not UTF-8",
    "malformed.jsonl": "malformed JSON",
    "not-object.jsonl": "JSON object",
    "text-not-string.jsonl": '"text"',
    "bad-meta.jsonl": '"meta"',
}
ACCEPTED = ["ansi-escapes.txt", "bidi.txt", "bom.txt", "controls.txt", "crlf.txt", "lone-cr.txt"]
YAML = sorted(p.name for p in HOSTILE.glob("*.yaml"))


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "copydesk.tui.cli", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=timeout)


def stored_texts(root: Path) -> dict[str, str]:
    """source file name -> stored text."""
    with Project.open(root) as project:
        return {Path(project.store.document(d).source).name: project.store.document(d).text
                for d in project.store.document_ids()}


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    result = cli("init", str(root))
    assert result.returncode == 0, result.stderr
    return root


def test_corpus_imports_exactly_or_is_refused_in_one_line(proj: Path) -> None:
    paths = [str(HOSTILE / name) for name in [*ACCEPTED, *REJECTED]]
    result = cli("import", "-p", str(proj), *paths)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1  # something was rejected
    lines = result.stderr.splitlines()
    for name, reason in REJECTED.items():
        mine = [line for line in lines if f"{name}" in line]
        assert len(mine) == 1, (name, lines)
        assert mine[0].startswith("copydesk: rejected ") and reason in mine[0], mine[0]
    stored = stored_texts(proj)
    assert sorted(stored) == sorted(ACCEPTED)
    for name in ACCEPTED:
        raw = (HOSTILE / name).read_bytes()
        expected = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
        assert stored[name] == expected, name  # CR, CRLF, NUL, ESC, bidi controls all kept
    assert "\ufeff" not in stored["bom.txt"]
    assert "\x00" in stored["controls.txt"] and "\r\n" in stored["crlf.txt"]


@pytest.mark.parametrize("name", YAML)
def test_hostile_schema_is_refused_without_running_anything(name: str, tmp_path: Path) -> None:
    path = HOSTILE / name
    marker = Path("/tmp/copydesk-pwned")  # what the python/object tag would create
    marker.unlink(missing_ok=True)
    check = cli("schema", "check", str(path), timeout=60)
    assert check.returncode == 1
    assert "Traceback" not in check.stderr, check.stderr
    lines = check.stderr.splitlines()
    assert lines and all(line.startswith(str(path)) for line in lines), lines
    assert len(lines) <= 100  # the alias bomb is reported, never expanded
    target = tmp_path / "made"
    init = cli("init", str(target), "--schema", str(path), timeout=60)
    assert init.returncode == 1
    assert "Traceback" not in init.stderr
    assert len(init.stderr.splitlines()) == 1, init.stderr
    assert init.stderr.startswith(f"copydesk: error: {path}")
    assert not target.exists()  # no half-made project
    assert not marker.exists()


def test_one_megabyte_line_imports_exactly(proj: Path, tmp_path: Path) -> None:
    words = ("reporters", "said", "قال", "官员", "👨\u200d👩\u200d👧", "attack", "—", "x")
    text = " ".join(words[i % len(words)] for i in range(200_000))[:1_000_000]
    assert "\n" not in text
    path = tmp_path / "long-line.txt"
    path.write_text(text, encoding="utf-8")
    result = cli("import", "-p", str(proj), str(path))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert stored_texts(proj)["long-line.txt"] == text


@pytest.mark.slow
def test_hundred_megabytes_of_text_imports_in_bounded_memory(proj: Path, tmp_path: Path) -> None:
    """Measured here: ~2 s and ~550 MB peak RSS (the text is held as bytes, str and UTF-8 for
    SQLite at once). The bound is generous; what it catches is a copy per line or per word."""
    para = ("KIRKUK (Zagros24) – The Iraqi army stepped up its raids on ISIS fighters "
            "across southern Kirkuk province, officials said on Monday. ") * 6 + "\n\n"
    count = 100_000_000 // len(para.encode())
    path = tmp_path / "huge.txt"
    with path.open("w", encoding="utf-8") as out:
        for _ in range(count // 1000):
            out.write(para * 1000)
    size = path.stat().st_size
    assert size > 95_000_000
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = cli("import", "-p", str(proj), str(path), timeout=600)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    if peak_kb > before:  # ru_maxrss is the largest child so far, so only a new peak counts
        assert peak_kb < 1_500_000, f"import peaked at {peak_kb / 1024:.0f} MB"
    import hashlib
    import sqlite3

    conn = sqlite3.connect(proj / "copydesk.db")
    try:
        [(stored_hash, stored_bytes)] = conn.execute(
            "SELECT content_hash, length(CAST(text AS BLOB)) FROM document").fetchall()
    finally:
        conn.close()
    assert stored_bytes == size
    assert stored_hash == hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------ in the real terminal
def _baseline_title() -> str:
    """What tmux shows as the pane title when nothing sets it (the host name)."""
    with Tmux("cat", width=40, height=5) as tmux:
        return tmux.title()


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("name", "visible", "absent"),
    [
        ("ansi-escapes.txt", ["SENTINEL-AFTER-ESCAPES", "Reporter text before the attack.",
                              "␛[2J", "␛]0;pwned␇", "␛]52;c;"], ["\x1b"]),
        ("controls.txt", ["ESC alone ␛", "NUL here:␀", "BEL:␇"], []),
        # right-to-left words are shown in visual order (reversed), controls as placeholders
        ("bidi.txt", ["هەولێر"[::-1], "قال"[::-1], "access¦"], ["\u202e", "\u2066", "\u2069"]),
    ],
)
def test_app_shows_placeholders_not_the_escape_effect(proj: Path, name: str,
                                                      visible: list[str],
                                                      absent: list[str]) -> None:
    result = cli("import", "-p", str(proj), str(HOSTILE / name))
    assert result.returncode == 0, result.stderr
    baseline = _baseline_title()
    with Tmux(copydesk_command("annotate", "-p", str(proj), "--doc", "1"), width=120,
              height=40) as tmux:
        screen = tmux.wait_for(visible[0], timeout=60)  # first needle: article body only
        for needle in visible[1:]:
            assert needle in screen, (needle, screen)
        for needle in absent:
            assert needle not in screen
        title = tmux.title().strip()
        assert "pwned" not in title
        assert title == baseline.strip()
        buffers = tmux._tmux("list-buffers", check=False).stdout
        assert "rm -rf" not in buffers and buffers.strip() == ""  # OSC 52 did not reach tmux
        tmux.send("C-q")
        tmux.wait_dead(timeout=30)
        after = tmux.capture()
    assert "Traceback" not in after


@pytest.mark.e2e
def test_app_opens_a_one_megabyte_line(proj: Path, tmp_path: Path) -> None:
    text = " ".join(f"word{i}" for i in range(150_000))[:1_000_000]
    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8")
    assert cli("import", "-p", str(proj), str(path)).returncode == 0
    with Tmux(copydesk_command("annotate", "-p", str(proj), "--doc", "1"), width=120,
              height=40) as tmux:
        tmux.wait_for("word0 word1 word2", timeout=120)
        tmux.send("C-End")
        tmux.wait_for(text.rsplit(" ", 1)[-1], timeout=60)
        tmux.send("C-q")
        tmux.wait_dead(timeout=30)
        assert "Traceback" not in tmux.capture()
