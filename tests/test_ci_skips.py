"""Under CI=true a skipped test fails the run unless its reason is on `.ci/allowed-skips.txt`."""

from __future__ import annotations

from pathlib import Path

import pytest
from ci_skips import ALLOW_LIST, allowed_reasons

SUITE = """
import pytest

def test_runs():
    assert 1 + 1 == 2

@pytest.mark.skipif(True, reason="{reason}")
def test_skipped():
    pass
"""


def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, reason: str,
        ci: str | None) -> pytest.RunResult:
    pytester.makepyfile(SUITE.format(reason=reason))
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parent))
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    return pytester.runpytest_subprocess("-p", "ci_skips")


def test_the_allow_list_is_short_and_in_the_repository() -> None:
    reasons = allowed_reasons()
    assert ALLOW_LIST.is_file() and 1 <= len(reasons) <= 5
    assert "root ignores file permissions" in reasons


def test_a_skip_fails_the_run_under_ci(pytester: pytest.Pytester,
        monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(pytester, monkeypatch, "tmux is not installed", "true")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*skipped tests fail under CI=true*",
                                 "*test_skipped*tmux is not installed*"])


def test_an_allowed_skip_passes_under_ci(pytester: pytest.Pytester,
        monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(pytester, monkeypatch, "root ignores file permissions", "true")
    assert result.ret == pytest.ExitCode.OK


def test_skips_pass_outside_ci(pytester: pytest.Pytester,
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(pytester, monkeypatch, "tmux is not installed", None).ret == pytest.ExitCode.OK


CI_RUN = Path(__file__).resolve().parents[1] / ".ci" / "run"


def test_ci_run_names_only_test_files_that_exist() -> None:
    import re

    root = CI_RUN.parents[1]
    named = re.findall(r"tests/[\w/]+\.py", CI_RUN.read_text(encoding="utf-8"))
    assert named, "the comment says which test keeps .ci/run and the README in step"
    assert [n for n in named if not (root / n).is_file()] == []


def test_ci_run_fails_when_tmux_cannot_be_installed(tmp_path: Path) -> None:
    """No tmux and no way to install it: the run stops with one line, before any test."""
    import os
    import shutil
    import subprocess

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname"):
        found = shutil.which(tool)
        assert found is not None
        os.symlink(found, bin_dir / tool)
    result = subprocess.run([str(bin_dir / "bash"), str(CI_RUN)], capture_output=True,
                            text=True, env={"PATH": str(bin_dir)}, timeout=60)
    assert result.returncode != 0
    assert "tmux is required" in result.stderr
    last = [line for line in CI_RUN.read_text().splitlines() if line.strip()][-1]
    assert "pytest" in last  # the README's test command stays the last line
