"""The annotation screen: read one article, select spans, label and link them.

The article view owns cursor and selection keys; this screen owns the editing keys and turns
each into one Store call, handed to the app's write queue (`tui.writes`): saved at once when the
database is free, otherwise shown as "Saving…" while the write worker waits for the lock and the
keys keep working. A write that the store refuses is shown in the status line and changes
nothing; a write that succeeds is re-read from the database before it is shown.

The screen class holds the bindings, the layout and the view's events; each section of its
work is a mixin in this package (loading, status, labelling, fragments, history, linking,
navigation, suggestions, version_review), and what needs no widget is in `tui.engine`
(`annotate_state`, `document_rows`, `motions`, `history_text`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.color import ColorSystem
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from copydesk.tui.app.screens.annotate.fragments import Fragments
from copydesk.tui.app.screens.annotate.history import History
from copydesk.tui.app.screens.annotate.labelling import Labelling
from copydesk.tui.app.screens.annotate.linking import Linking
from copydesk.tui.app.screens.annotate.loading import DocumentLoading
from copydesk.tui.app.screens.annotate.navigation import Navigation
from copydesk.tui.app.screens.annotate.status import ScreenStatus
from copydesk.tui.app.screens.annotate.suggestions import SuggestionActions
from copydesk.tui.app.screens.annotate.version_review import VersionReviewActions
from copydesk.tui.app.widgets.article_view import ArticleView
from copydesk.tui.engine.annotate_state import SearchState, span_view
from copydesk.tui.engine.bidi_settings import remember
from copydesk.tui.engine.palette import LabelInfo, all_distinct, depth_for, label_looks

if TYPE_CHECKING:
    # Types only: the table models load SQLAlchemy, which this screen's first frame does
    # without (projects.firstread); the store is opened right after it.
    from copydesk.projects.models import Link, Span
    from copydesk.tui.app.application import CopydeskApp
    from copydesk.tui.engine.annotate_state import Pending


class AnnotateScreen(DocumentLoading, ScreenStatus, Labelling, Fragments, History, Linking,
                     Navigation, SuggestionActions, VersionReviewActions, Screen[None]):
    """One document for one annotator."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "back", "Queue", id="annotate.back"),
        Binding("slash,enter", "pick_label", "Label", id="annotate.pick"),
        Binding("r", "relabel", "Relabel", id="annotate.relabel"),
        Binding("x,delete", "delete", "Delete", id="annotate.delete"),
        Binding("u,ctrl+z", "undo", "Undo", id="annotate.undo"),
        Binding("U,ctrl+y", "redo", "Redo", id="annotate.redo"),
        Binding("D", "status('done')", "Done", id="annotate.done"),
        Binding("m", "mark", "Mark…", id="annotate.mark"),
        Binding("n", "next_doc(1)", "Next doc", id="annotate.next_doc"),
        Binding("N", "next_doc(-1)", "Prev doc", show=False, id="annotate.prev_doc"),
        Binding("a", "link('argument')", "Argument", id="annotate.argument"),
        Binding("S", "link('source')", "Source", show=False, id="annotate.source"),
        Binding("C", "link('cue')", "Cue", show=False, id="annotate.cue"),
        Binding("A", "attributes", "Attributes", show=False, id="annotate.attributes"),
        Binding("L", "links", "Links", show=False, id="annotate.links"),
        Binding("j", "jump", "Jump", show=False, id="annotate.jump"),
        # issue 12: newsroom motions, search, tags (see tui/engine/motions.py)
        Binding("quotation_mark", "quote(1)", "Next quote (select inside)", show=False,
                id="motion.next_quote"),
        Binding("apostrophe", "quote(-1)", "Prev quote (select inside)", show=False,
                id="motion.prev_quote"),
        Binding("V", "speech_verb", "Next speech verb", show=False, id="motion.speech_verb"),
        Binding("P", "name", "Next unlabelled name", show=False, id="motion.name"),
        Binding("right_curly_bracket", "unlabelled_sentence", "Next unlabelled sentence",
                show=False, id="motion.unlabelled_sentence"),
        Binding("F", "find", "Find in document", show=False, id="search.find"),
        Binding("greater_than_sign", "find_next(1)", "Next match", show=False,
                id="search.next"),
        Binding("less_than_sign", "find_next(-1)", "Prev match", show=False, id="search.prev"),
        Binding("T", "toggle_tags", "Label tags", show=False, id="annotate.tags"),
        # issue 13: suggestions (tui.screens.suggestions)
        Binding("plus,equals_sign", "accept_suggestion", "Accept suggestion", show=False,
                id="annotate.accept_suggestion"),
        Binding("minus", "reject_suggestion", "Reject suggestion", show=False,
                id="annotate.reject_suggestion"),
        Binding("asterisk", "accept_all_suggestions", "Accept all suggestions", show=False,
                id="annotate.accept_all_suggestions"),
        Binding("full_stop", "next_suggestion(1)", "Next suggestion", show=False,
                id="annotate.next_suggestion"),
        Binding("comma", "next_suggestion(-1)", "Prev suggestion", show=False,
                id="annotate.prev_suggestion"),
        # issue 11: a span in pieces (split quotes); & adds the selection, ctrl+\ removes a piece
        Binding("ampersand", "add_fragment", "Add piece", show=False,
                id="annotate.add_fragment"),
        Binding("ctrl+backslash", "remove_fragment", "Remove piece", show=False,
                id="annotate.remove_fragment"),
        # issue 26: spans a corrected article moved (tui.screens.version_review)
        Binding("exclamation_mark", "confirm_review", "Keep reviewed place", show=False,
                id="annotate.confirm_review"),
        Binding("R", "reselect", "Re-select / next needing review", show=False,
                id="annotate.reselect"),
    ]

    app: CopydeskApp  # type: ignore[assignment]

    def __init__(self, doc_id: int) -> None:
        super().__init__()
        self.doc_id = doc_id
        self.spans: dict[int, Span] = {}
        self.links: list[Link] = []
        self.pending: Pending | None = None
        self.status = "todo"
        self._progress = (0, 0)
        self._said_at = -1
        self._failed_at = -1  # cursor offset where a motion last found nothing (see motion_failed)
        self._unsaved: list[str] = []  # edits waiting out a locked database (writes_unsaved)
        self._label_keys: list[str] = []
        self._init_suggestions()
        self._quotes: list[tuple[int, int]] | None = None  # quotation pairs, found on first use
        self._verbs = None  # the speech-verb pattern, built on first use
        self._search = SearchState()
        # The span `&` adds a piece to: the last one labelled, or the one `+` was pressed on
        # with no selection. Not the span the cursor passes: walking from a quote's first half
        # to its second crosses the source and cue, which must not become the target.
        self.current_id: int | None = None
        self._pinned = False
        self._loaded = False  # the rows are read and shown (see load)
        self._queue_ids: list[int] | None = None
        self._ticket = 0  # the latest read of the rows (see load); older results are dropped
        self._next_ticket = 0  # the same for n / N (action_next_doc)
        self._edits = 0  # edits confirmed on this screen (a read begun before one is stale)
        self._waiting_to_open = False  # the text could not be read: the database is away
        self._after_load: str | Text | None = None  # said once the rows are shown

    def compose(self) -> ComposeResult:
        yield Static(id="doc-title")
        with Horizontal(id="annotate-body"):
            yield ArticleView(id="article")
            with Vertical(id="side"):
                yield Static(id="side-span")
                yield Static(id="side-links")
        yield Static(id="status-line")
        yield Static(id="search")
        yield Footer()

    @property
    def view(self) -> ArticleView:
        return self.query_one(ArticleView)

    @property
    def store(self):  # type: ignore[no-untyped-def]
        return self.app.project.store

    @property
    def schema(self):  # type: ignore[no-untyped-def]
        return self.app.schema

    def on_mount(self) -> None:
        first = self.app.first_screen(self.doc_id)
        if first is not None:
            # The document the app was started on, read without the store (projects.firstread):
            # paint it now, open the store once this frame is on the terminal. Any key or
            # click that comes first opens it before it is handled (CopydeskApp.on_event);
            # the rows are then read (on_project_opened).
            self._show(first.text, first.title or first.external_id or f"document {first.doc_id}",
                       first.content_hash)
            self.view.set_spans([span_view(s, self.schema.label(s.label)) for s in first.spans])
            self.status = first.status
            self.refresh_title()
            self.call_after_refresh(self.app.open_after_first_frame)
            return
        self.title = f"document {self.doc_id}"
        self.say(f"Reading document {self.doc_id} from the database…")
        self.load(with_document=True)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < 100, "-narrow")
        if hasattr(self, "text"):
            self.refresh_title()

    def apply_looks(self) -> None:
        """Label looks for this terminal's colour depth, and the tag mode setting."""
        labels = [LabelInfo(lb.name, lb.layer, lb.color) for lb in self.schema.labels]
        depth = depth_for(self.app.console.color_system, no_color=self.app.no_color)
        looks = self.view.label_looks = label_looks(labels, depth)
        # Tags by default where looks alone cannot tell every pair of labels apart (mono has
        # only underline and italic to combine; 16 colours run out past 24 labels).
        ambiguous = depth == "mono" or (depth == "16"
                                        and not all_distinct(looks, ColorSystem.STANDARD))
        tags = self.app.config.settings.tags
        self.view.tag_mode = tags == "on" or (tags == "auto" and ambiguous)

    def action_toggle_tags(self) -> None:
        self.view.tag_mode = not self.view.tag_mode
        self.say(f"Label tags {'on' if self.view.tag_mode else 'off'} (T toggles; "
                 "settings: tags: on|off|auto)")

    def on_article_view_cursor_moved(self, event: ArticleView.CursorMoved) -> None:
        self.refresh_side()
        if hasattr(self, "text"):
            self.refresh_title()
        if event.offset != self.view.cursor:
            return  # a stale move (keys typed ahead): the latest one describes where we are
        if event.offset != self._failed_at:
            self._failed_at = -1
        if event.offset == self._said_at:
            return  # an edit changed the spans here: keep its "Saved"/"Not saved" line
        self._said_at = -1
        here = self.spans_here()
        if self.pending is not None:
            self.say(self.pending_hint(), keep=False)
        elif here:
            self.say(self.describe(here[0]), keep=False)
        elif (ghost := self.suggestion_here()) is not None:
            self.say(self.describe_suggestion(ghost), keep=False)
        else:  # never leave a span's description up once the cursor has left the span
            self.query_one("#status-line", Static).update(Text(""))

    def on_article_view_select_mode_changed(self, event: ArticleView.SelectModeChanged) -> None:
        if hasattr(self, "text"):
            self.refresh_title()

    def on_article_view_bidi_changed(self, event: ArticleView.BidiChanged) -> None:
        """F6/F7/F8 in the article view: remember the choice in copydesk.yaml."""
        problem = remember(self.app.project, self.content_hash, event.options)
        if problem is not None:
            self.say(problem, error=True)
        self.refresh_title()
        self.refresh_side()

    def on_article_view_escape(self, event: ArticleView.Escape) -> None:
        if self.pending is not None:
            self.cancel_link()

    def action_back(self) -> None:
        if self.pending is not None:
            self.cancel_link()
            return
        self.app.leave_document()
