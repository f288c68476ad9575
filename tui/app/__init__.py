"""The Textual application: the app (`application.py`), its screens and widgets, the write
queue, keymaps, and `framework.py`, the one module that reaches past Textual's public API."""
