"""PrimalDual: point-line duality, a point on a line becomes a line through a point (backup section).

Left the primal plane (segment AB on its line L), right the dual plane
(p = (u, v) becomes the line p*: y = u x - v). The dual lines A*, B* meet at
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
    FadeOut,
    Line,
    ValueTracker,
    VGroup,
    Write,
    linear,
)

from kit.traces import TraceSpec
from scenes.base import Pace, StudioScene
from scenes.claims import Claim, plain
from scenes.pieces import COLORS, FS, GEOMETRY, Number, headline, label, math, title

SIDE = 4.6  # axes length (scene units)
CENTRE_Y = -0.35  # the planes' centre height: room under them for the tick numbers and the counter row


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


def _touch(a, b) -> bool:
    """Whether the boxes of two mobjects overlap (layout only)."""
    (a0, a1), (b0, b1) = (
        (a.get_corner(DOWN + LEFT), a.get_corner(UP + RIGHT)),
        (b.get_corner(DOWN + LEFT), b.get_corner(UP + RIGHT)),
    )
    return bool(a0[0] < b1[0] and b0[0] < a1[0] and a0[1] < b1[1] and b0[1] < a1[1])


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
    paper_stills = ("dual", "final")  # the primal still would be half empty (no dual lines yet): "dual" shows both
    # "round" = one trace sample of the sweep
    pace = Pace(round=1.2, event_round=1.2, key_hold=3.0, intro_hold=3.0, end_hold=3.5)

    # other runs the words are checked on (tests/test_scenes_narration.py): another seed, a falling segment, a
    # steep one sampled finely
    claim_checks = (
        {"seed": 3},
        {"ax": -2.0, "ay": 2.0, "bx": 1.5, "by": -1.0, "steps": 7},
        {"seed": 1, "ax": 0.5, "ay": -2.0, "bx": 1.5, "by": 2.5, "steps": 13},
    )

    def construct(self):
        tr = self.trace
        self.build_layout(tr)
        self.show_primal(tr)
        self.opening(caption=self.primal_claim(tr), prompt=self.primal_prompt())
        self.show_dual(tr)
        self.key_frame(
            "dual", self.dual_claim(tr), prompt=plain("Point at the crossing of the two lines on the right.")
        )
        self.hold()
        self.sweep(tr)
        self.key_frame("final", self.final_claim(tr), prompt=self.final_prompt())
        self.hold()
        self.remove_foreground_mobjects(self.l_star)  # under the conclusion's veil like the rest of the picture
        self.add(self.l_star)
        if not self.figure_mode:  # the band says the formula; the row under the planes would sit under it
            self.play(FadeOut(self.counter_row), run_time=self.seconds(0.5))
        self.conclude(self.conclusion(tr), prompt=plain("Back to the talk, or take questions on the geometry."))

    # -- the words, each bound from the trace with what it asserts --------------------------------------------
    @staticmethod
    def through_L_star(tr, k) -> bool:
        """Whether the dual line p_k* (y = u x - v) passes through L* (up to rounding)."""
        (slope, icpt), (lx, ly) = tr["dual_lines"][k], tr["dual_point_L"]
        return bool(abs(slope * lx + icpt - ly) <= 1e-9 * max(1.0, abs(ly), abs(slope * lx)))

    @staticmethod
    def on_L(tr, p) -> bool:
        m, q = tr["line_L"]
        return bool(abs(m * p[0] + q - p[1]) <= 1e-9 * max(1.0, abs(p[1])))

    def primal_claim(self, tr) -> Claim:
        (ax, ay), (bx, by) = tr["endpoints"]
        m, q = tr["line_L"]
        return Claim(
            "A segment from A = ({ax:g}, {ay:g}) to B = ({bx:g}, {by:g}), on its line L: y = {m:.3g} x {sign} {qa:.3g}.",
            ax=ax,
            ay=ay,
            bx=bx,
            by=by,
            m=m,
            sign="−" if q < 0 else "+",
            qa=abs(q),
            holds=lambda: self.on_L(tr, tr["endpoints"][0]) and self.on_L(tr, tr["endpoints"][1]),
            says="A and B lie on L",
        )

    @staticmethod
    def primal_prompt() -> Claim:
        return plain("Read the rule in the headline: a point becomes a line, and a line becomes a point.")

    def dual_claim(self, tr) -> Claim:
        lx, ly = tr["dual_point_L"]
        return Claim(
            "A* and B* meet at ({lx:.3g}, {ly:.3g}): exactly L*, the dual point of the line L.",
            lx=lx,
            ly=ly,
            holds=lambda: bool(np.allclose(tr["dual_meet"], tr["dual_point_L"], rtol=1e-9, atol=1e-9)),
            says="the intersection of A* and B* equals L*",
        )

    def mid_claim(self, tr, k: int) -> Claim:
        return Claim(
            "At t = {t:.3g}, p is on L between A and B, and its dual line p* passes through L*.",
            t=float(tr["t"][k]),
            holds=lambda: self.on_L(tr, tr["points"][k]) and 0 <= tr["t"][k] <= 1 and self.through_L_star(tr, k),
            says="p_k on L, t_k in [0, 1], p_k* through L*",
        )

    def final_claim(self, tr) -> Claim:
        n = len(tr["t"])
        return Claim(
            "All {n} dual lines pass through L*, because all {n} points lie on L.",
            n=n,
            holds=lambda: all(self.through_L_star(tr, k) and self.on_L(tr, tr["points"][k]) for k in range(n)),
            says="every p_k on L and every p_k* through L*",
        )

    @staticmethod
    def final_prompt() -> Claim:
        return plain("Point at the fan of faint lines: they all cross at L*. Then read the formula under the plane.")

    def conclusion(self, tr) -> Claim:
        n = len(tr["t"])
        return Claim(
            "A point on a line becomes a line through a point: p ∈ L ⇔ L* ∈ p*",
            holds=lambda: all(self.through_L_star(tr, k) == self.on_L(tr, tr["points"][k]) for k in range(n)),
            says="for every sampled p: p on L iff p* through L*",
        )

    # -- layout -------------------------------------------------------------
    def build_layout(self, tr):
        pts = np.concatenate([tr["endpoints"], tr["dual_point_L"][None, :]])
        self.R = float(np.ceil(np.max(np.abs(pts)) + 0.75))
        head = title("Point–line duality")
        rule = headline(
            math(r"p=(u,v)\ \longmapsto\ p^*:\ y=u\,x-v \qquad L:\ y=m\,x+q\ \longmapsto\ L^*=(m,\,-q)", FS.label),
            head,
            over_main=False,  # two planes side by side, no side column
        )
        self.primal_ax = self._axes().move_to([-3.4, CENTRE_Y, 0])
        self.dual_ax = self._axes().move_to([3.4, CENTRE_Y, 0])
        cap_p = label("primal plane", FS.small, COLORS.muted).next_to(self.primal_ax, UP, buff=0.12)
        cap_d = label("dual plane", FS.small, COLORS.muted).next_to(self.dual_ax, UP, buff=0.12)
        self.cap_d = cap_d
        ticks = (self._ticks(self.primal_ax), self._ticks(self.dual_ax))
        self.add(head, rule, self.primal_ax, self.dual_ax, *ticks, cap_p, cap_d)

    def _axes(self) -> Axes:
        """A square plot of [-R, R]^2: the axes through the origin, a frame, the tick numbers outside the frame
        (under it and left of it), where no line of the picture runs through them."""
        R = self.R
        ax = Axes(
            x_range=[-R, R, 1],
            y_range=[-R, R, 1],
            x_length=SIDE,
            y_length=SIDE,
            tips=False,
            axis_config={"color": COLORS.muted, "stroke_width": 2, "tick_size": 0.05},
        )
        frame = VGroup(
            *[
                Line(ax.c2p(*a), ax.c2p(*b), color=COLORS.grid, stroke_width=1.5)
                for a, b in (((-R, -R), (R, -R)), ((R, -R), (R, R)), ((R, R), (-R, R)), ((-R, R), (-R, -R)))
            ]
        )
        ax.add_to_back(frame)
        return ax

    def _ticks(self, ax: Axes) -> VGroup:
        """The tick numbers of a placed plot, outside its frame: under it (x) and left of it (y)."""
        R = self.R
        ticks = [v for v in (-2 * (R // 2), R // 2 * 2) if v != 0]

        def num(v):
            return label(f"{v:.0f}".replace("-", "−"), FS.small, COLORS.muted)

        ax.ticks = VGroup(
            *[num(v).next_to(ax.c2p(v, -R), DOWN, buff=0.1) for v in ticks],
            *[num(v).next_to(ax.c2p(-R, v), LEFT, buff=0.1) for v in ticks],
        )
        return ax.ticks

    def _line(self, ax: Axes, line, color, width=3.0, dashed=False):
        a, b = _clip(line, self.R)
        cls = DashedLine if dashed else Line
        return cls(ax.c2p(*a), ax.c2p(*b), color=color, stroke_width=width)

    def _outside(self, ax: Axes, point, mob, avoid=()) -> bool:
        """Put ``mob`` just outside the frame at its boundary ``point`` (data units), off the edge it lies on;
        False when it would overlap one of ``avoid`` or the strip right of the frame (the label of p*)."""
        R, eps = self.R, 1e-6
        out = np.array([float(point[0] >= R - eps) - float(point[0] <= -R + eps), 0.0, 0.0])
        out[1] = float(point[1] >= R - eps) - float(point[1] <= -R + eps)
        mob.next_to(ax.c2p(*point), out if out.any() else UP, buff=0.1)
        left, right = ax.c2p(-R, 0)[0], ax.c2p(R, 0)[0]
        if out[1] and not out[0]:  # over or under the frame: kept within its width
            mob.set_x(float(np.clip(mob.get_x(), left + mob.width / 2, right - mob.width / 2)))
        return mob.get_right()[0] <= right and not any(_touch(mob, m) for m in avoid)

    def _label_line(self, ax: Axes, line, mob, avoid=()):
        """The label of a still line, outside the frame at one of its ends: the upper end when it is free."""
        ends = sorted(_clip(line, self.R), key=lambda e: -e[1])
        if not any(self._outside(ax, e, mob, avoid) for e in ends):
            self._outside(ax, ends[0], mob)  # no free end: the upper one
        return mob

    def _right_of(self, ax: Axes, line, mob):
        """Beside the frame's right edge, at the height where the line meets it (kept within the frame)."""
        R = self.R
        y = float(np.clip(line[0] * R + line[1], -R, R))
        mob.next_to(ax.c2p(R, y), RIGHT, buff=0.12)
        lo, hi = ax.c2p(R, -R)[1] + mob.height / 2, ax.c2p(R, R)[1] - mob.height / 2
        mob.set_y(float(np.clip(mob.get_y(), lo, hi)))
        return mob

    def _free_direction(self, tr) -> tuple[np.ndarray, float]:
        """The unit vector from L* into the widest gap between the dual lines (they all pass through L*): the
        sector between B* and A* that p* never sweeps, on its upper side; and half its angle."""
        angles = np.arctan(np.asarray(tr["dual_lines"])[:, 0])  # every p_k*: A* first, B* last
        lo, hi = float(angles.min()), float(angles.max())
        mid = (hi + lo + np.pi) / 2  # bisects (hi, lo + pi), the sector no p_k* enters
        v = np.array([np.cos(mid), np.sin(mid), 0.0])
        return (v if v[1] >= 0 else -v), (np.pi - (hi - lo)) / 2

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
        avoid = [self.cap_d, *ax.ticks]
        lab_a = self._label_line(ax, a_star, math("A^*", FS.body, GEOMETRY.point_a), avoid)
        lab_b = self._label_line(ax, b_star, math("B^*", FS.body, GEOMETRY.point_b), [*avoid, lab_a])
        self.l_star = Dot(ax.c2p(*tr["dual_point_L"]), radius=0.1, color=COLORS.text)
        lab_l = math("L^*", FS.body, COLORS.text)
        v, half = self._free_direction(tr)
        r = 0.5 * np.hypot(lab_l.width, lab_l.height)  # the label's box within this distance of its centre
        lab_l.move_to(self.l_star.get_center() + max(0.45, (r + 0.05) / max(np.sin(half), 0.2)) * v)
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
        ps_lab.add_updater(lambda m: self._right_of(dax, _at(duals, s.get_value()), m))
        ghosts = [
            (
                Dot(pax.c2p(*pts[k]), radius=0.05, color=GEOMETRY.point_p),
                self._line(dax, duals[k], GEOMETRY.point_p, 1.5).set_stroke(opacity=0.45),
            )
            for k in range(n)
        ]
        t_lab = label("$t$ =", FS.label, COLORS.text)
        t_num = Number(0, places=3, size=FS.label, color=COLORS.text)
        under = self.primal_ax.ticks.get_bottom()[1] - 0.12  # the row under the tick numbers
        counter = VGroup(t_lab, t_num).arrange(RIGHT, buff=0.15)
        counter.move_to([self.primal_ax.get_x(), under, 0], aligned_edge=UP)
        note = math(r"p \in L \iff L^* \in p^*", FS.body)
        note.move_to([self.dual_ax.get_x(), under, 0], aligned_edge=UP)
        self.counter_row = VGroup(counter, note)  # under the conclusion's band: it leaves before the band comes
        self.play(FadeIn(p, p_star, p_lab, ps_lab, counter), run_time=self.seconds(0.8))
        self.add(*ghosts[0])
        mid = (n - 1) // 2
        for k in range(1, n):
            self.play(s.animate.set_value(k), run_time=self.round_time(k), rate_func=linear)
            self.add(*ghosts[k])
            t_num.set_value(float(tr["t"][k]))
            if k == mid:
                self.key_frame(
                    "sweep_mid", self.mid_claim(tr, k), prompt=plain("Follow p with one hand and p* with the other.")
                )
                self.hold()
        self.play(Write(note), run_time=self.seconds(1.0))
