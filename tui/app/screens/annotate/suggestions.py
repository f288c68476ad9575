"""Suggestions on the annotation screen: ghosts to accept or reject, one key each.

A mixin for `AnnotateScreen`, kept in its own module so the screen's other work (labels, links,
status) and this stay apart. Domain rules (what is shown, what accepting copies, what a rejection
hides) live in `projects.suggest.decisions`; here keys become calls and results become ghosts.

Keys (also in `schema.keys.RESERVED_HOTKEYS`): `+` (or `=`) accepts the suggestion under the
cursor with its links, `-` rejects it, `*` accepts every suggestion left in the document, `.` and
`,` move to the next and previous suggestion. Accepting or rejecting moves on to the next
suggestion, so a run of good suggestions costs one key each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from copydesk.projects.suggest import is_suggestion_set
from copydesk.tui.engine.layout import SpanView
from copydesk.tui.engine.text import safe_text
from copydesk.tui.engine.wording import count_of

if TYPE_CHECKING:
    from copydesk.projects.suggest.decisions import Suggestion
    from copydesk.tui.app.screens.annotate.screen import AnnotateScreen

KEYS_HINT = "+ accept · - reject · * accept all · , . previous/next suggestion"


class SuggestionActions:
    """Ghost suggestions and the accept / reject / accept-all actions (see module docstring)."""

    suggestions: list[Suggestion]
    _ghost_owner: dict[int, Suggestion]

    def _init_suggestions(self) -> None:
        self.suggestions = []
        self._ghost_owner = {}

    def refresh_suggestions(self: AnnotateScreen) -> None:  # type: ignore[misc]
        """Re-read the pending suggestions and show them as ghosts."""
        if is_suggestion_set(self.app.annotator):
            self.suggestions = []  # a suggestion source does not review itself
        else:
            # Imported here, not at the top: it loads SQLAlchemy, which the screen's first
            # frame does without (see projects.firstread); suggestions come with the store.
            from copydesk.projects.suggest.decisions import pending

            self.suggestions = pending(self.store, self.doc_id, self.app.annotator)
        self.show_suggestions(self.suggestions)

    def show_suggestions(self: AnnotateScreen,  # type: ignore[misc]
                         suggestions: list[Suggestion]) -> None:
        """Show `suggestions` (read here, or in the screen's load worker) as ghosts."""
        self.suggestions = suggestions
        ghosts: list[SpanView] = []
        owner: dict[int, Suggestion] = {}
        ghost_id = -1
        for sug in self.suggestions:
            for part in sug.parts:
                label = self.schema.label(part.label)
                ghosts.append(SpanView(id=ghost_id, start=part.start, end=part.end,
                                       label=part.label, layer=part.layer,
                                       color=label.color if label is not None else "grey50",
                                       fragments=part.fragments))
                owner[ghost_id] = sug
                ghost_id -= 1
        self._ghost_owner = owner
        self.view.set_ghosts(ghosts)

    def suggestion_here(self: AnnotateScreen) -> Suggestion | None:  # type: ignore[misc]
        """The suggestion under the cursor (the shortest ghost there), or None."""
        ghosts = sorted(self.view.ghosts_at(self.view.cursor), key=lambda g: g.end - g.start)
        for ghost in ghosts:
            sug = self._ghost_owner.get(ghost.id)
            if sug is not None:
                return sug
        return None

    def describe_suggestion(self: AnnotateScreen, sug: Suggestion) -> Text:  # type: ignore[misc]
        """A suggestion for the status line and side panel; its text in the view's display
        order (right-to-left words reordered as the article shows them)."""
        bidi = self.view.bidi
        out = Text()
        out.append("◌ suggestion ", style="bold italic")
        out.append(f"({sug.source}) ", style="dim")
        out.append(sug.head.label, style="bold")
        out.append(" ")
        out.append_text(safe_text(sug.head.text, limit=50, bidi=bidi))
        for tail, role in sug.links:
            out.append(f"  {role}: ", style="dim")
            out.append_text(safe_text(tail.text, limit=30, bidi=bidi))
        out.append(f"   {KEYS_HINT}", style="dim")
        return out

    def suggestion_count_text(self) -> str:
        return f"  ·  {count_of(len(self.suggestions), 'suggestion')}" if self.suggestions else ""

    # ------------------------------------------------------------------ actions
    def action_accept_suggestion(self: AnnotateScreen) -> None:  # type: ignore[misc]
        self._decide_here(accepted=True)

    def action_accept_all_suggestions(self: AnnotateScreen) -> None:  # type: ignore[misc]
        if self.still_loading():
            return
        if not self.suggestions:
            self.say("No suggestions left in this document.", error=True)
            return
        self._decide(list(self.suggestions), accepted=True)

    def action_reject_suggestion(self: AnnotateScreen) -> None:  # type: ignore[misc]
        self._decide_here(accepted=False)

    def _decide_here(self: AnnotateScreen, *, accepted: bool) -> None:  # type: ignore[misc]
        if self.still_loading():
            return
        sug = self.suggestion_here()
        if sug is None:
            self.say("No suggestion under the cursor (. and , move between suggestions).",
                     error=True)
            return
        self._decide([sug], accepted=accepted)

    def _decide(self: AnnotateScreen, chosen: list[Suggestion], *,  # type: ignore[misc]
                accepted: bool) -> None:
        """One store write through the screen's write queue; the screen follows when saved."""
        from copydesk.projects.suggest.decisions import accept, reject  # start-up time: above

        store, doc_id, annotator = self.store, self.doc_id, self.app.annotator

        def run() -> list[str]:
            if accepted:
                return accept(store, doc_id, annotator, chosen)[1]
            reject(store, doc_id, annotator, chosen[0])
            return []

        def done(refused: list[str]) -> None:
            self.reload()
            if len(chosen) == 1:
                self._move_to_suggestion(1, after=chosen[0].head.start - 1)
            count = len(chosen) - len(refused)
            if refused:
                self.say(f"Saved {count} of {len(chosen)}; refused: {refused[0]}", error=True)
                return
            what = chosen[0].head.label if len(chosen) == 1 else f"{count} suggestions"
            verb = "accepted" if accepted else "rejected"
            self.say(f"Saved: {verb} {what} (u undoes)"
                     + (f" · {len(self.suggestions)} left" if self.suggestions else ""))

        self.save(run, done, "accept suggestion" if accepted else "reject suggestion")

    def action_next_suggestion(self: AnnotateScreen, step: int) -> None:  # type: ignore[misc]
        if self.still_loading():
            return
        if not self.suggestions:
            self.say("No suggestions in this document.")
            return
        self._move_to_suggestion(step, after=self.view.cursor)

    def _move_to_suggestion(self: AnnotateScreen, step: int,  # type: ignore[misc]
                            after: int) -> None:
        heads = sorted({s.head.start for s in self.suggestions})
        if not heads:
            return
        if step > 0:
            target = next((h for h in heads if h > after), heads[0])
        else:
            target = next((h for h in reversed(heads) if h < after), heads[-1])
        self.view.clear_selection()
        self.view.move_cursor(target)
