"""GlobalCoinAdversary and AdaptiveCoinAdversary: the global-coin MWU (Aggarwal et al. 2017) against greedy adversaries.

Replays a ``coin_run`` trace. Each round: the experts' advice appears (good experts at random, the
adversary's experts as it chose them: J, ringed, advise d, the rest -d); the weighted vote tips a
balance towards -1 or +1; the hidden direction d is revealed; if the output z differs from d every
weight is updated (sizes flow: (1 + eta) for advice d, (1 - eta) otherwise) and the gauge shows the
corrupted share of the total weight; the run ends in the first round with z = d.
The adaptive act shows experts captured (they turn corrupted for good: a triangle) and volatile flips (the
flipped colour, one round only).
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, ORIGIN, RIGHT, UP, Circle, Line, Polygon, Rectangle, Rotate, VGroup, VMobject

from kit.traces import TraceSpec
from scenes.base import Pace, StudioScene
from scenes.pieces import (
    COLORS,
    FS,
    FadeInPlace,
    FadeOutPlace,
    Hatch,
    Morph,
    Number,
    counter,
    headline,
    label,
    legend,
    math,
    params_line,
    side,
    single_column,
    swatch_box,
    title,
)

PIVOT = np.array([-2.3, -1.95, 0.0])
BEAM = 6.4
MAX_TILT = 0.32  # radians at |S| = total weight
ROW_Y, ADVICE_Y = 1.75, 1.22
GAUGE_X, GAUGE_Y0, GAUGE_H = 2.75, -2.55, 2.9
SEGMENTS = 12  # every expert shape is 12 cubic segments: a circle and a triangle morph into each other


def _straight(a, b) -> np.ndarray:
    t = np.array([0.0, 1 / 3, 2 / 3, 1.0])[:, None]
    return a[None] + t * (b - a)[None]


def expert_points(corrupted: bool, r: float, center) -> np.ndarray:
    """Points of an expert: a circle of radius ``r`` (good), or a triangle of the same area (corrupted)."""
    c = np.asarray(center, float)[:2]
    if not corrupted:
        d = 2 * np.pi / SEGMENTS
        h = 4 / 3 * np.tan(d / 4) * r
        segs = []
        for k in range(SEGMENTS):
            a0, a1 = np.pi / 2 + k * d, np.pi / 2 + (k + 1) * d
            p0, p3 = c + r * np.array([np.cos(a0), np.sin(a0)]), c + r * np.array([np.cos(a1), np.sin(a1)])
            p1 = p0 + h * np.array([-np.sin(a0), np.cos(a0)])
            p2 = p3 - h * np.array([-np.sin(a1), np.cos(a1)])
            segs.append(np.array([p0, p1, p2, p3]))
    else:
        R = r * np.sqrt(4 * np.pi / (3 * np.sqrt(3)))
        v = [c + R * np.array([np.cos(a), np.sin(a)]) for a in np.pi / 2 + np.arange(4) * 2 * np.pi / 3]
        per = SEGMENTS // 3
        segs = [_straight(v[i] + (v[i + 1] - v[i]) * k / per, v[i] + (v[i + 1] - v[i]) * (k + 1) / per)
                for i in range(3) for k in range(per)]  # fmt: skip
    pts = np.concatenate(segs)
    return np.column_stack([pts, np.zeros(len(pts))])


def expert(corrupted: bool, r: float, center, colour) -> VMobject:
    m = VMobject(fill_color=colour, fill_opacity=0.95, stroke_width=0)
    m.points = expert_points(corrupted, r, center)
    return m


def advice_points(advice: int, center, h: float = 0.2) -> np.ndarray:
    """An arrow (up for +1, down for -1) as 7 straight cubic segments: advice is never a triangle marker."""
    w, s, hh = 0.09, 0.035, 0.45 * h
    up = [(0, h / 2), (w, h / 2 - hh), (s, h / 2 - hh), (s, -h / 2), (-s, -h / 2), (-s, h / 2 - hh), (-w, h / 2 - hh)]
    v = [np.asarray(center, float)[:2] + np.array([x, y if advice >= 0 else -y]) for x, y in up]
    pts = np.concatenate([_straight(v[i], v[(i + 1) % 7]) for i in range(7)])
    return np.column_stack([pts, np.zeros(len(pts))])


SOLVER_TEXT = {
    -1: "",
    0: "J by the exact knapsack solver",
    1: "J certified within 0.1% (LP bound)",
    2: "J certified within 0.1% (trimmed DP)",
    3: "J by the greedy heuristic (not certified)",
    4: "J by brute force",
}


class GlobalCoinAdversary(StudioScene):
    trace_spec = TraceSpec(
        "coin_run", seed=29, params={"n": 30, "tau": 3, "adversary": "nonadaptive", "max_rounds": 60}
    )
    draws = {"n": (2, 60), "max_rounds": (1, 200)}  # what the scene can draw (StudioScene.draws)
    key_frames = ("initial", "first_round", "peak_share", "final")
    paper_stills = ("first_round", "peak_share", "final")
    pace = Pace(round=2.4, event_round=3.2, key_hold=2.0, intro_hold=2.0, end_hold=3.0)
    heading = "A global coin against a greedy adversary"
    gauge_top = 0.5  # the corrupted share at the gauge's full height
    shows_volatile = True  # the legend's volatile entry (a non-adaptive scene may leave it out)
    rule_text: str | None = None  # the update rule in plain text instead of the formula (no script-size parts)
    conclusion_text = "The adversary keeps z ≠ d while it can, but good experts outgrow it: z = d in the end"

    def opening_notes(self, tr) -> str:
        p = tr.params
        return (
            f"{p['n']} experts, weight 1 each; {p['tau']} of them are corrupted. Each round the weighted vote "
            f"gives the output z, then the global coin reveals the hidden direction d."
        )

    def construct(self):
        tr = self.trace
        self.build(tr)
        self.opening(notes=self.opening_notes(tr))
        R = len(tr["d"])
        share = tr["corrupted_share"]
        self.peak = int(np.argmax(share)) if R > 2 else -1
        if self.peak in (0, R - 1):
            self.peak = int(np.argmax(share[1:-1])) + 1 if R > 3 else -1
        for t in range(R):
            self.play_round(tr, t)  # advice, J, the vote, d revealed
            if t == R - 1:
                break
            if t == 0:
                self.key_frame("first_round", notes=self.first_round_notes(tr))
                self.hold()
            elif t == self.peak:
                self.key_frame(
                    "peak_share",
                    notes=f"Round {t + 1}: the corrupted experts hold "
                    f"{100 * share[t]:.1f}% of the weight, their peak; still z ≠ d.",
                )
                self.hold()
            else:
                self.slide_break()
            self.flow(tr, t)  # weights and the gauge follow the update
        d = int(tr["d"][R - 1])
        self.key_frame(
            "final",
            notes=f"Round {R}: the vote follows the good experts, z = d = {d:+d}: the coin is out after {R} rounds.",
        )
        self.hold()
        gone = [m for m in self.shown if m in self.solver_texts.values()]
        if gone:
            self.play(*[FadeOutPlace(m) for m in gone], run_time=self.seconds(0.4))
        self.conclude(self.conclusion_text)

    def first_round_notes(self, tr) -> str:
        d, z = int(tr["d"][0]), int(tr["z"][0])
        return (
            f"Round 1: the vote says z = {z:+d}, the coin says d = {d:+d}. The adversary wins the round: "
            f"advice d grows by (1 + η), the rest shrinks by (1 − η)."
        )

    # -- layout -------------------------------------------------------------------------------
    def radius(self, w: float) -> float:
        return float(np.clip(0.085 * np.sqrt(w / self.w_ref), 0.03, 0.17))

    def role_colour(self, tr, t: int, i: int):
        if tr["volatile"][t, i]:
            return COLORS.flipped
        return COLORS.byzantine if tr["corrupted"][t, i] else COLORS.honest

    def build(self, tr):
        p, meta = tr.params, tr.meta
        n = p["n"]
        self.w_ref = 1.0
        self.xs = np.linspace(-6.3, 3.3, n)
        head = title(self.heading)
        if self.rule_text:
            rule = headline(label(self.rule_text, FS.label, COLORS.text), head)
        else:
            rule = headline(
                math(r"z=\mathrm{sgn}\big(\textstyle\sum_i w_i a_i\big),\quad w_i \leftarrow w_i(1\pm\eta)", FS.label),
                head,
            )
        self.round = counter("round", 0, FS.label)
        params = params_line(rf"$n$ = {n},  $\tau$ = {p['tau']},  $\eta$ = {meta['eta']:.2f}")
        row_label = label(r"experts (area $\propto$ weight), advice below", FS.tiny, COLORS.muted).move_to(
            [-0.8, 2.17, 0]
        )
        row_label.align_to([-6.4, 0, 0], LEFT)
        # experts and their advice
        self.experts = VGroup(
            *[
                expert(bool(tr["corrupted"][0, i]), self.radius(1.0), [x, ROW_Y], self.role_colour(tr, 0, i))
                for i, x in enumerate(self.xs)
            ]
        )
        self.arrows = VGroup(*[self.arrow(i, 0, COLORS.grid) for i in range(n)])
        self.rings = VGroup(
            *[
                Circle(radius=0.21, stroke_width=2.5, stroke_color=COLORS.selected, stroke_opacity=0.0).move_to(
                    [x, ROW_Y, 0]
                )
                for x in self.xs
            ]
        )
        # the balance
        pivot = Polygon(
            PIVOT,
            PIVOT + np.array([-0.35, -0.55, 0]),
            PIVOT + np.array([0.35, -0.55, 0]),
            fill_color=COLORS.muted,
            fill_opacity=1,
            stroke_width=0,
        )
        beam = Line(PIVOT + LEFT * BEAM / 2, PIVOT + RIGHT * BEAM / 2, color=COLORS.text, stroke_width=5)
        pan_l = Line(
            PIVOT + LEFT * (BEAM / 2 - 0.5) + UP * 0.04,
            PIVOT + LEFT * (BEAM / 2 + 0.5) + UP * 0.04,
            color=COLORS.text,
            stroke_width=8,
        )
        pan_r = pan_l.copy().move_to(PIVOT + RIGHT * (BEAM / 2) + UP * 0.04)
        self.beam = VGroup(beam, pan_l, pan_r)
        self.tilt = 0.0
        side_l = label("−1", FS.body, COLORS.text).move_to(PIVOT + LEFT * (BEAM / 2) + DOWN * 0.55)
        side_r = label("+1", FS.body, COLORS.text).move_to(PIVOT + RIGHT * (BEAM / 2) + DOWN * 0.55)
        self.w_minus = Number(0, places=1, size=FS.label, color=COLORS.text, edge=ORIGIN)
        self.w_plus = Number(0, places=1, size=FS.label, color=COLORS.text, edge=ORIGIN)
        self.w_minus.move_to(PIVOT + LEFT * (BEAM / 2) + UP * 1.25)
        self.w_plus.move_to(PIVOT + RIGHT * (BEAM / 2) + UP * 1.25)
        wl = label("weight voting", FS.tiny, COLORS.muted).move_to(PIVOT + UP * 1.25)
        # hidden direction and output
        big = FS.label if single_column() else FS.body  # a single-column figure: every font is larger already
        self.d_texts = {
            v: label(s, big, COLORS.true_value).move_to([PIVOT[0], 0.78, 0])
            for v, s in ((0, "hidden $d$ = ?"), (1, "hidden $d$ = +1"), (-1, "hidden $d$ = −1"))
        }
        self.z_texts = {
            v: label(s, big, COLORS.text).move_to([PIVOT[0], 0.3, 0])
            for v, s in ((1, "output $z$ = +1"), (-1, "output $z$ = −1"))
        }
        self.verdicts = {
            True: label("$z = d$: the coin is out", FS.label, COLORS.honest),
            False: label(r"$z \neq d$: the adversary wins this round", FS.label, COLORS.byzantine),
        }
        for v in self.verdicts.values():
            v.move_to([PIVOT[0], -0.18, 0])
        self.solver_texts = {
            k: label(s, FS.tiny, COLORS.muted).move_to([PIVOT[0], -3.15, 0]) for k, s in SOLVER_TEXT.items() if s
        }
        # gauge of the corrupted share
        frame = Rectangle(width=0.5, height=GAUGE_H, stroke_color=COLORS.muted, stroke_width=2)
        frame.move_to([GAUGE_X, GAUGE_Y0 + GAUGE_H / 2, 0])
        self.fill = self.gauge_fill(float(tr["corrupted_share"][0]))
        self.fill_group = VGroup(self.fill)  # in the scene as is: Morph of it does not re-add it over its hatching
        self.fill_hatch = Hatch(self.fill, 0.12)
        g_label = label("corrupted\nshare", FS.tiny, COLORS.byzantine).next_to(frame, UP, buff=0.2)
        ticks = VGroup()
        for v in (0.0, self.gauge_top / 2, self.gauge_top):
            y = GAUGE_Y0 + v / self.gauge_top * GAUGE_H
            ticks.add(Line([GAUGE_X - 0.32, y, 0], [GAUGE_X - 0.25, y, 0], color=COLORS.muted, stroke_width=2))
            ticks.add(label(f"{v:.0%}", FS.tiny, COLORS.muted).next_to([GAUGE_X - 0.32, y, 0], LEFT, buff=0.06))
        self.share = Number(
            100 * float(tr["corrupted_share"][0]), places=1, size=FS.small, color=COLORS.byzantine, edge=RIGHT
        )
        pct = label("%", FS.small, COLORS.byzantine)
        VGroup(self.share, pct).arrange(RIGHT, buff=0.05).next_to(frame, DOWN, buff=0.26)  # clear of the 0% tick label
        key = legend(
            [
                ("good expert", expert(False, 0.08, [0, 0], COLORS.honest)),
                (
                    "corrupted",
                    VGroup(expert(True, 0.08, [0, 0], COLORS.byzantine), swatch_box(COLORS.byzantine, True)).arrange(
                        RIGHT, buff=0.08
                    ),
                ),
            ]
            + (
                [("volatile (this round)", expert(False, 0.08, [0, 0], COLORS.flipped))]
                if self.shows_volatile and tr["volatile"].any()
                else []
            )
            + [("in $J$: advises $d$", Circle(radius=0.1, stroke_width=2.5, stroke_color=COLORS.selected))],
            FS.tiny,
        )
        side(self.round, key, params)
        self.key = key
        self.layout = [head, rule, params, row_label, pivot, side_l, side_r, wl, frame, g_label, ticks, key, pct]
        self.add(*self.layout)
        self.freeze_background(*self.layout)
        self.add(
            self.round,
            self.beam,
            self.w_minus,
            self.w_plus,
            self.d_texts[0],
            self.fill_group,
            self.fill_hatch,
            self.share,
            self.experts,
            self.arrows,
            self.rings,
        )
        self.shown = [self.d_texts[0]]

    def arrow(self, i: int, advice: int, colour) -> VMobject:
        """The advice of expert i: an arrow up (+1) or down (-1); none (transparent) for 0."""
        m = VMobject(fill_color=colour, fill_opacity=1.0 if advice else 0.0, stroke_width=0)
        m.points = advice_points(advice, [self.xs[i], ADVICE_Y])
        return m

    def gauge_fill(self, share: float) -> Rectangle:
        h = max(min(share / self.gauge_top, 1.0) * GAUGE_H, 1e-3)
        r = Rectangle(width=0.44, height=h, fill_color=COLORS.byzantine, fill_opacity=0.9, stroke_width=0)
        return r.move_to([GAUGE_X, GAUGE_Y0 + h / 2, 0])

    def swap(self, new, run_time):
        old = self.shown
        self.shown = list(new)
        new = [m for m in new if m not in old]
        old = [m for m in old if m not in self.shown]
        self.play(*[FadeOutPlace(m) for m in old], *[FadeInPlace(m) for m in new], run_time=run_time)

    # -- one round ----------------------------------------------------------------------------
    def play_round(self, tr, t: int):
        R = len(tr["d"])
        step = self.round_time(t, [0, self.peak, R - 1]) / 5
        w, a, d, z = tr["weights"][t], tr["advice"][t], int(tr["d"][t]), int(tr["z"][t])
        ctrl = tr["corrupted"][t] | tr["volatile"][t]
        self.round.number.set_value(t + 1)
        cols = [self.role_colour(tr, t, i) for i in range(len(w))]
        # 1. roles (captures, volatile) and the good experts' advice
        self.bring_to_front(self.experts, self.arrows)
        corrupt = tr["corrupted"][t]
        radii = [self.radius(float(x)) for x in w]
        self.play(
            Morph(
                self.experts,
                {i: expert(bool(corrupt[i]), radii[i], [self.xs[i], ROW_Y], cols[i]) for i in range(len(w))},
            ),
            Morph(self.arrows, {i: self.arrow(i, int(a[i]) if not ctrl[i] else 0, cols[i]) for i in range(len(w))}),
            run_time=step,
        )
        # 2. the adversary's advice and J
        self.bring_to_front(self.arrows, self.rings)
        for i in range(len(w)):  # J is ringed as the adversary's advice lands
            self.rings[i].set_stroke(opacity=1.0 if tr["J"][t, i] else 0.0)
        solver = int(tr["solver"][t])
        extra = [self.solver_texts[solver]] if solver in self.solver_texts else []
        self.play(
            Morph(self.arrows, {i: self.arrow(i, int(a[i]), cols[i]) for i in np.flatnonzero(ctrl)}),
            *[FadeInPlace(m) for m in extra if m not in self.shown],
            run_time=step,
        )
        self.shown += [m for m in extra if m not in self.shown]
        # 3. the balance tips
        S = float(np.dot(w, a))
        angle = -MAX_TILT * S / float(w.sum())  # positive S tips the +1 (right) side down
        self.w_minus.set_value(float(w[a < 0].sum()))
        self.w_plus.set_value(float(w[a > 0].sum()))
        self.play(Rotate(self.beam, angle - self.tilt, about_point=PIVOT), run_time=step)
        self.tilt = angle
        # 4. d is revealed, z and the verdict
        self.swap([self.d_texts[d], self.z_texts[z], self.verdicts[z == d]] + extra, step)

    def flow(self, tr, t: int):
        """5. the weights flow (w (1 + eta) for advice d, w (1 - eta) otherwise) and the gauge follows."""
        R = len(tr["d"])
        step = self.round_time(t, [0, self.peak, R - 1]) / 5
        w = tr["weights"][t]
        cols = [self.role_colour(tr, t, i) for i in range(len(w))]
        w1 = tr["weights"][t + 1]
        share1 = float(tr["corrupted_share"][t + 1])
        self.share.set_value(100 * share1)
        self.bring_to_front(self.experts, self.rings)
        corrupt = tr["corrupted"][t]
        self.play(
            Morph(
                self.experts,
                {i: expert(bool(corrupt[i]), self.radius(w1[i]), [self.xs[i], ROW_Y], cols[i]) for i in range(len(w))},
            ),
            Morph(self.fill_group, {0: self.gauge_fill(share1)}),
            run_time=step,
        )
        self.swap([self.d_texts[0]], step * 0.5)


class AdaptiveCoinAdversary(GlobalCoinAdversary):
    """The adaptive act: no expert corrupted at first; captures (for good) and volatile flips (one round)."""

    trace_spec = TraceSpec(
        "coin_run", seed=2, params={"n": 16, "tau": 2, "adversary": "adaptive", "volatile": 1, "max_rounds": 60}
    )
    draws = {"n": (2, 20), "max_rounds": (1, 200), "volatile": (-2, 10)}  # what the scene can draw (StudioScene.draws)
    key_frames = ("initial", "first_round", "peak_share", "final")
    heading = "Adaptive adversary: captures and flips"
    conclusion_text = "Captures and volatile flips buy it rounds, not the coin: z = d in the end"

    def opening_notes(self, tr) -> str:
        p = tr.params
        v = p["volatile"] if p["volatile"] >= 0 else int(np.floor(np.sqrt(p["n"])))
        return (
            f"{p['n']} experts, weight 1 each, none corrupted yet. The adaptive adversary may capture up to "
            f"{p['tau']} of them for good, and set the advice of up to {v} good (volatile) expert"
            f"{'s' if v != 1 else ''} for a single round."
        )
