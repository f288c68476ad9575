"""Label looks per colour depth, chosen here rather than left to the toolkit's downgrade.

Textual paints in truecolor and lets Rich downgrade each colour to what the terminal has. Label
colours that differ in truecolor then collapse: over SSH (no ``COLORTERM``) the pale background
tints of ORG, GPE and PERSON all became the same grey in 256 and in 16 colours. So the article
view asks this module for a look per label and per depth:

- ``truecolor``: ``None`` (the view keeps its own looks: entity = background tint + underline,
  event = bold in the label colour, attribution = italic in the label colour).
- ``256``: the label colour as foreground, moved to the nearest *unused* colour of the xterm
  6x6x6 cube (no greys, nothing too dark to read on a dark background), so two labels of a layer
  never share a colour. Cube colours survive Rich's downgrade unchanged.
- ``16``: one of the twelve chromatic ANSI colours (given as Rich's own standard palette
  triplets, so the downgrade maps each back to itself). Many terminals draw bold as bright and
  users set "bright" colours as they please, so cyan and bright cyan count as *one* hue: any
  two labels of the schema, whatever their layer, differ by hue (six of them) or by underline /
  italic (``distinct_key``). Each label takes the nearest hue still free for its layer's base
  attributes, then for the nearest other underline/italic combination: 24 looks in all. Past
  that, looks repeat (``all_distinct`` says so and the screen turns the label tags on).
- ``mono`` (``NO_COLOR``, or no colour at all): text attributes only, a distinct combination
  per label within its layer (never reverse video: that is the selection's look).

In 256 colours labels only need to differ from the other labels *of their layer*: layers
already differ by attribute (underline, bold, italic). In 16 colours and in mono the test is
stricter (every pair of labels, see ``all_distinct``); where attributes cannot tell every label
apart (mono has only underline and italic to combine), the screen shows the inline label tags
by default, which name every label.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.color import Color, ColorParseError
from rich.color_triplet import ColorTriplet
from rich.style import Style

__all__ = ["DEPTHS", "LabelInfo", "all_distinct", "depth_for", "distinct_key", "label_looks",
           "nearest_distinct"]

DEPTHS = ("truecolor", "256", "16", "mono")

# Base look per layer (shared by every depth but truecolor, which keeps the view's own looks).
_LAYER_BASE: dict[str, dict[str, bool]] = {
    "entity": {"underline": True},
    "event": {"bold": True},
}
_OTHER_BASE: dict[str, bool] = {"italic": True}

# Extra attributes for monochrome terminals, tried in order; combinations that would repeat a
# look already given in the layer are skipped.
_MONO_VARIANTS: tuple[tuple[str, ...], ...] = (
    (),
    ("bold",),
    ("italic",),
    ("overline",),
    ("strike",),
    ("underline2",),
    ("bold", "italic"),
    ("bold", "overline"),
    ("italic", "overline"),
    ("bold", "strike"),
    ("italic", "strike"),
    ("overline", "strike"),
    ("dim",),
    ("dim", "italic"),
    ("dim", "overline"),
    ("bold", "italic", "overline"),
)

# The chromatic ANSI colours (red, green, yellow, blue, magenta, cyan, and their bright forms).
_ANSI_CHROMATIC = (1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 14)
_CUBE_LEVELS = (0, 95, 135, 175, 215, 255)


@dataclass(frozen=True)
class LabelInfo:
    """What the palette needs of a schema label."""

    name: str
    layer: str
    color: str


def depth_for(color_system: str | None, *, no_color: bool = False) -> str:
    """The depth to paint for: Rich's detected colour system, or ``mono`` under ``NO_COLOR``.

    ``NO_COLOR`` is read by Textual at start-up and turned into a monochrome filter, so colours
    cannot tell labels apart there whatever the terminal supports.
    """
    if no_color or color_system is None:
        return "mono"
    if color_system == "truecolor":
        return "truecolor"
    if color_system == "256":
        return "256"
    return "16"  # "standard" (TERM=xterm, screen, linux) and "windows"


def _triplet(color: str) -> ColorTriplet:
    try:
        return Color.parse(color).get_truecolor()
    except ColorParseError:
        return ColorTriplet(128, 128, 128)


def _distance(a: ColorTriplet, b: ColorTriplet) -> float:
    """'Redmean' RGB distance: cheap and close enough to perceived difference for this."""
    rmean = (a.red + b.red) / 2
    dr, dg, db = a.red - b.red, a.green - b.green, a.blue - b.blue
    return (2 + rmean / 256) * dr * dr + 4 * dg * dg + (2 + (255 - rmean) / 256) * db * db


def _cube_candidates() -> list[tuple[int, ColorTriplet]]:
    out = []
    for r in range(6):
        for g in range(6):
            for b in range(6):
                rgb = ColorTriplet(_CUBE_LEVELS[r], _CUBE_LEVELS[g], _CUBE_LEVELS[b])
                if r == g == b or max(rgb) < 135:  # greys, and too dark on a dark background
                    continue
                out.append((16 + 36 * r + 6 * g + b, rgb))
    return out


# The 16 standard colours as Rich matches a colour to them when it downgrades to 16 colours
# (the CGA/VGA values Rich keeps in a private module; tests/test_framework.py checks they agree).
STANDARD_16: tuple[tuple[int, int, int], ...] = (
    (0, 0, 0), (170, 0, 0), (0, 170, 0), (170, 85, 0), (0, 0, 170), (170, 0, 170),
    (0, 170, 170), (170, 170, 170), (85, 85, 85), (255, 85, 85), (85, 255, 85),
    (255, 255, 85), (85, 85, 255), (255, 85, 255), (85, 255, 255), (255, 255, 255),
)


def _standard_candidates() -> list[tuple[int, ColorTriplet]]:
    return [(n, ColorTriplet(*STANDARD_16[n])) for n in _ANSI_CHROMATIC]


def nearest_distinct(colors: Sequence[str], candidates: Sequence[tuple[int, ColorTriplet]]
                     ) -> list[tuple[int, int]]:
    """For each colour, ``(candidate index, round)``: the nearest candidate not yet taken.

    Greedy in the given order (schema order: the first labels keep their nearest colour). When
    every candidate is taken, a new round starts and candidates are reused; the round number
    lets the caller add an attribute so reused colours still differ.
    """
    taken: set[int] = set()
    out: list[tuple[int, int]] = []
    rnd = 0
    for color in colors:
        if len(taken) == len(candidates):
            taken.clear()
            rnd += 1
        rgb = _triplet(color)
        best = min((i for i in range(len(candidates)) if i not in taken),
                   key=lambda i: _distance(rgb, candidates[i][1]))
        taken.add(best)
        out.append((best, rnd))
    return out


def _base(layer: str) -> dict[str, bool]:
    return dict(_LAYER_BASE.get(layer, _OTHER_BASE))


def _by_layer(labels: Iterable[LabelInfo]) -> dict[str, list[LabelInfo]]:
    layers: dict[str, list[LabelInfo]] = {}
    for label in labels:
        layers.setdefault(label.layer, []).append(label)
    return layers


def label_looks(labels: Iterable[LabelInfo], depth: str) -> dict[str, Style] | None:
    """Label name -> Rich style for ``depth``; None in truecolor (the view's own looks)."""
    if depth == "truecolor":
        return None
    if depth not in DEPTHS:
        raise ValueError(f"unknown colour depth {depth!r}; one of {', '.join(DEPTHS)}")
    looks: dict[str, Style] = {}
    for layer, members in _by_layer(labels).items():
        if depth == "mono":
            looks.update(_mono_looks(layer, members))
            continue
        if depth == "16":
            continue  # every pair across layers: see _sixteen_looks below
        candidates = _cube_candidates()
        make = lambda n, rgb: Color.from_ansi(n)  # noqa: E731 - cube colours keep their number
        for label, (i, rnd) in zip(members, nearest_distinct([m.color for m in members],
                                                                candidates), strict=True):
            number, rgb = candidates[i]
            attrs = _base(layer)
            if rnd:
                attrs["underline2"] = True
                if rnd > 1:
                    attrs["overline"] = True
            looks[label.name] = Style(color=make(number, rgb), **attrs)
    if depth == "16":
        looks.update(_sixteen_looks(list(labels)))
    return looks


# What tells two looks apart on any terminal: the hue (normal and bright forms of an ANSI colour
# are one hue, since bold is often drawn as bright) and underline / italic / reverse. Bold, dim,
# overline, strike and double underline are extras some terminals drop or fake with brightness.
_DISTINCT_ATTRS = ("underline", "italic", "reverse")


def distinct_key(style: Style, color_system: object | None = None) -> tuple[object, ...]:
    """What of ``style`` a reader can rely on to tell it from another look.

    ``color_system`` is Rich's ``ColorSystem`` the terminal gets (None: colours are dropped, as
    under ``NO_COLOR``). The colour is reduced to its hue among the six ANSI hues (1-6), so
    "cyan" and "bright cyan" are the same.
    """
    hue: int | None = None
    if style.color is not None and color_system is not None:
        number = style.color.downgrade(color_system).number  # type: ignore[arg-type]
        if number is not None:
            hue = number % 8
    underline = bool(style.underline or style.underline2)
    return (hue, underline, bool(style.italic), bool(style.reverse))


def all_distinct(looks: dict[str, Style] | None, color_system: object | None) -> bool:
    """True when every pair of labels differs by hue or by underline/italic/reverse."""
    if looks is None:
        return True
    keys = [distinct_key(style, color_system) for style in looks.values()]
    return len(set(keys)) == len(keys)


_COMBOS = (frozenset(), frozenset({"underline"}), frozenset({"italic"}),
           frozenset({"underline", "italic"}))


def _sixteen_looks(labels: Sequence[LabelInfo]) -> dict[str, Style]:
    """Looks for 16 colours: every label a (hue, underline/italic) pair of its own while the 24
    pairs last. A first pass gives labels their layer's own attributes (the nearest free hue);
    a second places the rest, keeping their layer's attributes where it can."""
    candidates = _standard_candidates()
    taken: set[tuple[int, frozenset[str]]] = set()
    chosen: dict[str, tuple[int, frozenset[str]]] = {}

    def wanted(label: LabelInfo) -> frozenset[str]:
        base = _base(label.layer)
        return frozenset(k for k in ("underline", "italic") if base.get(k))

    def place(label: LabelInfo, combos: Sequence[frozenset[str]]) -> None:
        rgb = _triplet(label.color)
        by_distance = sorted(range(len(candidates)),
                             key=lambda i: _distance(rgb, candidates[i][1]))
        for combo in combos:
            for i in by_distance:
                if (candidates[i][0] % 8, combo) not in taken:
                    taken.add((candidates[i][0] % 8, combo))
                    chosen[label.name] = (i, combo)
                    return

    for label in labels:
        place(label, [wanted(label)])
    for label in labels:
        if label.name not in chosen:
            own = wanted(label)
            place(label, sorted(_COMBOS, key=lambda c: (not own <= c, len(c ^ own), sorted(c))))
    looks: dict[str, Style] = {}
    for label in labels:
        extras = {k: v for k, v in _base(label.layer).items() if k not in ("underline", "italic")}
        if label.name in chosen:
            i, combo = chosen[label.name]
        else:  # all 24 looks used: the nearest colour again, with a double underline
            rgb = _triplet(label.color)
            i = min(range(len(candidates)), key=lambda j: _distance(rgb, candidates[j][1]))
            combo = wanted(label)
            extras["underline2"] = True
        looks[label.name] = Style(color=Color.from_triplet(candidates[i][1]),
                                  **dict.fromkeys(combo, True), **extras)
    return looks


def _mono_looks(layer: str, members: Sequence[LabelInfo]) -> dict[str, Style]:
    looks: dict[str, Style] = {}
    seen: set[frozenset[str]] = set()
    variants = iter(_MONO_VARIANTS)
    for label in members:
        for variant in variants:
            attrs = {k for k, v in _base(layer).items() if v} | set(variant)
            key = frozenset(attrs)
            if key not in seen:
                seen.add(key)
                looks[label.name] = Style(**dict.fromkeys(attrs, True))
                break
        else:  # more labels than looks: the tag mode is the way to tell these apart
            looks[label.name] = Style(**dict.fromkeys(_base(layer), True))
    return looks
