"""Motion: cheap animations that move, fade and restyle many shapes without copying them."""

from __future__ import annotations

import numpy as np
from manim import Animation, ManimColor, VGroup
from manim.utils.color import rgb_to_color


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


class MorphBoxes(Animation):
    """Move some boxes of a BoxRow to new (left, bottom, width, height), the others staying."""

    def __init__(self, row, targets: dict, **kwargs):
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


class Restyle(Animation):
    """Change the stroke (colour, width, opacity) of many mobjects at once, without copying them."""

    def __init__(self, targets: dict, **kwargs):
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


__all__ = ["FadeInKeep", "FadeInPlace", "FadeOutPlace", "Morph", "MorphBoxes", "Restyle"]
