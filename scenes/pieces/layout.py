"""The one layout grid of every scene: title, main area, side column (counter, panel, legend, parameters), band.

Talk frame (14.2 x 8 units)::

    +--------------------------- title (top, centred) ----------------------------+
    |  headline line (a rule or formula under the title; talk only)               |
    |  MAIN: x in [-6.95, 4.2]                 | SIDE: from 4.45 (or wider), to 6.95 |
    |                                                    |  round counter          |
    |                                                    |  panel (rules, counts)  |
    |                                                    |  legend                 |
    |                                                    |  parameter line         |
    +------------------- conclusion band (bottom, talk only) ---------------------+

A paper figure (THEME=paper) has no title, headline or conclusion band; at single column width the side column
goes under the main area (in a row) and every font is larger (kit.theme font_scale).
"""

from __future__ import annotations

import math

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Line, Rectangle, VGroup

from kit.theme import current_width

from .text import label, mathify
from .theme import COLORS, FS, figure_mode

TITLE_BUFF = 0.3
MAIN_LEFT, MAIN_RIGHT, MAIN_TOP, MAIN_BOTTOM = -6.95, 4.2, 2.75, -3.35
SIDE_LEFT, SIDE_RIGHT, SIDE_TOP = 4.45, 6.95, 2.75
SIDE_BUFF = 0.35


def title(text: str):
    """The slide title at the top; in a paper figure it is laid out (others may sit under it) but not drawn."""
    t = label(text, FS.title).to_edge(UP, buff=TITLE_BUFF)
    if figure_mode():
        t.set_opacity(0)
        t.chrome = True
    return t


def headline(mob, head, over_main: bool = True):
    """A rule or formula line under the title, over the main area (clear of the side column's round counter;
    ``over_main=False``: centred, for a scene without a side column); talk only: a figure's caption says it."""
    mob.next_to(head, DOWN, buff=0.2)
    if over_main:
        room = MAIN_RIGHT - MAIN_LEFT
        if mob.width > room:
            mob.scale_to_fit_width(room)
        mob.set_x((MAIN_LEFT + MAIN_RIGHT) / 2)
    if figure_mode():
        mob.set_opacity(0)
        mob.chrome = True
    return mob


def single_column() -> bool:
    return figure_mode() and current_width() == "single"


def side(*items, buff: float = SIDE_BUFF, top: float = SIDE_TOP) -> VGroup:
    """The side column: ``items`` stacked down from its top-left corner (at single column width: a row under
    the main area)."""
    g = VGroup(*[m for m in items if m is not None])
    for m in g:  # a paper figure at single width moves the panel up under the picture: every part of it, also
        for x in m.get_family():  # the parts a scene adds to itself one by one (a table's head, its rows)
            x.is_side = True
    if single_column():  # rows under the picture, each no wider than the main area
        room, rows, cur = MAIN_RIGHT - MAIN_LEFT, [], []
        for m in sorted(g, key=lambda m: isinstance(m, Legend)):  # the legend last: it is the widest
            if cur and sum(x.width for x in cur) + 0.8 * len(cur) + m.width > room:
                rows.append(cur)
                cur = []
            cur.append(m)
        rows.append(cur)
        block = VGroup(*[VGroup(*r).arrange(RIGHT, aligned_edge=UP, buff=0.8) for r in rows])
        block.arrange(DOWN, aligned_edge=LEFT, buff=0.3)
        block.move_to([MAIN_LEFT, MAIN_BOTTOM - 0.45, 0], aligned_edge=UP + LEFT)
        return g
    g.arrange(DOWN, aligned_edge=LEFT, buff=buff)
    # flush with the right margin; a panel narrower than the column starts at its left edge
    g.move_to([min(SIDE_LEFT, SIDE_RIGHT - g.width), top, 0], aligned_edge=UP + LEFT)
    return g


def nice_step(span: float, most: int = 7) -> float:
    """The tick step of 1, 2 or 5 times a power of ten that puts at most ``most`` ticks on ``span``."""
    p = 10.0 ** math.floor(math.log10(max(span, 1e-12) / most))
    return next(m * p for m in (1, 2, 5, 10) if span / (m * p) <= most)


