"""The command line: `main.py` parses and dispatches, one module per command beside it.

Commands call `projects`/`exports` for the work and open the Textual app only for `annotate`,
`review` and `dashboard`; user mistakes end as one line on stderr (`engine.text.one_line`).
"""
