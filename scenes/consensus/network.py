"""Pieces of the consensus scenes: the oracle row, the peer ring with its edges and memory rows, messages.

Layout only: every number comes from a trace. Bit values are coloured by value (1: true_value,
0: volatile) wherever they travel; memory cells show the state of a peer's copy of a cell.
"""

from __future__ import annotations

import numpy as np
from manim import LEFT, RIGHT, Animation, Circle, Dot, Line, Rectangle, Square, Text, VGroup
from manim.utils.color import rgb_to_color

from scenes.pieces import COLORS, FS, Number, label

FONT = "DejaVu Sans"


def bit_color(v: int):
    return COLORS.true_value if int(v) == 1 else COLORS.volatile


def digit(v, size: int, color) -> Text:
    return glyph("?" if v is None or int(v) < 0 else str(int(v)), size, color)


class OracleRow(VGroup):
    """The external array: n cells with their bits (or a caption per cell), and a header."""

    def __init__(self, bits, center, cell: float = 0.5, header: str = "oracle", captions=None):
        super().__init__()
        n = len(bits)
        self.cell = cell
        self.xs = center[0] + (np.arange(n) - (n - 1) / 2) * cell * 1.2
        self.y = center[1]
        self.boxes = VGroup(
            *[Square(cell, stroke_color=COLORS.muted, stroke_width=2).move_to([x, self.y, 0]) for x in self.xs]
        )
        if captions is None:
            self.marks = VGroup(*[digit(b, FS.label, bit_color(b)).move_to(box) for b, box in zip(bits, self.boxes)])
        else:
            self.marks = VGroup(*[label(c, FS.tiny, COLORS.muted).move_to(box) for c, box in zip(captions, self.boxes)])
        self.header = label(header, FS.small, COLORS.muted).next_to(self.boxes, LEFT, buff=0.25)
        self.add(self.boxes, self.marks, self.header)

    def bottom(self, c: int) -> np.ndarray:
        return self.boxes[c].get_bottom()


class MemoryRow(VGroup):
    """A peer's memory: one cell per oracle cell, with a fill that rises with support and a digit."""

    def __init__(self, n: int, left_or_right, anchor, cell: float = 0.3):
        super().__init__()
        self.cell = cell
        step = cell * 1.12
        sign = 1 if left_or_right is RIGHT else -1
        start = anchor[0] + sign * (cell / 2)
        order = np.arange(n) if sign > 0 else np.arange(n)[::-1]
        xs = np.empty(n)
        xs[order] = start + sign * np.arange(n) * step
        self.centers = [np.array([x, anchor[1], 0.0]) for x in xs]
        self.frames = VGroup(*[Square(cell, stroke_color=COLORS.grid, stroke_width=2).move_to(c) for c in self.centers])
        self.fills = VGroup(*[self.fill_at(i, 0.0, COLORS.estimate) for i in range(n)])
        self.digits = VGroup(*[digit(0, FS.tiny, COLORS.background).move_to(c).set_opacity(0) for c in self.centers])
        self.add(self.frames, self.fills, self.digits)

    def fill_at(self, i: int, level: float, color, opacity: float = 0.9) -> Rectangle:
        """A fill of cell i up to ``level`` in [0, 1] of its height (a target for Morph)."""
        h = max(float(np.clip(level, 0, 1)) * self.cell, 1e-4)
        r = Rectangle(
            width=self.cell, height=h, fill_color=color, fill_opacity=opacity if level > 0 else 0.0, stroke_width=0
        )
        return r.move_to(self.centers[i] + np.array([0, -self.cell / 2 + h / 2, 0]))


