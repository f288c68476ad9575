"""Readers of the store that write corpora: JSONL, spaCy, brat, CoNLL/IOB2, HF datasets.

Imports flow schema <- projects <- exports <- tui: nothing here imports textual or tui.

`run_export` is loaded on first use (PEP 562): it brings the store and SQLAlchemy with it, and
importing any light module of this package (the format table the command line reads to build
`copydesk --help` and `import`'s choices) must not pay for that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from copydesk.exports.formats import export_names
from copydesk.exports.model import ExportError, ExportOptions, ExportSummary

if TYPE_CHECKING:
    from copydesk.exports.run import run_export

FORMATS: tuple[str, ...] = export_names()  # the registry's writers (exports.formats.TABLE)

__all__ = ["FORMATS", "ExportError", "ExportOptions", "ExportSummary", "run_export"]


def __getattr__(name: str) -> Any:
    if name == "run_export":
        from copydesk.exports.run import run_export

        return run_export
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