def plot_frame(axes, size: float | None = None) -> VGroup:
    """A journal plot's frame for ``axes`` (a paper figure): a line along the bottom and the left edge of the
    plotted ranges with ticks and their numbers outside, so the numbers never sit in the data (crossing axes
    through the data stay as the zero lines)."""
    (x0, x1), (y0, y1) = (axes.x_range[:2], axes.y_range[:2])
    g, tick = VGroup(), 0.08
    line = dict(color=COLORS.muted, stroke_width=2)
    g.add(Line(axes.c2p(x0, y0), axes.c2p(x1, y0), **line), Line(axes.c2p(x0, y0), axes.c2p(x0, y1), **line))
    for lo, hi, along in ((x0, x1, True), (y0, y1, False)):
        step = nice_step(hi - lo)
        for v in np.arange(np.ceil(lo / step) * step, hi + step * 1e-9, step):
            v = 0.0 if abs(v) < step * 1e-9 else float(v)
            p = axes.c2p(v, y0) if along else axes.c2p(x0, v)
            d = DOWN if along else LEFT
            g.add(Line(p, p + d * tick, **line))
            g.add(label(f"{v:g}".replace("-", "−"), size or FS.tiny, COLORS.muted).next_to(p + d * tick, d, buff=0.08))
    return g


def params_line(*lines: str):
    """The parameter line (muted, small): words and numbers, symbols in $...$; several lines stack."""
    if len(lines) == 1:
        return label(lines[0], FS.tiny, COLORS.muted)
    return VGroup(*[label(t, FS.tiny, COLORS.muted) for t in lines]).arrange(DOWN, aligned_edge=LEFT, buff=0.1)


def stack(rows, columns: int = 1, buff: float = 0.18, col_buff: float = 0.45):
    """Arrange legend rows in ``columns`` columns (filled top to bottom, then left to right), top-left aligned."""
    rows = list(rows)
    per = -(-len(rows) // max(columns, 1))
    cols = [VGroup(*rows[i : i + per]).arrange(DOWN, aligned_edge=LEFT, buff=buff) for i in range(0, len(rows), per)]
    return VGroup(*cols).arrange(RIGHT, aligned_edge=UP, buff=col_buff)


class Legend(VGroup):
    """Rows of (swatch, text); ``rows[i].swatch`` is the drawn sample of row i. One column (two in the row under
    a single-column figure when it is long)."""

    def __init__(self, entries, size: float | None = None, columns: int | None = None):
        super().__init__()
        for text, swatch in entries:
            row = VGroup(swatch, label(text, size or FS.small)).arrange(RIGHT, buff=0.15)
            row.swatch, row.text = swatch, text
            self.add(row)
        self.columns = columns or (2 if single_column() and len(entries) > 4 else 1)
        stack(self.submobjects, self.columns)
        self.is_legend = True

    @property
    def rows(self):
        return list(self.submobjects)


def legend(entries, size: float | None = None) -> Legend:
    """Rows of (text, swatch mobject) stacked downwards."""
    return Legend(entries, size)


def conclusion_line(text: str, size: float | None = None):
    """The standard conclusion: the picture dimmed, the line on an opaque band across the bottom of the frame."""
    from manim import config

    room = config.frame_width - 0.8
    size = size or FS.label
    shown = mathify(text)  # the caption's symbols of mathematics, set in LaTeX on the band
    line = label(shown, size, COLORS.text)
    if line.width > room and " " in shown:  # two lines, broken at the space nearest the middle (not in $...$)
        spaces = [i for i, c in enumerate(shown) if c == " " and shown[:i].count("$") % 2 == 0]
        cut = min(spaces, key=lambda i: abs(i - len(shown) / 2))
        line = VGroup(label(shown[:cut], size, COLORS.text), label(shown[cut + 1 :], size, COLORS.text))
        line.arrange(DOWN, buff=0.12)
    if line.width > room:
        line.scale_to_fit_width(room)
    h = line.height + 0.45
    band = Rectangle(
        width=config.frame_width + 0.1, height=h, fill_color=COLORS.background, fill_opacity=1, stroke_width=0
    ).to_edge(DOWN, buff=0)
    rule = Line(band.get_corner(UP + LEFT), band.get_corner(UP + RIGHT), color=COLORS.muted, stroke_width=3)
    # the rest of the picture stays, dimmed, so that the line stands out and nothing looks cut off
    veil = Rectangle(
        width=config.frame_width + 0.1,
        height=config.frame_height + 0.1,
        fill_color=COLORS.background,
        fill_opacity=0.45,
        stroke_width=0,
    )
    g = VGroup(veil, band, rule, line.move_to(band))
    g.text = text
    return g


__all__ = [
    "Legend",
    "MAIN_BOTTOM",
    "MAIN_LEFT",
    "MAIN_RIGHT",
    "MAIN_TOP",
    "SIDE_LEFT",
    "SIDE_RIGHT",
    "SIDE_TOP",
    "conclusion_line",
    "headline",
    "legend",
    "nice_step",
    "params_line",
    "plot_frame",
    "side",
    "single_column",
    "title",
]
