"""The text engine: layout, bidi levels, motions, palette and the sanitiser, in plain Python.

Nothing here imports Textual (tests/test_architecture.py checks), so the hard parts of drawing
an article (right-to-left order, cell widths, word motions) are tested without a terminal and
could serve another front end. Rich is allowed: its cell widths and styles are data, not a UI.
"""
