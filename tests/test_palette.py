"""Label looks per colour depth: distinct within a layer after the terminal's downgrade."""

from __future__ import annotations

import pytest
from rich.color import ColorSystem

from copydesk.schema import load_default_schema
from copydesk.tui.engine.palette import LabelInfo, depth_for, label_looks, nearest_distinct

SYSTEMS = {"256": ColorSystem.EIGHT_BIT, "16": ColorSystem.STANDARD}


def newsroom() -> list[LabelInfo]:
    return [LabelInfo(lb.name, lb.layer, lb.color) for lb in load_default_schema().labels]


def rendered(style, depth: str) -> tuple:  # type: ignore[no-untyped-def]
    """What reaches the terminal: the colour after Rich's downgrade, and the attributes."""
    color = style.color.downgrade(SYSTEMS[depth]) if depth in SYSTEMS and style.color else None
    attrs = tuple(sorted(k for k in ("bold", "dim", "italic", "underline", "strike",
                                     "overline", "underline2", "reverse")
                         if getattr(style, k)))
    return (color.number if color else None, attrs)


@pytest.mark.parametrize("depth", ["256", "16", "mono"])
def test_every_label_of_a_layer_renders_differently(depth: str) -> None:
    labels = newsroom()
    looks = label_looks(labels, depth)
    assert looks is not None and set(looks) == {lb.name for lb in labels}
    for layer in ("entity", "event", "attribution"):
        names = [lb.name for lb in labels if lb.layer == layer]
        shown = {rendered(looks[n], depth) for n in names}
        assert len(shown) == len(names), (layer, depth)
    assert all(not looks[n].reverse for n in looks)  # reverse video is the selection's


def test_the_issue_s_three_greys_are_now_three_colours() -> None:
    looks = label_looks(newsroom(), "256")
    assert looks is not None
    numbers = {rendered(looks[n], "256")[0] for n in ("ORG", "GPE", "PERSON")}
    assert len(numbers) == 3
    assert all(16 <= n <= 231 for n in numbers)  # the colour cube, never the grey ramp


def test_truecolor_keeps_the_view_s_own_looks_and_unknown_depth_is_refused() -> None:
    assert label_looks(newsroom(), "truecolor") is None
    with pytest.raises(ValueError, match="unknown colour depth"):
        label_looks(newsroom(), "3bit")


def test_more_labels_than_colours_still_differ_in_16() -> None:
    many = [LabelInfo(f"L{i}", "entity", "#61afef") for i in range(20)]
    looks = label_looks(many, "16")
    assert looks is not None
    assert len({rendered(looks[f"L{i}"], "16") for i in range(20)}) == 20


def test_nearest_distinct_keeps_the_nearest_for_the_first_label() -> None:
    from rich.color_triplet import ColorTriplet

    cands = [(1, ColorTriplet(255, 0, 0)), (2, ColorTriplet(0, 0, 255))]
    assert nearest_distinct(["#ff1010", "#ff0000"], cands) == [(0, 0), (1, 0)]
    assert nearest_distinct(["red", "red", "red"], cands)[2] == (0, 1)  # second round


@pytest.mark.parametrize("system, no_color, depth", [
    ("truecolor", False, "truecolor"), ("256", False, "256"), ("standard", False, "16"),
    ("windows", False, "16"), (None, False, "mono"), ("truecolor", True, "mono"),
])
def test_depth_for(system: str | None, no_color: bool, depth: str) -> None:
    assert depth_for(system, no_color=no_color) == depth


def test_every_pair_of_default_labels_differs_by_hue_or_underline_italic_in_16() -> None:
    """Issue 25: ORG and GPE were cyan / bright cyan. Bright is not a difference (bold is often
    drawn bright), so across all layers each pair must differ by hue or underline/italic."""
    from itertools import combinations

    from copydesk.tui.engine.palette import all_distinct, distinct_key

    looks = label_looks(newsroom(), "16")
    assert looks is not None and all_distinct(looks, ColorSystem.STANDARD)
    keys = {n: distinct_key(s, ColorSystem.STANDARD) for n, s in looks.items()}
    for a, b in combinations(keys, 2):
        assert keys[a] != keys[b], (a, b, keys[a])
    assert keys["ORG"][0] != keys["GPE"][0]  # the issue's pair: two hues now
    assert all(k[0] in range(1, 7) for k in keys.values())  # a chromatic hue for every label


def test_past_24_labels_16_colours_admit_they_cannot_tell_labels_apart() -> None:
    from copydesk.tui.engine.palette import all_distinct

    many = [LabelInfo(f"L{i}", "entity", "#61afef") for i in range(25)]
    assert not all_distinct(label_looks(many, "16"), ColorSystem.STANDARD)
    assert all_distinct(label_looks(many[:24], "16"), ColorSystem.STANDARD)


def test_mono_cannot_tell_the_default_labels_apart_so_their_tags_must() -> None:
    """Under NO_COLOR only underline and italic combine (4 looks for 21 labels): the screen
    shows tags (see test_e2e_screen_truth), and every tag must read differently."""
    from copydesk.tui.app.widgets.article_view import short_tag
    from copydesk.tui.engine.palette import all_distinct

    assert not all_distinct(label_looks(newsroom(), "mono"), None)
    tags = [short_tag(lb.name) for lb in newsroom()]
    assert len(set(tags)) == len(tags)