class PeerRing(VGroup):
    """k peers on a circle, all edges, and a memory row beside each peer (outward: left or right)."""

    def __init__(
        self, k: int, n: int, center, radius: float, cell: float = 0.3, node_color=None, names=None, memory: bool = True
    ):
        super().__init__()
        self.k, self.center = k, np.array([*center, 0.0][:3], dtype=float)
        ang = np.deg2rad(np.arange(k) * 360.0 / k)
        self.pos = [self.center + radius * np.array([np.cos(a), np.sin(a), 0.0]) for a in ang]
        self.r_node = 0.27
        color = node_color or COLORS.text
        self.nodes = VGroup(
            *[
                Circle(
                    self.r_node, stroke_color=color, stroke_width=3, fill_color=COLORS.background, fill_opacity=1
                ).move_to(p)
                for p in self.pos
            ]
        )
        names = names or [f"P{i + 1}" for i in range(k)]
        self.names = VGroup(*[label(s, FS.tiny, COLORS.text).move_to(p) for s, p in zip(names, self.pos)])
        self.edges = {}
        for i in range(k):
            for j in range(i + 1, k):
                self.edges[(i, j)] = Line(
                    self.pos[i], self.pos[j], color=COLORS.grid, stroke_width=1.5, buff=self.r_node
                )
        self.edge_group = VGroup(*self.edges.values())
        self.memories = VGroup()
        if memory:
            for p in self.pos:
                side = RIGHT if p[0] >= self.center[0] - 1e-6 else LEFT
                anchor = p + (RIGHT if side is RIGHT else LEFT) * (self.r_node + 0.12)
                self.memories.add(MemoryRow(n, side, anchor, cell))
        self.add(self.edge_group, self.nodes, self.names, self.memories)

    def edge(self, i: int, j: int) -> Line:
        return self.edges[(min(i, j), max(i, j))]

    def message_dots(self, pairs, values, radius: float = 0.07):
        """(start dots at senders, end points at receivers) for Morph: one dot per (sender, receiver)."""
        dots, ends = VGroup(), {}
        for m, ((s, r), v) in enumerate(zip(pairs, values)):
            a, b = self.pos[s], self.pos[r]
            d = (b - a) / max(np.linalg.norm(b - a), 1e-9)
            dots.add(Dot(a + d * self.r_node, radius=radius, color=bit_color(v)))
            ends[m] = b - d * self.r_node
        return dots, ends


def count_line(text: str, value: int = 0, color=None, size: int | None = None) -> VGroup:
    """A text label and a :class:`scenes.pieces.Number` (``.number.set_value`` once per change)."""
    size = size or FS.small
    num = Number(value, places=0, size=size, color=color or COLORS.text)
    g = VGroup(label(text, size, color or COLORS.text), num).arrange(RIGHT, buff=0.15)
    g.number = num
    return g


_GLYPHS: dict = {}


def glyph(text: str, size: int, color) -> Text:
    """A copy of a cached label: parsing a Text's SVG costs far more than copying it."""
    key = (text, size, str(color))
    if key not in _GLYPHS:
        _GLYPHS[key] = label(text, size, color)
    return _GLYPHS[key].copy()


class Restyle(Animation):
    """Change the stroke (colour, width, opacity) of many mobjects at once, without copying them."""

    def __init__(self, targets: dict, **kwargs):
        from manim import ManimColor

        self.items = []
        for mob, (color, width, opacity) in targets.items():
            c0 = np.array(mob.get_stroke_rgbas()[0], dtype=float)
            c1 = np.array([*ManimColor(color).to_rgb(), opacity], dtype=float)
            self.items.append((mob, c0, c1, float(mob.get_stroke_width()), float(width)))
        super().__init__(VGroup(*[m for m, *_ in self.items]), **kwargs)

    def create_starting_mobject(self):
        return self.mobject

    def interpolate_mobject(self, alpha: float) -> None:
        a = self.rate_func(alpha)
        for mob, c0, c1, w0, w1 in self.items:
            c = c0 + a * (c1 - c0)
            mob.set_stroke(color=rgb_to_color(c[:3]), width=w0 + a * (w1 - w0), opacity=c[3])


class FadeOutPlace(Animation):
    """Fade a group out by scaling each part's fill and stroke opacity to 0 (no copy), then remove it."""

    def __init__(self, group, **kwargs):
        self.parts = [
            (m, m.get_fill_opacities().copy(), m.get_stroke_opacities().copy())
            for m in group.family_members_with_points()
        ]
        super().__init__(group, remover=True, **kwargs)

    def create_starting_mobject(self):
        return self.mobject

    def interpolate_mobject(self, alpha: float) -> None:
        o = 1 - self.rate_func(alpha)
        for m, fill, stroke in self.parts:
            m.set_fill(opacity=fill * o, family=False)
            m.set_stroke(opacity=stroke * o, family=False)
