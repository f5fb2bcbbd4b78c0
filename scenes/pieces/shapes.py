"""Shapes: markers, the honest and Byzantine sources, the blacklisted look, hatching, bars, gauges, strips.

One meaning per shape (assets/theme.toml [markers]): a circle is an honest source, a triangle a Byzantine one
(colour is never the only cue), a cross over the grey shape is blacklisted, a star the true value; estimators
have shapes no source has. A Byzantine bar is hatched. A blacklisted edge is grey and dashed.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from manim import (
    DOWN,
    LEFT,
    ORIGIN,
    RIGHT,
    DashedLine,
    Dot,
    Line,
    ManimColor,
    NumberLine,
    Rectangle,
    RegularPolygon,
    Square,
    Triangle,
    VGroup,
    VMobject,
)

from .text import label, math, tick_labels
from .theme import BLACKLISTED_OPACITY, COLORS, EST, FAMILIES, FS, MARKERS


def _shape(code: str, size: float, **kw):
    """A filled marker of matplotlib code ``code``, about ``2 size`` across."""
    from manim import Star

    if code == "o":
        return Dot(radius=size, **kw)
    if code == "s":
        return Square(1.7 * size, **kw)
    if code in "Dd":
        m = Square(1.6 * size, **kw).rotate(np.pi / 4)
        return m.stretch(0.62, 0) if code == "d" else m
    if code in "^v<>":
        m = Triangle(**kw).scale(1.25 * size)
        return m.rotate({"^": 0, "v": np.pi, "<": np.pi / 2, ">": -np.pi / 2}[code])
    if code in "ph8H":
        n = {"p": 5, "h": 6, "8": 8, "H": 6}[code]
        m = RegularPolygon(n, **kw).scale(1.1 * size)
        return m.rotate(np.pi / 6) if code == "H" else m
    if code == "*":
        return Star(n=5, outer_radius=1.6 * size, **kw)
    if code in "PX":
        bar = 2.0 * size
        m = VGroup(Rectangle(width=bar, height=bar / 3.2, **kw), Rectangle(width=bar / 3.2, height=bar, **kw))
        return m.rotate(np.pi / 4) if code == "X" else m
    if code in "+x|_":  # thin bars (matplotlib's line markers, drawn filled)
        bar, thin = 2.4 * size, 2.4 * size / 4
        parts = {
            "+": [(bar, thin), (thin, bar)],
            "x": [(bar, thin), (thin, bar)],
            "|": [(thin, bar)],
            "_": [(bar, thin)],
        }
        m = VGroup(*(Rectangle(width=w, height=h, **kw) for w, h in parts[code]))
        return m.rotate(np.pi / 4) if code == "x" else m
    if code in "1234":  # tri markers: three spokes from the centre (1 down, 2 up, 3 left, 4 right)
        r, thin = 1.5 * size, 0.6 * size
        first = {"1": -np.pi / 2, "2": np.pi / 2, "3": np.pi, "4": 0.0}[code]
        spokes = []
        for k in range(3):
            a = first + k * 2 * np.pi / 3
            sp = Rectangle(width=r, height=thin, **kw).move_to([r / 2, 0, 0]).rotate(a, about_point=ORIGIN)
            spokes.append(sp)
        return VGroup(*spokes)
    raise KeyError(f"marker {code!r}: no scene shape")


def marker(name: str | None, color=None, size: float = 0.1, *, code: str | None = None):
    """The theme's marker shape for ``name`` (an estimator, 'honest', 'byzantine', 'true_value'), or the shape of
    matplotlib marker ``code`` (a style of kit.theme.styles: a plugin's rule) in ``color``."""
    code = code or MARKERS[name]
    if color is None:
        color = getattr(EST, name) if name in FAMILIES["estimators"] else getattr(COLORS, name)
    color = ManimColor(color) if isinstance(color, str) else color
    m = _shape(code, size, color=color, fill_color=color, fill_opacity=1, stroke_width=0)
    m.marker_code = code
    return m


def source(byzantine: bool, size: float = 0.08, color=None, opacity: float = 1.0):
    """A source: an honest circle or a Byzantine triangle (of about the same area), in its role colour."""
    c = color or (COLORS.byzantine if byzantine else COLORS.honest)
    m = marker("byzantine" if byzantine else "honest", c, size * (1.2 if byzantine else 1.0))
    return m.set_fill(opacity=opacity)


def blacklist_cross(mob, size: float | None = None):
    """The cross drawn over a blacklisted source (the same in every scene)."""
    from manim import Cross

    s = size or max(mob.width, mob.height, 0.12)
    return (
        Cross(stroke_color=COLORS.blacklisted, stroke_width=3, scale_factor=1).scale_to_fit_width(1.4 * s).move_to(mob)
    )


def blacklisted(mob, size: float | None = None) -> VGroup:
    """``mob`` in the blacklisted look: grey at BLACKLISTED_OPACITY, with the cross."""
    m = mob.copy().set_fill(COLORS.blacklisted, opacity=BLACKLISTED_OPACITY).set_stroke(COLORS.blacklisted)
    return VGroup(m, blacklist_cross(m, size))


def blacklisted_edge(start, end, width: float = 1.5, buff: float = 0.0) -> DashedLine:
    """A blacklisted edge: grey and dashed (the same in every scene)."""
    return DashedLine(start, end, color=COLORS.blacklisted, stroke_width=width, dash_length=0.08, buff=buff)


def hatch_points(box, spacing: float, z: float = 0.0) -> np.ndarray:
    """Points of diagonal (45 degree) lines filling ``box`` = (left, bottom, width, height), as straight cubics."""
    l, b, w, h = (float(v) for v in box)
    if w <= 1e-6 or h <= 1e-6:
        return np.zeros((0, 3))
    segs = []
    # lines y - x = c, c from b - (l + w) to (b + h) - l
    for c in np.arange(b - l - w + spacing / 2, b + h - l, spacing):
        x0, x1 = max(l, b - c), min(l + w, b + h - c)
        if x1 - x0 > 1e-6:
            segs.append(((x0, x0 + c), (x1, x1 + c)))
    if not segs:
        return np.zeros((0, 3))
    a = np.array([s[0] for s in segs])
    e = np.array([s[1] for s in segs])
    t = np.array([0.0, 1 / 3, 2 / 3, 1.0])[None, :, None]
    pts = a[:, None, :] + t * (e - a)[:, None, :]
    pts = pts.reshape(-1, 2)
    return np.column_stack([pts, np.full(len(pts), z)])


class Hatch(VMobject):
    """Diagonal stripes over a box or a mobject's bounding box (a Byzantine bar is hatched).

    With ``follow``, the stripes follow that mobject every frame (bars that grow and shrink).
    """

    def __init__(self, target=None, spacing: float = 0.1, color=None, width: float = 2.0, follow: bool = True):
        super().__init__(
            stroke_color=color or COLORS.background, stroke_width=width, stroke_opacity=0.9, fill_opacity=0
        )
        self.spacing, self.target = spacing, target
        self.is_hatch = True
        if target is not None:
            self.fit(target)
            if follow:
                self.add_updater(lambda m: m.fit(m.target))

    def fit(self, target) -> Hatch:
        if isinstance(target, tuple):
            box = target
        else:
            ll = target.get_corner(DOWN + LEFT)
            box = (ll[0], ll[1], target.width, target.height)
        pts = hatch_points(box, self.spacing)
        self.points = pts if len(pts) else np.zeros((0, 3))
        return self


def swatch_dot(color) -> Dot:
    return Dot(radius=0.08, color=color)


def swatch_source(byzantine: bool) -> VMobject:
    """The legend swatch of an honest (circle) or Byzantine (triangle) source."""
    return source(byzantine, 0.08)


def swatch_box(color, hatched: bool = False):
    box = Square(0.22, fill_color=color, fill_opacity=1, stroke_width=0)
    return VGroup(box, Hatch(box, 0.07, follow=False)) if hatched else box


def swatch_triangle(color) -> Triangle:
    return Triangle(color=color, fill_color=color, fill_opacity=1).scale(0.11).rotate(np.pi)


def swatch_line(color, dashed: bool = False):
    cls = DashedLine if dashed else Line
    kw = {"dash_length": 0.06} if dashed else {}
    return cls(LEFT * 0.15, RIGHT * 0.15, color=color, stroke_width=3, **kw)


def swatch_blacklisted(shape: str = "dot"):
    """The blacklisted look in a legend: the grey shape with the cross (or a grey dashed edge)."""
    if shape == "edge":
        return blacklisted_edge(LEFT * 0.15, RIGHT * 0.15, 2.5)
    base = (
        swatch_dot(COLORS.blacklisted)
        if shape == "dot"
        else Square(0.2, fill_color=COLORS.blacklisted, fill_opacity=1, stroke_width=0)
    )
    return blacklisted(base, 0.16)


def box_points(boxes, z: float = 0.0) -> np.ndarray:
    """(16 n, 3) points of n boxes (left, bottom, width, height), as manim Rectangles lay them out.

    Corners UR, UL, DL, DR, each side a straight cubic (anchors and handles at thirds).
    """
    l, b, w, h = np.asarray(boxes, dtype=float).reshape(-1, 4).T
    r, t = l + w, b + h
    corners = np.stack([np.column_stack(c) for c in ((r, t), (l, t), (l, b), (r, b), (r, t))], axis=1)  # (n, 5, 2)
    a, c = corners[:, :-1], corners[:, 1:]  # (n, 4, 2) sides
    thirds = np.array([0.0, 1 / 3, 2 / 3, 1.0])[None, None, :, None]
    pts = a[:, :, None, :] + thirds * (c - a)[:, :, None, :]  # (n, 4, 4, 2)
    return np.concatenate([pts.reshape(-1, 2), np.full((pts.size // 2, 1), z)], axis=1)


class BoxRow(VMobject):
    """n axis-aligned boxes in one colour, drawn as one path: one draw per frame instead of n.

    Box i is (left, bottom, width, height); its points are those of a manim
    Rectangle (corners UR, UL, DL, DR, each side a straight cubic), so the
    pixels are the same as n Rectangles'. A box of zero width or height has
    zero area and draws nothing. The boxes are read back from the points, so
    moving or scaling the row keeps them right.
    """

    def __init__(self, boxes, color, opacity: float = 1.0):
        super().__init__(fill_color=color, fill_opacity=opacity, stroke_width=0)
        self.set_boxes(np.asarray(boxes, dtype=float).reshape(-1, 4))

    @property
    def n(self) -> int:
        return len(self.points) // 16

    def get_boxes(self) -> np.ndarray:
        """(n, 4): left, bottom, width, height of every box."""
        p = self.points.reshape(-1, 16, 3)
        lo, hi = p[:, :, :2].min(1), p[:, :, :2].max(1)
        return np.column_stack((lo, hi - lo))

    def set_boxes(self, boxes: np.ndarray) -> BoxRow:
        self.points = box_points(boxes, self.points[0, 2] if len(self.points) else 0.0)
        return self


def box_target(rect, left: float, bottom: float, width: float, height: float, color, opacity: float):
    """Morph target for Rectangle ``rect``: a new box, with a fill colour and opacity.

    The points a new Rectangle of that box would have (:func:`box_points`), without building one.
    """
    pts = box_points([left, bottom, width, height], rect.points[0, 2])
    rgba = np.append(ManimColor(color).to_rgb(), opacity)
    return SimpleNamespace(points=pts, fill_rgbas=np.tile(rgba, (len(rect.fill_rgbas), 1)))


def with_opacity(mob, opacity: float):
    """A target for Morph: ``mob``'s points with another fill opacity."""
    t = SimpleNamespace(points=mob.points, fill_rgbas=mob.fill_rgbas.copy())
    t.fill_rgbas[:, 3] = opacity
    return t


class WeightBars(VGroup):
    """One bar per source, height proportional to its weight in [0, 1]; Byzantine bars are hatched.

    Includes a y axis with ticks at 0, 0.5, 1 and a dashed tau line.
    """

    def __init__(
        self,
        colors,
        tau: float,
        *,
        width: float = 9.4,
        height: float = 3.0,
        labels: list[str] | None = None,
        hatched=None,
    ):
        super().__init__()
        n = len(colors)
        self.n, self.unit = n, height
        step = width / n
        self.bar_width = 0.62 * step
        self.xs = np.array([(i + 0.5) * step - width / 2 for i in range(n)])
        self.baseline = Line(LEFT * (width / 2 + 0.1), RIGHT * (width / 2), color=COLORS.muted, stroke_width=2)
        self.bars = VGroup(*[self._bar(x, 1.0, c) for x, c in zip(self.xs, colors)])
        hatched = list(hatched) if hatched is not None else [False] * n
        self.hatches = VGroup(*[Hatch(self.bars[i], 0.13) for i in range(n) if hatched[i]])
        axis_x = -width / 2 - 0.1
        self.axis = Line([axis_x, 0, 0], [axis_x, height * 1.04, 0], color=COLORS.muted, stroke_width=2)
        ticks = VGroup()
        for v in (0.0, 0.5, 1.0):
            y = v * height
            ticks.add(Line([axis_x - 0.08, y, 0], [axis_x, y, 0], color=COLORS.muted, stroke_width=2))
            ticks.add(label(f"{v:g}", FS.tiny, COLORS.muted).next_to([axis_x - 0.08, y, 0], LEFT, buff=0.08))
        self.tau_line = DashedLine(
            [axis_x, tau * height, 0],
            [width / 2, tau * height, 0],
            color=COLORS.threshold,
            stroke_width=2.5,
            dash_length=0.12,
        )
        self.tau_label = math(r"\tau", FS.label, COLORS.threshold).next_to(self.tau_line, RIGHT, buff=0.1)
        self.names = VGroup(*[label(s, FS.small).move_to([x, -0.25, 0]) for s, x in zip(labels or [], self.xs)])
        self.ticks = ticks
        # the slice w(t) - w(t+1) that an update removes, shown on top of each bar before it goes
        base = self.baseline.get_center()
        self.cuts = BoxRow(
            [(base[0] + x - self.bar_width / 2, base[1] + self.unit, self.bar_width, 0.0) for x in self.xs], COLORS.loss
        )
        self.add(
            self.axis,
            ticks,
            self.baseline,
            self.tau_line,
            self.tau_label,
            self.names,
            self.bars,
            self.hatches,
            self.cuts,
        )

    def static_parts(self) -> VGroup:
        """Everything that does not move (add these to the scene before the moving parts)."""
        return VGroup(self.axis, self.ticks, self.baseline, self.tau_line, self.tau_label, self.names)

    def cut_at(self, i: int, w_old: float, w_new: float) -> tuple:
        """MorphBoxes target: the removed slice of source i, between w_new and w_old (zero height when equal)."""
        base = self.baseline.get_center()
        return (
            base[0] + self.xs[i] - self.bar_width / 2,
            base[1] + w_new * self.unit,
            self.bar_width,
            max(float(w_old - w_new), 0.0) * self.unit,
        )

    def _bar(self, x: float, w: float, color) -> Rectangle:
        h = max(float(w), 1e-3) * self.unit
        r = Rectangle(width=self.bar_width, height=h, fill_color=color, fill_opacity=0.9, stroke_width=0)
        return r.move_to(self.baseline.get_center() + np.array([x, h / 2, 0]))

    def bar_at(self, i: int, w: float, color):
        """Morph target: the bar of source i at weight w."""
        h = max(float(w), 1e-3) * self.unit
        base = self.baseline.get_center()
        return box_target(
            self.bars[i], base[0] + self.xs[i] - self.bar_width / 2, base[1], self.bar_width, h, color, 0.9
        )

    def x_of(self, i: int) -> float:
        return self.baseline.get_center()[0] + self.xs[i]


class GaugeRow(VGroup):
    """A row of small horizontal gauges in [0, 1] (e.g. the losses l_i(t)), with a row header (words)."""

    def __init__(self, header: str, xs, y: float, width: float, color, header_x: float = -6.3):
        super().__init__()
        self.gauge_width, self.gauge_color = width, color
        self.header = label(header, FS.small, COLORS.muted).move_to([header_x, y, 0])
        self.frames = VGroup(
            *[
                Rectangle(width=width, height=0.16, stroke_color=COLORS.grid, stroke_width=1.5).move_to([x, y, 0])
                for x in xs
            ]
        )
        self.fills = BoxRow([self.fill_at(i, 0.0) for i in range(len(xs))], color)
        self.add(self.header, self.frames, self.fills)

    def fill_at(self, i: int, value: float) -> tuple:
        """MorphBoxes target: gauge i filled to ``value`` in [0, 1] (a NaN or negative value: empty)."""
        left, bottom = self.frames[i].get_corner(DOWN + LEFT)[:2]
        v = float(value) if np.isfinite(value) else 0.0
        return (left, bottom, float(np.clip(v, 0, 1)) * self.gauge_width, 0.16)


def nice_step(span: float, target_ticks: int = 8) -> float:
    raw = span / target_ticks
    mag = 10 ** np.floor(np.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return float(m * mag)
    return float(10 * mag)


class ReportStrip(VGroup):
    """A number line with one marker per source (3 lanes: honest circles, Byzantine triangles) and the estimate."""

    def __init__(self, lo: float, hi: float, byzantine, *, length: float = 10.4, lanes: int = 3, estimator="median"):
        super().__init__()
        step = nice_step(hi - lo)
        lo, hi = np.floor(lo / step) * step, np.ceil(hi / step) * step
        self.line = NumberLine(x_range=[lo, hi, step], length=length, color=COLORS.muted, include_numbers=False)
        self.line.numbers = tick_labels(self.line, np.arange(lo, hi + step / 2, step), FS.small)
        self.line.add(self.line.numbers)
        self.lanes = lanes
        self.dots = VGroup(*[source(bool(b), 0.085, opacity=0.95) for b in byzantine])
        self.marker = marker(estimator, size=0.12)
        self.marker_group = VGroup(self.marker)
        self.add(self.line, self.dots, self.marker_group)

    def lane_y(self, i: int) -> float:
        return self.line.get_center()[1] + 0.22 + 0.18 * (i % self.lanes)

    def dot_position(self, i: int, x: float) -> np.ndarray:
        p = self.line.n2p(float(np.clip(x, *self.line.x_range[:2])))
        return np.array([p[0], self.lane_y(i), 0])

    def marker_position(self, mu_hat: float) -> np.ndarray:
        p = self.line.n2p(float(mu_hat))
        return np.array([p[0], self.lane_y(self.lanes - 1) + 0.25, 0])

    def true_value_line(self, mu: float) -> DashedLine:
        x = self.line.n2p(float(mu))[0]
        y0 = self.line.get_center()[1]
        return DashedLine(
            [x, y0, 0],
            [x, self.lane_y(self.lanes - 1) + 0.12, 0],
            color=COLORS.true_value,
            stroke_width=3,
            dash_length=0.06,
        )


__all__ = [
    "BLACKLISTED_OPACITY",
    "BoxRow",
    "GaugeRow",
    "Hatch",
    "ReportStrip",
    "WeightBars",
    "blacklist_cross",
    "blacklisted",
    "blacklisted_edge",
    "box_points",
    "box_target",
    "hatch_points",
    "marker",
    "nice_step",
    "source",
    "swatch_blacklisted",
    "swatch_box",
    "swatch_dot",
    "swatch_line",
    "swatch_source",
    "swatch_triangle",
    "with_opacity",
]
