"""Readers of the store that write corpora: JSONL, spaCy, brat, CoNLL/IOB2, HF datasets.

Imports flow schema <- projects <- exports <- tui: nothing here imports textual or tui.
"""

from copydesk.exports.model import FORMATS, ExportError, ExportOptions, ExportSummary
from copydesk.exports.run import run_export

__all__ = ["FORMATS", "ExportError", "ExportOptions", "ExportSummary", "run_export"]
