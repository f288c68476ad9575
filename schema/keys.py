"""Keys the annotation screen keeps for itself, so a schema hotkey can never shadow them.

The TUI's bindings are checked against this set by a test; the schema validator refuses hotkeys
in it. Letters and digits not listed here are free for labels.
"""

from __future__ import annotations

RESERVED_HOTKEYS: frozenset[str] = frozenset(
    {
        "q",  # back to the queue / quit
        "?",  # help
        "u",  # undo
        "U",  # redo
        "x",  # delete span
        "r",  # relabel span
        "v",  # select mode
        "t",  # toggle snap-to-tokens
        "m",  # mark document status (done/skipped/flagged + comment)
        "D",  # mark done
        "n",  # next undone document
        "N",  # previous undone document
        "w",  # next word
        "b",  # previous word
        "(",  # previous sentence
        ")",  # next sentence
        "[",  # previous span
        "]",  # next span
        "a",  # add event argument
        "A",  # attribution attributes
        "S",  # attach attribution source
        "C",  # attach attribution cue
        "j",  # jump trigger <-> arguments / content <-> parts
        "L",  # links of the span under the cursor: remove or re-role
        "/",  # label picker
        "&",  # add the selection as a piece (fragment) of the current span
        " ",  # (space) start/extend selection
        # issue 12: newsroom motions, search, tags and word-wise selection
        '"',  # next quotation, inside selected
        "'",  # previous quotation, inside selected
        "V",  # next speech verb (said, told, according to, قال, گوتی...)
        "P",  # next capitalised name not yet labelled
        "}",  # next sentence with no span
        "F",  # find in the document
        ">",  # next match
        "<",  # previous match
        "W",  # extend the selection by a word
        "B",  # extend the selection back by a word
        "T",  # label tags on/off
        # issue 13: suggestions (tui.screens.suggestions)
        "+",  # accept the suggestion under the cursor (also "=")
        "=",
        "-",  # reject the suggestion under the cursor
        "*",  # accept every suggestion left in the document
        ".",  # next suggestion
        ",",  # previous suggestion
    }
)


def is_valid_hotkey(key: str) -> bool:
    """A hotkey is one printable, non-space character outside the reserved set."""
    return len(key) == 1 and key.isprintable() and not key.isspace() and key not in RESERVED_HOTKEYS
