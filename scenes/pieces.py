"""Shared visual pieces of the scenes: colours, titles, legends, bars, strips.

Pieces only lay out and move things; the numbers come from traces.
"""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Animation,
    DashedLine,
    Dot,
    Line,
    ManimColor,
    MathTex,
    NumberLine,
    Rectangle,
    Square,
    Text,
    Triangle,
    VGroup,
    VMobject,
)

from kit.theme import ESTIMATORS, current_theme, theme

_T = theme()
FS = _T.font_size
FONT = _T.font
MARKERS = dict(_T.markers)  # matplotlib marker codes, shared with the figures
BLACKLISTED_OPACITY = 0.55  # a blacklisted source: blacklisted colour at this opacity, with a cross


@lru_cache(maxsize=8)
def _manim_colours(theme_name: str, table: str) -> dict:
    src = _T.palette_of(theme_name) if table == "palette" else _T.estimators_of(theme_name)
    return {k: ManimColor(v) for k, v in src.__dict__.items()}


class _ThemeColours:
    """Colours of the theme being drawn in (kit.theme.current_theme), looked up at each use.

    Nothing is stored here, so nothing goes stale: a scene rendered in the paper theme reads the
    paper colours, the next one in the talk theme the talk colours.
    """

    def __init__(self, table: str):
        self._table = table

    def __getattr__(self, name: str):
        try:
            return _manim_colours(current_theme(), self._table)[name]
        except KeyError:
            raise AttributeError(f"theme has no {self._table} colour {name!r}") from None


COLORS = _ThemeColours("palette")  # role colours (honest, byzantine, estimate, ...)
EST = _ThemeColours("estimators")  # estimator colours (mean, median, ...)


def label(text: str, size: int | None = None, color=None) -> Text:
    """Text in the one font family of the theme (words and numbers alike)."""
    return Text(text, font=FONT, font_size=size or FS.label, color=color or COLORS.text)


def est_color(name: str):
    """The colour of estimator ``name`` (mean, median, mom, mw_mean, mom_mw_mean, ...)."""
    if name not in ESTIMATORS:
        raise KeyError(f"estimator {name!r}: not in the theme ({', '.join(ESTIMATORS)})")
    return getattr(EST, name)


def marker(name: str | None, color=None, size: float = 0.1, *, code: str | None = None):
    """The theme's marker shape for ``name`` (an estimator, 'true_value', 'source', 'blacklisted'), or the shape of
    matplotlib marker ``code`` (a style of kit.theme.styles) in ``color``."""
    from manim import Star

    code = code or MARKERS[name]
    color = color or (getattr(EST, name) if name in ESTIMATORS else getattr(COLORS, name, COLORS.text))
    color = ManimColor(color) if isinstance(color, str) else color
    kw = dict(color=color, fill_color=color, fill_opacity=1, stroke_width=0)
    if code == "o":
        m = Dot(radius=size, **kw)
    elif code == "s":
        m = Square(1.7 * size, **kw)
    elif code == "D":
        m = Square(1.6 * size, **kw).rotate(np.pi / 4)
    elif code in "^v":
        m = Triangle(**kw).scale(1.2 * size)
        if code == "v":
            m.rotate(np.pi)
    elif code == "*":
        m = Star(n=5, outer_radius=1.6 * size, **kw)
    elif code in "PX":
        bar = 2.0 * size
        m = VGroup(Rectangle(width=bar, height=bar / 3.2, **kw), Rectangle(width=bar / 3.2, height=bar, **kw))
        if code == "X":
            m.rotate(np.pi / 4)
    else:
        raise KeyError(f"marker {code!r} of {name!r}: no scene shape")
    return m


def blacklist_cross(mob, size: float | None = None):
    """The cross drawn over a blacklisted source (the same in every scene)."""
    from manim import Cross

    s = size or max(mob.width, mob.height, 0.12)
    return (
        Cross(stroke_color=COLORS.blacklisted, stroke_width=3, scale_factor=1).scale_to_fit_width(1.4 * s).move_to(mob)
    )


