"""Read `tmux capture-pane -e` output: which SGR look (colours, attributes) each cell has."""

from __future__ import annotations

import re

_CSI = re.compile(r"\x1b\[([0-9;:]*)m|\x1b\[[0-9;?]*[A-Za-z]")

_ATTRS = {1: "bold", 2: "dim", 3: "italic", 4: "underline", 5: "blink", 7: "reverse",
          9: "strike", 21: "underline2", 53: "overline"}
_OFF = {22: ("bold", "dim"), 23: ("italic",), 24: ("underline", "underline2"), 25: ("blink",),
        27: ("reverse",), 29: ("strike",), 55: ("overline",)}


def cell_looks(line: str) -> list[tuple[str, tuple]]:
    """(character, look) for every character of one captured line."""
    state: dict[str, object] = {}
    out: list[tuple[str, tuple]] = []
    pos = 0
    for m in _CSI.finditer(line):
        out.extend((ch, _freeze(state)) for ch in line[pos:m.start()])
        pos = m.end()
        if m.group(1) is not None:
            _apply(state, m.group(1))
    out.extend((ch, _freeze(state)) for ch in line[pos:])
    return out


def _freeze(state: dict[str, object]) -> tuple:
    return tuple(sorted(state.items()))


def _apply(state: dict[str, object], params: str) -> None:
    params = re.sub(r"(?<![0-9])4:[1-5]", lambda m: "21" if m.group() == "4:2" else "4", params)
    codes = params.replace(":", ";").split(";") if params else ["0"]
    i = 0
    while i < len(codes):
        code = int(codes[i] or 0)
        if code == 0:
            state.clear()
        elif code in _ATTRS:
            state[_ATTRS[code]] = True
        elif code in _OFF:
            for name in _OFF[code]:
                state.pop(name, None)
        elif code in (38, 48):
            key = "fg" if code == 38 else "bg"
            if codes[i + 1] == "5":
                state[key] = f"256:{codes[i + 2]}"
                i += 2
            else:
                state[key] = "rgb:" + ",".join(codes[i + 2:i + 5])
                i += 4
        elif code in (39, 49):
            state.pop("fg" if code == 39 else "bg", None)
        elif 30 <= code <= 37 or 90 <= code <= 97:
            state["fg"] = f"16:{code}"
        elif 40 <= code <= 47 or 100 <= code <= 107:
            state["bg"] = f"16:{code}"
        i += 1


def look_of(screen_lines: list[str], word: str) -> tuple:
    """The look of the first character of the first cell run spelling `word`."""
    for line in screen_lines:
        cells = cell_looks(line)
        text = "".join(ch for ch, _ in cells)
        at = text.find(word)
        if at >= 0:
            return cells[at][1]
    raise AssertionError(f"{word!r} is not on the screen")
