"""Suggestions: machine pre-annotation that annotators accept or reject, kept apart from their work.

Every suggestion source writes into its own annotation set under a reserved annotator name
(`suggest:patterns`, `suggest:attribution`, `suggest:model`), so suggestions can be exported,
evaluated against gold, compared with `agreement` or cleared without touching anybody's work.
An annotator never edits those sets: accepting a suggestion copies it (with its links) into the
annotator's own set in one transaction, and rejecting it records a decision that hides it from
that annotator on that document, also across later `copydesk suggest` runs (see `decisions`).

Modules: `patterns` (EntityRuler JSONL and gazetteers, matched without spaCy), `attribution`
(rule-based quote/cue/source detector), `write` (idempotent bulk writes, clearing), `decisions`
(accept/reject with provenance in the action log), `evaluate` (P/R/F1 of one set against
another), `model` (optional spaCy training and prediction).
"""

from __future__ import annotations

PREFIX = "suggest:"
PATTERNS = "suggest:patterns"
ATTRIBUTION = "suggest:attribution"
MODEL = "suggest:model"
SOURCES: tuple[str, ...] = (PATTERNS, ATTRIBUTION, MODEL)


def is_suggestion_set(annotator: str) -> bool:
    """True for the reserved annotator names suggestions are written under."""
    return annotator.startswith(PREFIX)
