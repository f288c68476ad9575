"""The article view on right-to-left text, through Pilot: what is painted where, and what keys,
clicks and selections do in visual mode."""

from __future__ import annotations

from bidi import get_display
from rich.cells import cell_len
from test_article_view import SIZE, ViewApp, view_of
from textual.message import Message
from textual.strip import Strip

from copydesk.tui.app.widgets.article_view import ArticleView
from copydesk.tui.engine.bidi import BidiOptions
from copydesk.tui.engine.layout import SpanView

SORANI = "ئارام کەریم بە Kurdistan24 ی ڕاگەیاند لە 12/3/2024 کۆبوونەوەکە دەکرێت."
ARABIC_QUOTE = 'He said "نعمل على مدار الساعة" on Tuesday.'


class BidiApp(ViewApp):
    def __init__(self, text: str, spans: list[SpanView] | None = None) -> None:
        super().__init__(text, spans or [])
        self.bidi_messages: list[Message] = []

    def on_article_view_bidi_changed(self, event: ArticleView.BidiChanged) -> None:
        self.bidi_messages.append(event)


def cells(strip: Strip, test: object) -> set[int]:
    """Cells of a painted row whose style passes ``test``."""
    found: set[int] = set()
    x = 0
    for seg in strip:
        width = seg.cell_length
        if seg.style is not None and test(seg.style):  # type: ignore[operator]
            found.update(range(x, x + width))
        x += width
    return found


def char_cells(view: ArticleView, start: int, end: int) -> set[int]:
    """Cells the mapping gives for the characters [start, end) (all on row 0 here)."""
    row = view.layout.rows[0]
    out: set[int] = set()
    for gs, _ge, disp, x in row.visual:
        if start <= gs < end:
            out.update(range(row.x0 + x, row.x0 + x + len(disp)))
    return out


async def test_sorani_row_is_painted_right_aligned_in_visual_order() -> None:
    app = BidiApp(SORANI)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.pause()
        layout = view.layout
        painted = "".join(seg.text for seg in view.render_line(0))
        row = layout.rows[0]
        assert row.display == get_display(SORANI[row.start:row.end], base_dir="R")
        # right-aligned: blank cells, then the row in visual order up to the last column
        assert painted == " " * row.x0 + row.display
        assert len(painted) == view.scrollable_content_region.width


async def test_left_moves_on_screen_through_an_rtl_row_with_an_english_name() -> None:
    app = BidiApp(SORANI)
    async with app.run_test(size=(120, 8)) as pilot:
        view = view_of(app)
        await pilot.pause()
        layout = view.layout
        assert len(layout) == 1
        _, x = layout.cell_of(view.cursor)
        seen = {view.cursor}
        # reading an RTL row: left again and again walks every grapheme, right to left
        for _ in range(len(SORANI)):
            await pilot.press("left")
            _, nx = layout.cell_of(view.cursor)
            assert nx < x
            x = nx
            seen.add(view.cursor)
        assert view.cursor == len(SORANI)  # the end-of-line cell, left of the text
        assert seen == set(range(len(SORANI) + 1))
        await pilot.press("right")
        assert layout.cell_of(view.cursor)[1] == min(layout.rows[0].offset_to_cell(c)
                                                     for c in range(len(SORANI)))


async def test_logical_mode_moves_in_stored_order() -> None:
    app = BidiApp(SORANI)
    async with app.run_test(size=(120, 8)) as pilot:
        view = view_of(app)
        view.bidi = BidiOptions(mode="logical")
        await pilot.pause()
        await pilot.press("right", "right")
        assert view.cursor == 2
        assert "".join(s.text for s in view.render_line(0)).startswith(SORANI)


async def test_selection_across_a_direction_boundary_paints_exactly_its_characters() -> None:
    app = BidiApp(SORANI)
    async with app.run_test(size=(120, 8)) as pilot:
        view = view_of(app)
        view.snap_tokens = False
        await pilot.pause()
        # from the start of "بە" (RTL) leftwards on screen into "Kurdistan24" (LTR)
        start = SORANI.index("بە")
        view.move_cursor(start)
        for _ in range(6):
            await pilot.press("shift+left")
        sel = view.selected_range()
        assert sel is not None and sel[0] == start
        shown = SORANI[sel[0]:sel[1]]
        assert shown.startswith("بە ") and "K" in shown  # crossed into the English name
        strip = view.render_line(0)
        reversed_cells = cells(strip, lambda s: bool(s.reverse))
        cursor_cell = view.layout.cell_of(view.cursor)[1]
        assert reversed_cells - {cursor_cell} == char_cells(view, *sel)