class FastText(VGroup):
    """A line of text in the theme's font, composed from cached glyphs (for text that changes every round).

    ``Text`` lays out and parses a whole SVG for every new string, which is
    what made per-round numbers and worked examples expensive. Here each
    character is laid out once (its outline, advance width and baseline offset
    measured between two capitals H), and a string is a row of copies of
    those outlines: no SVG parsing after the first use of a character. Digits
    of DejaVu Sans have no kerning, so numbers are set exactly as Text sets them.
    """

    _REF = 48.0
    _glyphs: dict = {}  # char -> (points at _REF size, x offset, baseline offset, advance) or None
    _h_adv: dict = {}

    def __init__(self, text: str, size: int | None = None, color=None):
        super().__init__()
        self.text, self.font, self._size = text, FONT, float(size or FS.label)
        k = self._size / self._REF
        x, parts = 0.0, []
        for ch in text:
            pts, gx, gy, adv = self._glyph(ch)
            if pts is not None:
                parts.append(pts * k + np.array([x + gx * k, gy * k, 0.0]))
            x += adv * k
        if parts:  # one path for the whole line: one object to draw, not one per glyph
            m = VMobject(fill_color=color or COLORS.text, fill_opacity=1, stroke_width=0)
            m.points = np.concatenate(parts)
            self.add(m)
        self._ref_height = self.height if self.submobjects else 0.0
        self._advance = x

    @classmethod
    def _hadv(cls) -> float:
        if FONT not in cls._h_adv:
            hh = Text("HH", font=FONT, font_size=cls._REF)
            cls._h_adv[FONT] = hh[1].get_left()[0] - hh[0].get_left()[0]
        return cls._h_adv[FONT]

    @classmethod
    def _glyph(cls, ch: str):
        key = (FONT, ch)
        if key not in cls._glyphs:
            h = cls._hadv()
            t = Text("H" + ch + "H", font=FONT, font_size=cls._REF)
            h1, h2 = t[0], t[-1]
            x0, base = h1.get_left()[0], h1.get_bottom()[1]
            adv = h2.get_left()[0] - x0 - h
            if len(t) == 3:
                g = t[1]
                pts = g.points.copy()
                origin = np.array([x0 + h, base, 0.0])
                cls._glyphs[key] = (pts - origin, 0.0, 0.0, adv)
            else:  # a space: no outline, only an advance
                cls._glyphs[key] = (None, 0.0, 0.0, adv)
        return cls._glyphs[key]

    @property
    def font_size(self) -> float:
        return self._size * (self.height / self._ref_height) if self._ref_height else self._size


class Number(VGroup):
    """A number in the theme's font (not LaTeX), updated with ``set_value`` once per round.

    Replaces DecimalNumber so that numbers are set in the same face as every
    other text. The glyphs of a string are laid out once and cached.
    """

    _cache: dict = {}

    def __init__(
        self,
        value: float = 0,
        places: int = 0,
        size: int | None = None,
        color=None,
        include_sign: bool = False,
        group_with_commas: bool = False,
        edge=LEFT,
    ):
        super().__init__()
        self.places, self.size, self.sign, self.commas, self.edge = (
            places,
            size or FS.body,
            include_sign,
            group_with_commas,
            edge,
        )
        self.num_color = color or COLORS.text
        self.value = None
        self.set_value(value)

    def _text(self, s: str) -> FastText:
        return FastText(s, self.size, self.num_color)

    def format(self, v: float) -> str:
        if not np.isfinite(v):
            return "–" if np.isnan(v) else ("∞" if v > 0 else "−∞")
        s = f"{v:{'+' if self.sign else ''}{',' if self.commas else ''}.{self.places}f}"
        return s.replace("-", "−")

    def _baseline(self, text: Text, s: str) -> float:
        """y of the baseline of ``text`` showing ``s`` (digits sit on it; a lone dash is centred on digit height)."""
        if any(c.isdigit() for c in s):
            return text.get_bottom()[1]
        return text.get_center()[1] - self._text("0").height / 2

    def set_value(self, v: float):
        self.value = float(v)
        s = self.format(self.value)
        new = self._text(s)
        if self.submobjects:
            old, old_s = self.submobjects[0], self._shown
            x = old.get_critical_point(self.edge)[0]
            new.move_to([x, 0, 0], aligned_edge=self.edge)
            new.shift(UP * (self._baseline(old, old_s) - self._baseline(new, s)))
            shown = old.family_members_with_points()
            new.set_fill(opacity=max((m.get_fill_opacity() for m in shown), default=1.0))
        self._shown = s
        self.submobjects = [new]
        return self

    def get_value(self) -> float:
        return self.value


def tick_labels(
    line, values, size: int | None = None, color=None, direction=DOWN, buff: float = 0.15, fmt: str = "{:g}"
) -> VGroup:
    """Tick numbers of a NumberLine / axis in the theme's font (instead of LaTeX numbers)."""
    g = VGroup()
    for v in values:
        g.add(
            label(fmt.format(v).replace("-", "−"), size or FS.small, color or COLORS.muted).next_to(
                line.n2p(v), direction, buff=buff
            )
        )
    return g


def title(text: str) -> Text:
    return label(text, FS.title).to_edge(UP, buff=0.3)


