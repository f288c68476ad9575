"""The README's examples, read as the reader sees them: fenced ``sh`` and ``yaml`` blocks."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
_FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.S | re.M)


def blocks(kind: str, text: str | None = None) -> list[str]:
    """The body of every fenced block of language ``kind`` (indentation of a block inside a
    list item taken off)."""
    text = README.read_text(encoding="utf-8") if text is None else text
    out = []
    for m in _FENCE.finditer(text):
        if m.group(2) == kind:
            indent = len(m.group(1))
            out.append("".join(line[indent:] for line in m.group(3).splitlines(keepends=True)))
    return out


def copydesk_commands(text: str | None = None) -> list[list[str]]:
    """Every ``copydesk ...`` command of the sh blocks, as argv (continuations joined,
    comments dropped, ``a && b`` split), in README order."""
    out: list[list[str]] = []
    for body in blocks("sh", text):
        for line in body.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            command: list[str] = []
            for word in [*words, "&&"]:
                if word in ("&&", ";", "||"):
                    if command and Path(command[0]).name == "copydesk":
                        out.append(["copydesk", *command[1:]])
                    command = []
                else:
                    command.append(word)
    return out
