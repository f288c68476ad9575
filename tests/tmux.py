"""Drive the real app in a real terminal: tmux `send-keys` in, `capture-pane` out.

Each session runs on its own tmux server socket, so tests never touch a user's tmux and can run
side by side.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def require_tmux() -> str:
    exe = shutil.which("tmux")
    if exe is None:
        pytest.skip("tmux is not installed")
    return exe


def copydesk_command(*args: str) -> str:
    """`copydesk ARGS` through this interpreter, so the test's environment is the app's."""
    return " ".join(shlex.quote(a) for a in (sys.executable, "-m", "copydesk.tui.cli.main", *args))


class Tmux:
    def __init__(self, command: str, *, width: int = 100, height: int = 30,
                 env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
        self.exe = require_tmux()
        self.socket = f"copydesk-test-{uuid.uuid4().hex[:10]}"
        self.target = "t"
        environment = {**os.environ, "TERM": "xterm-256color", **(env or {})}
        environment.pop("TMUX", None)
        self.env = environment
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in (env or {}).items())
        shell_cmd = f"cd {shlex.quote(str(cwd or REPO))} && exec env {exports} {command}"
        self._tmux("new-session", "-d", "-s", self.target, "-x", str(width), "-y", str(height),
                   shell_cmd)
        self._tmux("set-option", "-t", self.target, "remain-on-exit", "on")

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.exe, "-L", self.socket, *args], capture_output=True,
                              text=True, env=self.env, check=check, timeout=30)

    def send(self, *keys: str, literal: bool = False) -> None:
        args = ["send-keys", "-t", self.target]
        if literal:
            args.append("-l")
        self._tmux(*args, *keys)

    def capture(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.target).stdout

    def title(self) -> str:
        return self._tmux("display-message", "-p", "-t", self.target, "#{pane_title}").stdout

    def pid(self) -> int:
        return int(self._tmux("display-message", "-p", "-t", self.target, "#{pane_pid}").stdout)

    def dead(self) -> bool:
        """True once the app's process has ended (the pane stays, remain-on-exit).

        Only a definite answer counts: under load a query can fail and print nothing, which
        must not pass for "dead"; a server that is gone (the session ended) is dead, though.
        """
        done = self._tmux("display-message", "-p", "-t", self.target, "#{pane_dead}",
                          check=False)
        if done.returncode != 0:
            return "no server running" in done.stderr or "can't find" in done.stderr
        return done.stdout.strip() == "1"

    def wait_for(self, needle: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.capture()
            if needle in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} did not appear within {timeout}s; screen:\n{screen}")

    def wait_dead(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.dead():
                return
            time.sleep(0.1)
        raise AssertionError(f"the app did not exit within {timeout}s:\n{self.capture()}")

    def close(self) -> None:
        self._tmux("kill-server", check=False)

    def __enter__(self) -> Tmux:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