async def test_span_highlights_sit_on_their_characters_in_mixed_rows() -> None:
    name = SORANI.index("Kurdistan24")
    word = SORANI.index("کەریم")
    spans = [SpanView(1, name, name + 11, "ORG", "entity", "#ff8800"),
             SpanView(2, word, word + 5, "PERSON", "entity", "#00aaff")]
    app = BidiApp(SORANI, spans)
    async with app.run_test(size=(120, 8)) as pilot:
        view = view_of(app)
        await pilot.pause()
        view.move_cursor(len(SORANI))  # keep the cursor off both spans
        strip = view.render_line(0)
        underlined = cells(strip, lambda s: bool(s.underline))
        cursor_cell = view.layout.cell_of(view.cursor)[1]
        assert underlined - {cursor_cell} == (char_cells(view, name, name + 11)
                                              | char_cells(view, word, word + 5))


async def test_click_on_a_word_puts_the_cursor_on_its_logical_offset() -> None:
    app = BidiApp(ARABIC_QUOTE)
    async with app.run_test(size=(120, 8)) as pilot:
        view = view_of(app)
        await pilot.pause()
        row = view.layout.rows[0]
        target = ARABIC_QUOTE.index("مدار")
        x = row.offset_to_cell(target)
        left = view.content_region.x - view.region.x
        await pilot.click(ArticleView, offset=(left + x, 0))
        assert view.cursor == target
        # and the word's cells on screen run right to left over its letters
        xs = [row.offset_to_cell(target + k) for k in range(4)]
        assert xs == sorted(xs, reverse=True)


async def test_f6_cycles_display_modes_and_tells_the_screen() -> None:
    app = BidiApp(SORANI)
    async with app.run_test(size=(120, 8)) as pilot:
        view = view_of(app)
        await pilot.pause()
        assert view.bidi.mode == "visual" and view.layout.rows[0].rtl
        await pilot.press("f6")
        assert view.bidi.mode == "logical"
        assert view.layout.rows[0].bidi is None
        await pilot.press("f6")
        assert view.bidi.mode == "terminal"
        assert "".join(s.text for s in view.render_line(0)).startswith(SORANI)
        await pilot.press("f6", "f7", "f8")
        await pilot.pause()
        assert view.bidi == BidiOptions("visual", "rtl", True)
        assert [m.options.mode for m in app.bidi_messages] == [  # type: ignore[attr-defined]
            "logical", "terminal", "visual", "visual", "visual"]


async def test_painted_span_cells_equal_the_spans_characters_cells_on_random_mixed_text() -> None:
    """The renderer itself (not only the mapping): on seeded random mixed rows with random
    spans, the underlined cells of every row are exactly the cells of the spans' characters."""
    import random

    from copydesk.projects.textutil import grapheme_bounds

    pieces = ["قال", "کەریم", "هەولێر", "Kurdistan24", "2024", "12/3", "(", ")", "،", " ",
              " ", "abc", "٣٤", "\u202e", "中", "e\u0301", "\t", "ً"]
    rng = random.Random(14)
    app = BidiApp("")
    async with app.run_test(size=(60, 30)) as pilot:
        view = view_of(app)
        await pilot.pause()
        for _ in range(40):
            text = "".join(rng.choice(pieces) for _ in range(rng.randint(5, 40)))
            bounds = grapheme_bounds(text)
            spans = []
            for sid in range(rng.randint(1, 3)):
                a, b = sorted(rng.sample(bounds, 2))
                spans.append(SpanView(sid, a, b, "X", "entity", "#ff8800"))
            view.load(text, spans)
            view.move_cursor(len(text))
            await pilot.pause()
            layout = view.layout
            for y, row in enumerate(layout.rows):
                if row.bidi is None:
                    continue
                strip = view.render_line(y)
                painted = cells(strip, lambda s: bool(s.underline))
                painted.discard(layout.cell_of(view.cursor)[1] if layout.row_of(view.cursor) == y
                                else -1)
                expected: set[int] = set()
                for gs, _ge, disp, x in row.visual:
                    if any(s.start <= gs < s.end for s in spans):
                        expected.update(range(row.x0 + x, row.x0 + x + cell_len(disp)))
                assert painted == expected, (text, spans, y)


async def test_dragging_over_an_rtl_word_selects_it_in_stored_order() -> None:
    app = BidiApp(ARABIC_QUOTE)
    async with app.run_test(size=(120, 8)) as pilot:
        view = view_of(app)
        view.snap_tokens = False
        await pilot.pause()
        row = view.layout.rows[0]
        word = ARABIC_QUOTE.index("مدار")
        left = view.content_region.x - view.region.x
        # press on the word's first letter (its right end on screen), drag leftwards past it
        start_x = row.offset_to_cell(word)
        end_x = row.offset_to_cell(word + 4)  # the space after it, drawn left of the word
        await pilot.mouse_down(ArticleView, offset=(left + start_x, 0))
        await pilot.hover(ArticleView, offset=(left + end_x, 0))
        await pilot.mouse_up(ArticleView, offset=(left + end_x, 0))
        assert view.selection == (word, word + 4)
        assert ARABIC_QUOTE[slice(*view.selection)] == "مدار"
