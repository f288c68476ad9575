"""pytest plugin: under CI=true a skipped test fails the run unless its reason is allowed.

A suite that passes by skipping proves nothing (no tmux: no end-to-end test; no spaCy: no
export check). The allowed reasons live in `.ci/allowed-skips.txt` in the repository, so adding
one is a reviewed change. Loaded by `tests/conftest.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ALLOW_LIST = Path(__file__).resolve().parents[1] / ".ci" / "allowed-skips.txt"
_skipped: list[tuple[str, str]] = []


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def allowed_reasons(path: Path = ALLOW_LIST) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append((report.nodeid, _reason(report)))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not in_ci():
        return
    allowed = allowed_reasons()
    bad = [(node, reason) for node, reason in _skipped
           if not any(entry in reason for entry in allowed)]
    if not bad:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_sep("=", "skipped tests fail under CI=true", red=True)
        for node, reason in bad:
            reporter.write_line(f"{node}: {reason}")
        reporter.write_line(f"(allowed reasons: {ALLOW_LIST})")
    if session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
