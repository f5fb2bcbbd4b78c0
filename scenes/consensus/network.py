"""Pieces of the consensus scenes: the oracle row, the peer ring with its edges and memory rows, messages.

Layout only: every number comes from a trace. Bit values are coloured by value (the cells family: bit_1,
bit_0) wherever they travel; memory cells show the state of a peer's copy of a cell (cells family). A peer is
a circle, a Byzantine peer a triangle (once it is known); a blacklisted edge is grey and dashed.
"""

from __future__ import annotations

import numpy as np
from manim import LEFT, RIGHT, Circle, Dot, Line, Rectangle, Square, Text, Triangle, VGroup

from scenes.pieces import CELLS, COLORS, FS, FadeOutPlace, Number, Restyle, blacklisted_edge, label  # noqa: F401


def bit_color(v: int):
    return CELLS.bit_1 if int(v) == 1 else CELLS.bit_0


def peer_node(byzantine: bool, r: float, color, center):
    """A peer: a circle, or a triangle (Byzantine) of about the same size, filled with the background."""
    kw = dict(stroke_color=color, stroke_width=3, fill_color=COLORS.background, fill_opacity=1)
    if byzantine:
        return Triangle(**kw).scale(1.45 * r).move_to(center).shift([0, -0.15 * r, 0])
    return Circle(r, **kw).move_to(center)


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
        self.fills = VGroup(*[self.fill_at(i, 0.0, CELLS.partial) for i in range(n)])
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
        self,
        k: int,
        n: int,
        center,
        radius: float,
        cell: float = 0.3,
        node_color=None,
        names=None,
        memory: bool = True,
        byzantine=None,
    ):
        super().__init__()
        self.k, self.center = k, np.array([*center, 0.0][:3], dtype=float)
        ang = np.deg2rad(np.arange(k) * 360.0 / k)
        self.pos = [self.center + radius * np.array([np.cos(a), np.sin(a), 0.0]) for a in ang]
        self.r_node = 0.27
        color = node_color or COLORS.text
        byz = list(byzantine) if byzantine is not None else [False] * k
        self.nodes = VGroup(
            *[peer_node(b, self.r_node, COLORS.byzantine if b else color, p) for p, b in zip(self.pos, byz)]
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

    def cut(self, pairs) -> tuple[VGroup, dict]:
        """Blacklist the edges of ``pairs``: (grey dashed edges to fade in, {solid edge: Restyle target to hide})."""
        dashed, hide = VGroup(), {}
        for i, j in pairs:
            e = self.edge(i, j)
            if e in hide:
                continue
            dashed.add(blacklisted_edge(e.get_start(), e.get_end(), 1.5))
            hide[e] = (COLORS.grid, 1.5, 0.0)
        return dashed, hide

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
