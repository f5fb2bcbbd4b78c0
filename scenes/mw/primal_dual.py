"""PrimalDual: point-line duality (the prototype's dual.py), replaying a ``primal_dual`` trace.

Left the primal plane (segment AB on its line L), right the dual plane
(p = (a, b) becomes the line p*: y = a x - b). The dual lines A*, B* meet at
the dual point L*; then a point p runs along AB while its dual line p* turns
about L*, leaving a fan of dual lines that all pass through L*.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Axes,
    Create,
    DashedLine,
    Dot,
    FadeIn,
    Line,
    ValueTracker,
    VGroup,
    Write,
    linear,
)

from kit.traces import TraceSpec
from scenes.base import Pace, StudioScene
from scenes.pieces import COLORS, FS, GEOMETRY, Number, headline, label, math, tick_labels, title

SIDE = 5.2  # axes length (scene units)


def _clip(line, R: float):
    """End points of y = m x + q inside the square [-R, R]^2 (layout only)."""
    m, q = float(line[0]), float(line[1])
    lo, hi = -R, R
    if m != 0:
        xa, xb = sorted(((-R - q) / m, (R - q) / m))
        lo, hi = max(lo, xa), min(hi, xb)
    if lo > hi:  # misses the square: collapse onto its nearest edge point
        lo = hi = float(np.clip(-q / m if m else 0.0, -R, R))
    return np.array([lo, np.clip(m * lo + q, -R, R)]), np.array([hi, np.clip(m * hi + q, -R, R)])


def _at(arr: np.ndarray, s: float) -> np.ndarray:
    """Row s of a per-sample array, linear between samples (exact here: both maps are affine in t)."""
    k = int(np.clip(np.floor(s), 0, len(arr) - 2))
    f = s - k
    return (1 - f) * arr[k] + f * arr[k + 1]


class PrimalDual(StudioScene):
    trace_spec = TraceSpec("primal_dual", seed=0, params={"ax": -1.5, "ay": 0.5, "bx": 2.0, "by": 2.25, "steps": 9})
    draws = {
        "ax": (-20, 20),
        "ay": (-20, 20),
        "bx": (-20, 20),
        "by": (-20, 20),
        "probe_slope": (-20, 20),
        "steps": (2, 60),
    }  # what the scene can draw (StudioScene.draws)
    key_frames = ("primal", "dual", "sweep_mid", "final")
    paper_stills = ("primal", "dual", "final")  # the opening is the point: the primal plane before its dual
    # "round" = one trace sample of the sweep
    pace = Pace(round=1.2, event_round=1.2, key_hold=3.0, intro_hold=3.0, end_hold=3.5)

    def construct(self):
        tr = self.trace
        self.build_layout(tr)
        self.show_primal(tr)
        self.opening(notes="A segment AB on its line L, and the duality rule: points become lines, lines points.")
        self.show_dual(tr)
        self.key_frame("dual", notes="A and B become the lines A* and B*; they meet at L*, the dual point of L.")
        self.hold()
        self.sweep(tr)
        self.key_frame("final", notes="Every point of AB lies on L, so every dual line passes through L*.")
        self.hold()
        self.remove_foreground_mobjects(self.l_star)  # under the conclusion's veil like the rest of the picture
        self.add(self.l_star)
        self.conclude("A point on a line becomes a line through a point: p \u2208 L \u21d4 L* \u2208 p*")

    # -- layout -------------------------------------------------------------
    def build_layout(self, tr):
        pts = np.concatenate([tr["endpoints"], tr["dual_point_L"][None, :]])
        self.R = float(np.ceil(np.max(np.abs(pts)) + 0.75))
        head = title("Point–line duality")
        rule = headline(
            math(
                r"p=(a,b)\ \longmapsto\ p^*:\ y=a\,x-b \qquad \ell:\ y=m\,x+q\ \longmapsto\ \ell^*=(m,\,-q)", FS.label
            ),
            head,
            over_main=False,  # two planes side by side, no side column
        )
        self.primal_ax = self._axes().move_to([-3.4, -0.65, 0])
        self.dual_ax = self._axes().move_to([3.4, -0.65, 0])
        cap_p = label("primal plane", FS.small, COLORS.muted).next_to(self.primal_ax, UP, buff=0.12)
        cap_d = label("dual plane", FS.small, COLORS.muted).next_to(self.dual_ax, UP, buff=0.12)
        self.add(head, rule, self.primal_ax, self.dual_ax, cap_p, cap_d)

    def _axes(self) -> Axes:
        R = self.R
        ax = Axes(
            x_range=[-R, R, 1],
            y_range=[-R, R, 1],
            x_length=SIDE,
            y_length=SIDE,
            tips=False,
            axis_config={"color": COLORS.muted, "stroke_width": 2, "tick_size": 0.05},
        )
        ticks = [v for v in (-2 * (R // 2), R // 2 * 2) if v != 0]
        ax.add(
            tick_labels(ax.x_axis, ticks, FS.tiny, fmt="{:.0f}"),
            tick_labels(ax.y_axis, ticks, FS.tiny, direction=LEFT, fmt="{:.0f}"),
        )
        frame = VGroup(
            *[
                Line(ax.c2p(*a), ax.c2p(*b), color=COLORS.grid, stroke_width=1.5)
                for a, b in (((-R, -R), (R, -R)), ((R, -R), (R, R)), ((R, R), (-R, R)), ((-R, R), (-R, -R)))
            ]
        )
        ax.add_to_back(frame)
        return ax

    def _line(self, ax: Axes, line, color, width=3.0, dashed=False):
        a, b = _clip(line, self.R)
        cls = DashedLine if dashed else Line
        return cls(ax.c2p(*a), ax.c2p(*b), color=color, stroke_width=width)

    def _top_end(self, ax: Axes, line) -> np.ndarray:
        a, b = _clip(line, self.R)
        return ax.c2p(*(a if a[1] > b[1] else b))

    # -- storyboard -----------------------------------------------------------
    def show_primal(self, tr):
        ax = self.primal_ax
        A, B = tr["endpoints"]
        self.L = self._line(ax, tr["line_L"], COLORS.text, 2.5, dashed=True)
        seg = Line(ax.c2p(*A), ax.c2p(*B), color=COLORS.text, stroke_width=5)
        self.dot_a = Dot(ax.c2p(*A), radius=0.09, color=GEOMETRY.point_a)
        self.dot_b = Dot(ax.c2p(*B), radius=0.09, color=GEOMETRY.point_b)
        u = seg.get_unit_vector()
        self.up = up = np.array([-u[1], u[0], 0.0]) * (1 if u[0] >= 0 else -1)  # normal of AB pointing up
        lab_a = math("A", FS.label, GEOMETRY.point_a).move_to(self.dot_a.get_center() + 0.32 * up)
        lab_b = math("B", FS.label, GEOMETRY.point_b).move_to(self.dot_b.get_center() + 0.32 * up)
        lab_l = math("L", FS.label, COLORS.text)
        lab_l.move_to(self.L.get_end() - 0.3 * up - 0.25 * self.L.get_unit_vector())
        self.add(self.L, seg, self.dot_a, self.dot_b, lab_a, lab_b, lab_l)  # the opening state: no animation

    def show_dual(self, tr):
        ax = self.dual_ax
        a_star, b_star = tr["endpoint_duals"]
        la = self._line(ax, a_star, GEOMETRY.point_a)
        lb = self._line(ax, b_star, GEOMETRY.point_b)
        lab_a = math("A^*", FS.body, GEOMETRY.point_a).next_to(self._top_end(ax, a_star), RIGHT + DOWN, buff=0.1)
        lab_b = math("B^*", FS.body, GEOMETRY.point_b).next_to(self._top_end(ax, b_star), LEFT + DOWN, buff=0.1)
        self.l_star = Dot(ax.c2p(*tr["dual_point_L"]), radius=0.1, color=COLORS.text)
        lab_l = math("L^*", FS.body, COLORS.text).next_to(self.l_star, UP, buff=0.32)
        self.play(Create(la), Create(lb), FadeIn(lab_a, lab_b), run_time=self.seconds(1.5))
        self.play(
            FadeIn(self.l_star, scale=2), Write(lab_l), self.L.animate.set_stroke(width=4), run_time=self.seconds(1.0)
        )
        self.add_foreground_mobjects(self.l_star)

    def sweep(self, tr):
        pax, dax = self.primal_ax, self.dual_ax
        pts, duals = tr["points"], tr["dual_lines"]
        n = len(pts)
        s = ValueTracker(0.0)
        p = Dot(pax.c2p(*pts[0]), radius=0.1, color=GEOMETRY.point_p)
        p_star = self._line(dax, duals[0], GEOMETRY.point_p, 4)
        p_lab = math("p", FS.label, GEOMETRY.point_p)
        ps_lab = math("p^*", FS.body, GEOMETRY.point_p)
        p.add_updater(lambda m: m.move_to(pax.c2p(*_at(pts, s.get_value()))))
        p_lab.add_updater(lambda m: m.move_to(p.get_center() - 0.32 * self.up))

        def turn(m):
            a, b = _clip(_at(duals, s.get_value()), self.R)
            m.put_start_and_end_on(dax.c2p(*a), dax.c2p(*b))

        p_star.add_updater(turn)
        pivot = self.l_star.get_center()

        def beside(m):  # on the upper side of p*, 1.6 units right of L*
            u = p_star.get_unit_vector()
            m.move_to(pivot + 1.6 * u + 0.28 * np.array([-u[1], u[0], 0.0]))

        ps_lab.add_updater(beside)
        ghosts = [
            (
                Dot(pax.c2p(*pts[k]), radius=0.05, color=GEOMETRY.point_p),
                self._line(dax, duals[k], GEOMETRY.point_p, 1.5).set_stroke(opacity=0.45),
            )
            for k in range(n)
        ]
        t_lab = label("$t$ =", FS.label, COLORS.text)
        t_num = Number(0, places=3, size=FS.label, color=COLORS.text)
        counter = VGroup(t_lab, t_num).arrange(RIGHT, buff=0.12).next_to(self.primal_ax, DOWN, buff=0.2)
        note = math(r"p \in L \iff L^* \in p^*", FS.body)
        note.next_to(self.dual_ax, DOWN, buff=0.2)
        self.play(FadeIn(p, p_star, p_lab, ps_lab, counter), run_time=self.seconds(0.8))
        self.add(*ghosts[0])
        mid = (n - 1) // 2
        for k in range(1, n):
            self.play(s.animate.set_value(k), run_time=self.round_time(k), rate_func=linear)
            self.add(*ghosts[k])
            t_num.set_value(float(tr["t"][k]))
            if k == mid:
                self.key_frame("sweep_mid", notes="p halfway along AB; p* still passes through L*.")
                self.hold()
        self.play(Write(note), run_time=self.seconds(1.0))