def conclusion_line(text: str, size: int | None = None):
    """The standard conclusion: the picture dimmed, the line on an opaque band across the bottom of the frame."""
    from manim import config

    room = config.frame_width - 0.8
    size = size or FS.label
    line = label(text, size, COLORS.text)
    if line.width > room and " " in text:  # two lines, broken at the space nearest the middle
        spaces = [i for i, c in enumerate(text) if c == " "]
        cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
        line = label(text[:cut] + "\n" + text[cut + 1 :], size, COLORS.text)
    if line.width > room:
        line.scale_to_fit_width(room)
    h = line.height + 0.45
    band = Rectangle(
        width=config.frame_width + 0.1, height=h, fill_color=COLORS.background, fill_opacity=1, stroke_width=0
    ).to_edge(DOWN, buff=0)
    rule = Line(band.get_corner(UP + LEFT), band.get_corner(UP + RIGHT), color=COLORS.estimate, stroke_width=3)
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


def nice_step(span: float, target_ticks: int = 8) -> float:
    raw = span / target_ticks
    mag = 10 ** np.floor(np.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return float(m * mag)
    return float(10 * mag)


def legend(entries: list[tuple[str, object]], size: int | None = None) -> VGroup:
    """Rows of (text, swatch mobject) stacked downwards."""
    rows = VGroup()
    for text, swatch in entries:
        rows.add(VGroup(swatch, label(text, size or FS.small)).arrange(RIGHT, buff=0.15))
    return rows.arrange(DOWN, aligned_edge=LEFT, buff=0.18)


def swatch_dot(color) -> Dot:
    return Dot(radius=0.08, color=color)


def swatch_box(color) -> Square:
    return Square(0.22, fill_color=color, fill_opacity=1, stroke_width=0)


def swatch_triangle(color) -> Triangle:
    return Triangle(color=color, fill_color=color, fill_opacity=1).scale(0.11).rotate(np.pi)


def swatch_line(color, dashed: bool = False):
    cls = DashedLine if dashed else Line
    return cls(LEFT * 0.15, RIGHT * 0.15, color=color, stroke_width=3)


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


class MorphBoxes(Animation):
    """Move some boxes of a BoxRow to new (left, bottom, width, height), the others staying."""

    def __init__(self, row: BoxRow, targets: dict, **kwargs):
        self.start = row.get_boxes()
        self.end = self.start.copy()
        for i, box in targets.items():
            self.end[i] = box
        super().__init__(row, **kwargs)

    def create_starting_mobject(self):
        return self.mobject

    def interpolate_mobject(self, alpha: float) -> None:
        a = self.rate_func(alpha)
        self.mobject.set_boxes(self.start + a * (self.end - self.start))


class WeightBars(VGroup):
    """One bar per source, height proportional to its weight in [0, 1].

    Includes a y axis with ticks at 0, 0.5, 1 and a dashed tau line.
    """

    def __init__(self, colors, tau: float, *, width: float = 9.4, height: float = 3.0, labels: list[str] | None = None):
        super().__init__()
        n = len(colors)
        self.n, self.unit = n, height
        step = width / n
        self.bar_width = 0.62 * step
        self.xs = np.array([(i + 0.5) * step - width / 2 for i in range(n)])
        self.baseline = Line(LEFT * (width / 2 + 0.1), RIGHT * (width / 2), color=COLORS.muted, stroke_width=2)
        self.bars = VGroup(*[self._bar(x, 1.0, c) for x, c in zip(self.xs, colors)])
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
        self.tau_label = MathTex(r"\tau", font_size=FS.label, color=COLORS.threshold).next_to(
            self.tau_line, RIGHT, buff=0.1
        )
        self.names = VGroup(*[label(s, FS.small).move_to([x, -0.25, 0]) for s, x in zip(labels or [], self.xs)])
        self.ticks = ticks
        # the slice w(t) - w(t+1) that an update removes, shown on top of each bar before it goes
        base = self.baseline.get_center()
        self.cuts = BoxRow(
            [(base[0] + x - self.bar_width / 2, base[1] + self.unit, self.bar_width, 0.0) for x in self.xs],
            COLORS.estimate,
        )
        self.add(self.axis, ticks, self.baseline, self.tau_line, self.tau_label, self.names, self.bars, self.cuts)

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
    """A row of small horizontal gauges in [0, 1] (e.g. the losses l_i(t)), with a row header."""

    def __init__(self, header: str, xs, y: float, width: float, color, header_x: float = -6.3):
        super().__init__()
        self.gauge_width, self.gauge_color = width, color
        self.header = MathTex(header, font_size=FS.label, color=COLORS.muted).move_to([header_x, y, 0])
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


class ReportStrip(VGroup):
    """A number line with one dot per source (3 lanes) and the estimate marker."""

    def __init__(self, lo: float, hi: float, colors, *, length: float = 10.4, lanes: int = 3):
        super().__init__()
        step = nice_step(hi - lo)
        lo, hi = np.floor(lo / step) * step, np.ceil(hi / step) * step
        self.line = NumberLine(x_range=[lo, hi, step], length=length, color=COLORS.muted, include_numbers=False)
        self.line.numbers = tick_labels(self.line, np.arange(lo, hi + step / 2, step), FS.small)
        self.line.add(self.line.numbers)
        self.lanes = lanes
        self.dots = VGroup(*[Dot(radius=0.085, color=c, fill_opacity=0.95) for c in colors])
        self.marker = (
            Triangle(color=COLORS.estimate, fill_color=COLORS.estimate, fill_opacity=1).scale(0.13).rotate(np.pi)
        )
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


class Morph(Animation):
    """Move many shapes to new points (and fill) at once, without copying them.

    ``group`` must already be in the scene; ``targets`` maps an index of
    ``group`` to a target shape with the same number of points (for example a
    Rectangle to a Rectangle) or to a 3-vector (the new centre, keeping the
    shape). Much cheaper per round than one Transform per shape.
    """

    def __init__(self, group, targets: dict, **kwargs):
        self.moves = []
        for i, tgt in targets.items():
            m = group[i]
            p0 = m.points.copy()
            if isinstance(tgt, np.ndarray):
                p1, f1 = p0 + (tgt - m.get_center()), None
            else:
                p1, f1 = tgt.points, tgt.fill_rgbas
            f0 = m.fill_rgbas.copy()
            if f1 is not None and f1.shape != f0.shape:
                f1 = np.broadcast_to(f1[-1:], f0.shape)
            self.moves.append((m, p0, p1, f0, f1))
        super().__init__(group, **kwargs)

    def create_starting_mobject(self):
        return self.mobject

    def interpolate_mobject(self, alpha: float) -> None:
        a = self.rate_func(alpha)
        for m, p0, p1, f0, f1 in self.moves:
            m.points = p0 + a * (p1 - p0)
            if f1 is not None:
                m.fill_rgbas = f0 + a * (f1 - f0)


class FadeInPlace(Animation):
    """Fade a (static, already laid out) group in by opacity alone, without copying it."""

    def __init__(self, group, **kwargs):
        super().__init__(group, introducer=True, **kwargs)

    def create_starting_mobject(self):
        return self.mobject

    def interpolate_mobject(self, alpha: float) -> None:
        self.mobject.set_fill(opacity=self.rate_func(alpha), family=True)


class FadeInKeep(Animation):
    """Fade a laid-out group in to the opacities it has (a veil at 0.45 stays 0.45), fills and strokes, without copies.

    The pixels of manim's FadeIn (which interpolates from a transparent copy), at a fraction of the cost.
    """

    def __init__(self, group, **kwargs):
        self.members = [(m, m.fill_rgbas.copy(), m.stroke_rgbas.copy()) for m in group.family_members_with_points()]
        super().__init__(group, introducer=True, **kwargs)

    def create_starting_mobject(self):
        return self.mobject

    def interpolate_mobject(self, alpha: float) -> None:
        a = self.rate_func(alpha)
        for m, f, s in self.members:
            m.fill_rgbas = np.column_stack((f[:, :3], f[:, 3] * a))
            m.stroke_rgbas = np.column_stack((s[:, :3], s[:, 3] * a))


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


def counter(prefix_tex: str, value: float = 0, size: int | None = None, places: int = 0, color=None) -> VGroup:
    """A prefix and a :class:`Number`, e.g. 't =' 3; ``.number.set_value`` once per round.

    The prefix is LaTeX only when it is mathematics (contains a backslash, ^ or _),
    otherwise text in the theme's font; the number is always in the theme's font.
    """
    color = color or COLORS.text
    if any(c in prefix_tex for c in "\\^_"):
        head = MathTex(prefix_tex, font_size=size or FS.body, color=color)
    else:
        head = label(prefix_tex, size or FS.body, color)
    num = Number(value, places=places, size=size or FS.body, color=color, include_sign=places > 0)
    g = VGroup(head, num).arrange(RIGHT, buff=0.15)
    g.number = num
    return g


__all__ = [
    "COLORS",
    "EST",
    "FS",
    "FONT",
    "MARKERS",
    "BLACKLISTED_OPACITY",
    "est_color",
    "marker",
    "blacklist_cross",
    "Number",
    "FastText",
    "tick_labels",
    "conclusion_line",
    "label",
    "title",
    "legend",
    "swatch_dot",
    "swatch_triangle",
    "swatch_box",
    "swatch_line",
    "WeightBars",
    "GaugeRow",
    "ReportStrip",
    "counter",
    "nice_step",
    "Morph",
    "FadeInPlace",
    "with_opacity",
]
