"""The annotation screen, one module per section of its work (see `screen.py`).

`AnnotateScreen` (the screen class: bindings, layout, the article view's events) is made of
mixins: `loading` (reading the document in a worker), `status` (title, status line, side
panel, saving), `labelling`, `fragments`, `history` (undo, redo, status), `linking`,
`navigation` (motions and find), `suggestions` and `version_review`. What needs no widget is in
`tui.engine` (`annotate_state`, `document_rows`, `motions`, `history_text`); `parts.py` lists what
the sections share.
"""

from copydesk.tui.app.screens.annotate.screen import AnnotateScreen
from copydesk.tui.engine.annotate_state import Pending, SearchState, fragment_list, span_view

__all__ = ["AnnotateScreen", "Pending", "SearchState", "fragment_list", "span_view"]
