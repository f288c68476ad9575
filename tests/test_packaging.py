"""The built wheel installs beside PyPI's `schema` package and both work.

copydesk's rooms ship as `copydesk.schema`, `copydesk.projects`, `copydesk.exports` and
`copydesk.tui`; a wheel that installed a top-level `schema` would overwrite (or be overwritten
by) the popular validation library of that name with no warning from pip. This test builds the
wheel (not an editable install), installs it and `schema` from the package index into a fresh
venv, and runs both. To stay fast it installs copydesk with `--no-deps` and lets the new venv see
this venv's already-installed dependencies through a `.pth` line placed after its own
site-packages (so nothing of the editable copydesk install leaks in: `.pth` files in an added
folder are not run).
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def sh(cwd: Path, *cmd: str | Path, timeout: float = 600) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["COPYDESK_ANNOTATOR"] = "tester"
    # never the repository as the working folder: its top-level `schema/` would be importable
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=timeout)
    assert done.returncode == 0, f"{cmd}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_wheel_installs_beside_pypi_schema_and_both_work(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    sh(tmp_path, sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, REPO)
    [wheel] = dist.glob("copydesk-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"copydesk", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}"
                    ".dist-info"}, tops
    assert "copydesk/schema/newsroom.yaml" in names  # bundled data travels in the wheel
    assert "copydesk/tui/app/copydesk.tcss" in names

    venv = tmp_path / "venv"
    sh(tmp_path, sys.executable, "-m", "venv", venv)
    py = venv / "bin" / "python"
    site = Path(sh(tmp_path, py, "-c",
                   "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    parent_site = sysconfig.get_paths()["purelib"]
    (site / "zz_parent_deps.pth").write_text(parent_site + "\n", encoding="utf-8")

    # PyPI's `schema` first, then copydesk: neither may overwrite the other's files
    sh(tmp_path, py, "-m", "pip", "install", "-q", "--no-deps", "schema")
    sh(tmp_path, py, "-m", "pip", "install", "-q", "--no-deps", wheel)

    out = sh(tmp_path, py, "-c", (
        "import schema, copydesk.schema as cs, copydesk.projects.store as st;"
        "assert schema.Schema(int).validate(1) == 1;"
        "assert hasattr(schema, 'Or') and hasattr(cs, 'load_schema');"
        "print(cs.__file__); print(schema.__file__)"))
    ours, theirs = out.split()
    assert ours.startswith(str(site)) and "copydesk/schema/__init__.py" in ours
    assert theirs.startswith(str(site)) and "copydesk" not in theirs

    exe = venv / "bin" / "copydesk"
    sh(tmp_path, exe, "init", tmp_path / "p")
    sh(tmp_path, exe, "demo", "--no-tui", "--dir", tmp_path / "demo")
    stats = sh(tmp_path, exe, "stats", "-p", tmp_path / "demo")
    assert "4 documents" in stats and "schema newsroom" in stats
