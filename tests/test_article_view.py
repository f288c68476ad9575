"""The article view driven through Pilot: keys, mouse, painting and per-key cost."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import App, ComposeResult
from textual.message import Message

from copydesk.tui.app.widgets.article_view import ArticleView
from copydesk.tui.engine.layout import SpanView

FAMILY = "👨\u200d👩\u200d👧"
SIZE = (60, 12)  # content: 60 - 2 (padding) - 2 (scrollbar) = 56 cells, layout wraps at 55


class ViewApp(App[None]):
    """A tiny app that mounts one article view and records its messages."""

    def __init__(self, text: str, spans: Sequence[SpanView] = ()) -> None:
        super().__init__()
        self.text = text
        self.spans = list(spans)
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield ArticleView(self.text, self.spans)

    def on_mount(self) -> None:
        self.query_one(ArticleView).focus()

    def on_article_view_cursor_moved(self, event: ArticleView.CursorMoved) -> None:
        self.messages.append(event)

    def on_article_view_selection_changed(self, event: ArticleView.SelectionChanged) -> None:
        self.messages.append(event)

    def on_article_view_escape(self, event: ArticleView.Escape) -> None:
        self.messages.append(event)


def view_of(app: ViewApp) -> ArticleView:
    return app.query_one(ArticleView)


async def test_right_moves_over_zwj_family_in_one_step() -> None:
    app = ViewApp(f"a{FAMILY}b")
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.press("right")
        assert view.cursor == 1
        await pilot.press("right")
        assert view.cursor == 1 + len(FAMILY)
        await pilot.press("left")
        assert view.cursor == 1


async def test_word_and_sentence_moves() -> None:
    text = "The army said it won. Officials denied it! Then silence."
    app = ViewApp(text)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.press("w")
        assert view.cursor == text.index("army")
        await pilot.press("ctrl+right", "ctrl+right", "ctrl+right")
        assert view.cursor == text.index("won")
        await pilot.press("b")
        assert view.cursor == text.index("it")
        await pilot.press("right_parenthesis")
        assert view.cursor == text.index("Officials")
        await pilot.press(")")
        assert view.cursor == text.index("Then")
        await pilot.press("(", "(")
        assert view.cursor == 0
        await pilot.press("ctrl+end")
        assert view.cursor == len(text)
        await pilot.press("ctrl+home")
        assert view.cursor == 0


async def test_shift_right_selection_snaps_to_tokens() -> None:
    text = "The army said on Tuesday."
    app = ViewApp(text)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.press("w")  # at "army"
        await pilot.press("shift+right", "shift+right")
        assert view.selection == (4, 6)
        assert view.selected_range() == (4, 8)
        await pilot.press("t")  # snapping off: graphemes only
        assert view.selected_range() == (4, 6)
        await pilot.press("t")
        await pilot.press("ctrl+shift+right")  # "army " -> still "army"
        assert view.selection == (4, 9) and view.selected_range() == (4, 8)
        await pilot.press("ctrl+shift+right")
        assert view.selected_range() == (4, 13)
        await pilot.press("right")  # a plain move drops the selection
        assert view.selection is None
        sel_msgs = [m for m in app.messages if isinstance(m, ArticleView.SelectionChanged)]
        assert [m.selection for m in sel_msgs] == [(4, 8), (4, 6), (4, 8), (4, 13), None]


async def test_select_mode_and_escape() -> None:
    text = "Kirkuk police said on Monday"
    app = ViewApp(text)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.press("v")
        assert view.select_mode
        await pilot.press("right", "right", "w")
        assert view.selection == (0, text.index("police"))
        assert view.selected_range() == (0, len("Kirkuk"))  # edge space dropped
        await pilot.press("escape")
        assert view.selection is None and not view.select_mode
        assert isinstance(app.messages[-1], ArticleView.Escape)
        await pilot.press("w", "space", "w", "w")
        assert view.selected_range() == (text.index("said"), text.index("on") + 2)


async def test_up_down_keep_goal_column() -> None:
    text = "abcdefgh\nab\nabcdefgh"
    app = ViewApp(text)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.press("end")
        assert view.cursor == 8
        await pilot.press("down")
        assert view.cursor == 11  # end of the short line
        await pilot.press("down")
        assert view.cursor == 12 + 8  # back on the goal column
        await pilot.press("home", "up")
        assert view.cursor == 9


async def test_click_maps_cells_to_offsets_on_cjk_line() -> None:
    text = "中文字abc"
    app = ViewApp(text)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        left = view.content_region.x - view.region.x  # padding
        await pilot.click(ArticleView, offset=(left + 3, 0))  # second cell of 文
        assert view.cursor == 1
        await pilot.click(ArticleView, offset=(left + 4, 0))
        assert view.cursor == 2
        await pilot.click(ArticleView, offset=(left + 6, 0))  # "a"
        assert view.cursor == 3
        await pilot.click(ArticleView, offset=(left + 40, 0))  # past the end
        assert view.cursor == len(text)


async def test_drag_selects() -> None:
    text = "Erbil officials said"
    app = ViewApp(text)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        left = view.content_region.x - view.region.x
        await pilot.mouse_down(ArticleView, offset=(left + 7, 0))
        await pilot.hover(ArticleView, offset=(left + 12, 0))
        await pilot.mouse_up(ArticleView, offset=(left + 12, 0))
        assert view.selection == (7, 12)
        assert view.selected_range() == (6, 15)


def styles_by_text(view: ArticleView, y: int) -> list[tuple[str, object]]:
    return [(seg.text, seg.style) for seg in view.render_line(y) if seg.text.strip()]


async def test_spans_render_with_layer_styles_and_highlight() -> None:
    text = 'Police said "Ahmed was arrested in Kirkuk" on Monday.'
    a = text.index("Ahmed")
    arrested = text.index("arrested")
    quote = (text.index('"'), text.rindex('"') + 1)
    spans = [
        SpanView(1, a, a + 5, "PERSON", "entity", "#ff8800"),
        SpanView(2, arrested, arrested + 8, "Justice.Arrest", "event", "#00ff00"),
        SpanView(3, quote[0], quote[1], "CONTENT", "attribution", "#8888ff"),
    ]
    app = ViewApp(text, spans)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.press("ctrl+end")
        segs = dict(styles_by_text(view, 0))
        ahmed = segs["Ahmed"]
        assert ahmed.underline and ahmed.italic and ahmed.bgcolor is not None  # entity in quote
        trig = segs["arrested"]
        assert trig.bold and trig.italic and trig.color.triplet.hex == "#00ff00"
        assert not segs["Police said "].italic
        view.highlight_ids = {1}
        await pilot.pause()
        assert dict(styles_by_text(view, 0))["Ahmed"].overline
        assert view.spans_at(a + 1) == [spans[2], spans[0]]
        assert view.spans_at(0) == []


async def test_cursor_and_selection_are_painted() -> None:
    app = ViewApp("one two three")
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        segs = styles_by_text(view, 0)
        assert segs[0][0] == "o" and segs[0][1].reverse
        await pilot.press("shift+right")
        segs = styles_by_text(view, 0)
        # the snapped selection "one" is reversed; the cursor on "n" toggles back and underlines
        assert [t for t, _ in segs] == ["o", "n", "e", " two three"]
        assert segs[0][1].reverse and segs[2][1].reverse
        assert not segs[1][1].reverse and segs[1][1].underline
        assert not segs[3][1].reverse


async def test_control_chars_render_as_placeholders() -> None:
    text = "ok\x1b]0;pwned\x07 \x1b[2J\x00 \x9b \u202eevil\u202c\r\nnext\ttab"
    app = ViewApp(text)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.pause()
        for y in range(SIZE[1]):
            strip_text = view.render_line(y).text
            assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in strip_text)
            assert "\u202e" not in strip_text and "\u202c" not in strip_text
        first = view.render_line(0).text
        assert "␛]0;pwned␇" in first and "␀" in first and "¤" in first
        assert view.render_line(1).text.startswith("next    tab")
        placeholder = [s for t, s in styles_by_text(view, 0) if "␛" in t]
        assert placeholder and placeholder[0].dim


async def test_messages_only_when_changed() -> None:
    text = "alpha beta"
    spans = [SpanView(7, 6, 10, "ORG", "entity", "red")]
    app = ViewApp(text, spans)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.pause()
        app.messages.clear()
        await pilot.press("left")  # already at 0: nothing to say
        await pilot.press("w")
        await pilot.pause()
        moved = [m for m in app.messages if isinstance(m, ArticleView.CursorMoved)]
        assert len(moved) == 1
        assert moved[0].offset == 6 and [s.id for s in moved[0].spans] == [7]
        await pilot.press("left_square_bracket")
        assert view.cursor == 6  # no span starts before: stays
        await pilot.press("home", "right_square_bracket")
        assert view.cursor == 6


async def test_resize_rewraps_and_keeps_cursor_visible() -> None:
    text = " ".join(["word"] * 400)
    app = ViewApp(text)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        wide = len(view.layout)
        await pilot.press("ctrl+end")
        await pilot.resize_terminal(30, 12)
        await pilot.pause()
        assert len(view.layout) > wide
        row = view.layout.row_of(view.cursor)
        top = view.scroll_offset.y
        assert top <= row < top + view.scrollable_content_region.height


async def test_big_document_key_press_costs_screen_rows() -> None:
    vocab = ["Kirkuk", "police", "said", "ISIS", "fighters", "were", "arrested.", "中文", FAMILY]
    paras = [" ".join(vocab[(i + j) % len(vocab)] for j in range(100)) for i in range(1000)]
    text = "\n\n".join(paras)  # 100k words
    spans = [
        SpanView(i, off, off + 6, "GPE", "entity", "#aa5500")
        for i, off in enumerate(range(0, len(text) - 10, 97))
    ]
    app = ViewApp(text, spans)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.pause()
        height = view.scrollable_content_region.height
        first_paint = view.rows_rendered
        assert first_paint <= 2 * height
        for key in ("down", "right", "w", "shift+right", "pagedown", "down"):
            before = view.rows_rendered
            await pilot.press(key)
            await pilot.pause()
            # a move repaints the rows it touched; a scroll repaints one screen
            assert view.rows_rendered - before <= height + 2, key
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert view.cursor == len(text)
