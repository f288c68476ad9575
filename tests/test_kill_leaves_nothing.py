"""A killed command leaves nothing behind (issue 25): export workers die with their parent,
and the next run clears what a dead run left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import add_text

from copydesk.projects.project import Project

REPO = Path(__file__).resolve().parents[1]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_export_workers_die_when_the_parent_is_killed(project: Project, tmp_path: Path) -> None:
    for i in range(4):
        doc = add_text(project, f"Report {i}: flooding hit Kirkuk.")
        project.store.set_status(doc, "alice", "done")
    pids = tmp_path / "pids"
    pids.mkdir()
    # The real worker pool (exports.parallel.run_chunks) over the real plan; each part writer
    # notes its pid and then takes its time, so the parent can be killed mid-export.
    script = textwrap.dedent(f"""
        import os, sys, time
        from pathlib import Path
        from copydesk.exports import parallel
        from copydesk.exports.model import ExportOptions, ExportSummary
        from copydesk.exports.reader import read_plan
        from copydesk.projects.project import Project

        project = Project.open(Path({str(project.root)!r}))
        options = ExportOptions(status="all", jobs=2)
        plan = read_plan(project.store, options)
        chunks = parallel.plan_chunks(plan, {{r.doc_id: "" for r in plan}}, ("",),
                                      parallel.part_names(Path({str(tmp_path)!r})), 1)

        def write(stream, chunk, summary):
            Path({str(pids)!r}, str(os.getpid())).write_text("")
            time.sleep(120)

        parallel.run_chunks(project.store.db.backend, options, chunks, 2, write,
                            ExportSummary(), lambda: None)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=REPO)
    try:
        deadline = time.monotonic() + 30
        while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:
            assert parent.poll() is None, "the export stopped early"
            time.sleep(0.05)
        workers = [int(p.name) for p in pids.iterdir()]
        assert len(workers) == 2 and all(alive(pid) for pid in workers)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = [pid for pid in workers if alive(pid)]
        for pid in left:  # never leave them to the next test
            os.kill(pid, signal.SIGKILL)
        assert not left, f"export workers {left} outlived their parent"
    finally:
        if parent.poll() is None:
            parent.kill()


def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def done_project(project: Project) -> Project:
    for i in range(3):
        doc = add_text(project, f"Report {i}: flooding hit Kirkuk and Erbil.")
        project.store.set_status(doc, "alice", "done")
    return project


@pytest.mark.parametrize("fmt", ["jsonl", "brat"])
def test_the_next_export_clears_what_a_killed_one_left(done_project: Project, tmp_path: Path,
                                                       fmt: str) -> None:
    from copydesk.tui.cli.main import main

    out = tmp_path / "exports" / ("out.jsonl" if fmt == "jsonl" else "brat")
    out.parent.mkdir()
    dead, live = dead_pid(), os.getppid()  # our parent outlives this test
    leftovers = [out.parent / f".{out.name}.tmp-{dead}-abc123",
                 out.parent / f".{out.name}.parts-{dead}-x9",
                 out.parent / f".{out.name}.old-{dead}"]
    for folder in leftovers:
        (folder / "ann").mkdir(parents=True)
        (folder / "ann" / "doc.ann").write_text("T1\tGPE 0 6\tKirkuk\n", "utf-8")
    running = out.parent / f".{out.name}.tmp-{live}-def456"  # another export, still working
    running.mkdir()
    unrelated = out.parent / ".other.jsonl.tmp-1-zz"
    unrelated.mkdir()
    assert main(["export", fmt, str(out), "-p", str(done_project.root), "--jobs", "1"]) == 0
    assert not any(folder.exists() for folder in leftovers)
    assert running.exists() and unrelated.exists()
    names = {p.name for p in out.parent.iterdir()}
    assert names == {out.name, running.name, unrelated.name}


def test_a_killed_db_copy_verify_folder_is_cleared(tmp_path: Path) -> None:
    from copydesk.exports.verify import clear_verify_leftovers

    dead, live = dead_pid(), os.getppid()
    stale = tmp_path / f"copydesk-verify-{dead}-k2j3"
    (stale / "brat").mkdir(parents=True)
    (stale / "export.jsonl").write_text("{}\n", "utf-8")
    running = tmp_path / f"copydesk-verify-{live}-a1b2"
    running.mkdir()
    other = tmp_path / "copydesk-demo-x"
    other.mkdir()
    assert clear_verify_leftovers(tmp_path) == [stale]
    assert not stale.exists() and running.exists() and other.exists()


def test_db_copy_verifies_in_a_folder_named_by_its_process(done_project: Project,
                                                           tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    import tempfile

    from copydesk.exports.verify import export_files

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen: list[str] = []
    real = tempfile.TemporaryDirectory

    def spy(*args: object, **kwargs: object) -> tempfile.TemporaryDirectory:
        folder = real(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(Path(folder.name).name)
        return folder

    monkeypatch.setattr(tempfile, "TemporaryDirectory", spy)
    files = export_files(done_project.store, done_project.schema)
    assert files and seen and seen[0].startswith(f"copydesk-verify-{os.getpid()}-")


def test_exports_are_flushed_to_disk_before_the_rename(done_project: Project, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The order that matters: every byte fsynced, then the rename, then the folder."""
    from copydesk.exports import common
    from copydesk.tui.cli.main import main

    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync " + os.readlink(f"/proc/self/fd/{fd}").rsplit("/", 1)[-1]
                      if Path("/proc/self/fd").exists() else "fsync")
        real_fsync(fd)

    def replace(src: object, dst: object) -> None:
        events.append(f"rename {Path(str(dst)).name}")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(common.os, "replace", replace)
    out = tmp_path / "out.jsonl"
    assert main(["export", "jsonl", str(out), "-p", str(done_project.root), "--jobs", "1"]) == 0
    rename = events.index("rename out.jsonl")
    assert any(e.startswith("fsync") for e in events[:rename])
    assert events[rename + 1:] and events[rename + 1].startswith("fsync")  # the folder
    assert out.read_text("utf-8").count("\n") == 3


def test_a_full_disk_names_the_export_and_leaves_nothing(done_project: Project,
                                                         tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    """Writes go to /dev/full, which answers every write with ENOSPC, as a full disk does."""
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    import builtins

    from copydesk.exports import jsonl
    from copydesk.tui.cli.main import main

    def full_open(path: object, mode: str = "r", *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if "w" in mode:
            return builtins.open("/dev/full", mode, *args, **kwargs)  # type: ignore[call-overload]
        return builtins.open(path, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(jsonl, "open", full_open, raising=False)
    out = tmp_path / "exports" / "out.jsonl"
    assert main(["export", "jsonl", str(out), "-p", str(done_project.root), "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"{out}: no space left on the device while writing the export" in err
    assert "[Errno" not in err
    assert list(out.parent.iterdir()) == []
