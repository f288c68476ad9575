"""Readers of the store that write corpora: JSONL, spaCy, brat, CoNLL/IOB2, HF datasets.

Imports flow schema <- projects <- exports <- tui: nothing here imports textual or tui.
"""

from copydesk.exports.formats import export_names
from copydesk.exports.model import ExportError, ExportOptions, ExportSummary
from copydesk.exports.run import run_export

FORMATS: tuple[str, ...] = export_names()  # the registry's writers (exports.formats.TABLE)

__all__ = ["FORMATS", "ExportError", "ExportOptions", "ExportSummary", "run_export"]
