"""BlacklistingRace: honest and Byzantine weights racing down a log axis toward tau (Knowlson et al., Fig. 5).

Replays one trial of a ``blacklisting_cell`` trace (one cell of the
verification sweep): every round each source's weight curve grows by one
segment; the theoretical T = ceil((1/eta) ln(1/tau)) is marked from the start;
a source whose weight falls below tau is blacklisted and drops out (its curve
greys, its head becomes a cross); the empirical T is marked when the average
Byzantine weight crosses tau.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, AnimationGroup, Axes, Create, DashedLine, FadeIn, Line, VGroup

from kit.traces import TraceSpec
from scenes.base import Pace, StudioScene
from scenes.pieces import (
    BLACKLISTED_OPACITY,
    COLORS,
    FS,
    Number,
    blacklist_cross,
    counter,
    label,
    legend,
    math,
    params_line,
    side,
    source,
    swatch_blacklisted,
    swatch_line,
    swatch_source,
    tick_labels,
    title,
)


def _count(text: str, value: int, color) -> VGroup:
    """A label and a Number (set_value once per change)."""
    num = Number(value, places=0, size=FS.label, color=color)
    g = VGroup(label(text, FS.small, color), num).arrange(RIGHT, buff=0.15)
    g.number = num
    return g


class BlacklistingRace(StudioScene):
    trace_spec = TraceSpec(
        "blacklisting_cell",
        seed=4,
        params={
            "eta": 0.1,
            "tau": 0.06,
            "rounds": 50,
            "trials": 200,
            "n_sources": 20,
            "byz_fraction": 0.3,
            "byz_distance": 5.0,
            "c": 1.5,
        },
    )
    draws = {
        "n_sources": (2, 40),
        "rounds": (1, 100),
        "trials": (1, 1000),
        "byz_distance": (-1000, 1000),
        "sigma": (0, 1000),
        "byz_spread": (0, 1000),
    }  # what the scene can draw (StudioScene.draws)
    key_frames = ("initial", "byzantine_caught", "final")
    paper_stills = ("byzantine_caught", "final")
    # 50 rounds: the dull stretch runs fast, the rounds around T and the blacklistings slowly
    pace = Pace(round=0.22, event_round=1.1, key_hold=3.0, intro_hold=2.5, end_hold=3.5, near=2)

    def construct(self):
        tr = self.trace
        self.build_layout(tr)
        self.opening(
            notes="All weights start at 1; the theory predicts the round T at which Byzantine weights "
            "cross the threshold tau."
        )
        black = np.asarray(tr["blacklisted_at"])
        self.events = sorted(
            {tr.meta["T_emp_trial"] - 1, tr.meta["T_theory"] - 1} | {int(b) - 1 for b in black if b > 0}
        )
        caught_shown = False
        for t in range(tr.params["rounds"]):
            self.play_round(tr, t)
            if not caught_shown and t + 1 == tr.meta["T_emp_trial"]:
                self.show_empirical_T(tr)
                self.key_frame(
                    "byzantine_caught",
                    notes="The average Byzantine weight is below tau: "
                    "the Byzantine sources are caught, near the predicted T.",
                )
                self.hold()
                caught_shown = True
            elif (t + 1) % 10 == 0:
                self.slide_break()
        self.show_summary(tr)
        self.key_frame("final", notes="Theory and simulation agree on T; a few honest sources can fall too.")
        self.hold()
        meta = tr.meta
        emp, T = meta["T_emp_trial"], meta["T_theory"]
        # T = ceil(ln(1/tau)/eta) bounds the crossing ((1 - eta)^t <= e^(-eta t)): say which side it fell on
        self.conclude(
            f"Byzantine weights cross \u03c4 at round {emp}, "
            + (f"within the theoretical bound T = {T}" if emp <= T else f"after the theoretical T = {T}")
        )

    # -- layout ----------------------------------------------------------------
    def build_layout(self, tr):
        p, meta = tr.params, tr.meta
        w = np.asarray(tr["weights"])
        self.log_w = np.log10(w)
        R = p["rounds"]
        ymin = float(np.floor(min(self.log_w.min(), np.log10(p["tau"]) - 0.2) * 2) / 2)
        self.ymin = ymin
        head = title("The blacklisting race")
        # y is log10(w) - ymin, so the round axis sits at the bottom
        self.axes = Axes(
            x_range=[0, R, 10],
            y_range=[0, 0.05 - ymin, 0.5],
            x_length=8.3,
            y_length=4.9,
            axis_config={"color": COLORS.muted, "include_tip": False, "stroke_width": 2},
            x_axis_config={"include_numbers": False},
        )
        self.axes.to_corner(LEFT + DOWN, buff=0.55).shift(RIGHT * 0.5 + UP * 0.35)
        xt = tick_labels(self.axes.x_axis, range(0, R + 1, 10), FS.small)
        yl = VGroup()
        for e in np.arange(0, ymin - 1e-9, -0.5):
            if abs(e - round(e)) < 1e-9:
                tex = label(
                    f"{10.0 ** round(e):g}", FS.small, COLORS.muted
                )  # 1, 0.1, 0.01: numbers in the theme's face
                yl.add(tex.next_to(self.pt(0, e), LEFT, buff=0.15))
        xlab = label("round $t$", FS.small, COLORS.muted).next_to(self.axes.x_axis, DOWN, buff=0.45)
        ylab = label("weight (log scale)", FS.small, COLORS.muted).rotate(np.pi / 2)
        ylab.next_to(self.axes.y_axis, LEFT, buff=0.65)
        ty = np.log10(p["tau"])
        self.tau_line = DashedLine(
            self.pt(0, ty), self.pt(R, ty), color=COLORS.threshold, stroke_width=2.5, dash_length=0.1
        )
        tau_lab = label(r"$\tau$ = {:g}".format(p["tau"]), FS.small, COLORS.threshold)
        tau_lab.next_to(self.pt(1, ty), UP, buff=0.08, aligned_edge=LEFT)
        Tt = meta["T_theory"]
        self.theory = DashedLine(
            self.pt(Tt, ymin), self.pt(Tt, 0.05), color=COLORS.theory, stroke_width=3, dash_length=0.12
        )
        th_lab = VGroup(
            math(r"T=\Big\lceil\tfrac{1}{\eta}\ln\tfrac{1}{\tau}\Big\rceil=", FS.label, COLORS.theory),
            label(str(Tt), FS.small, COLORS.theory),
        ).arrange(RIGHT, buff=0.1)
        th_lab.next_to(self.pt(Tt, 0.05), UP, buff=0.08)
        self.is_byz = np.asarray(tr["is_byzantine"])
        self.colors = [COLORS.byzantine if b else COLORS.honest for b in self.is_byz]
        self.heads = VGroup(*[source(bool(b), 0.06).move_to(self.pt(0, 0)) for b in self.is_byz])
        self.curves = VGroup()
        # right panel: parameters, counters, legend
        params = params_line(rf"$\eta$ = {p['eta']:g},  $\tau$ = {p['tau']:g},  $n$ = {p['n_sources']:d}")
        self.round = counter("round", 0, FS.label)
        self.byz_left = _count("Byzantine left:", meta["n_byzantine"], COLORS.byzantine)
        self.hon_left = _count("honest left:", meta["n_honest"], COLORS.honest)
        key = legend(
            [
                ("honest source", swatch_source(False)),
                ("Byzantine source", swatch_source(True)),
                ("blacklisted", swatch_blacklisted()),
                (r"threshold $\tau$", swatch_line(COLORS.threshold, True)),
                (r"theoretical $T$", swatch_line(COLORS.theory, True)),
                (r"empirical $T$", swatch_line(COLORS.measured)),
            ],
            FS.tiny,
        )
        panel = side(self.round, self.byz_left, self.hon_left, key, params)
        self.panel, self.key = panel, key
        self.segs = [[] for _ in self.colors]
        self.add(
            head,
            self.axes,
            xt,
            yl,
            xlab,
            ylab,
            self.tau_line,
            tau_lab,
            self.theory,
            th_lab,
            self.curves,
            self.heads,
            panel,
        )
        self.n_byz_left, self.n_hon_left = meta["n_byzantine"], meta["n_honest"]

    def pt(self, t, log_w):
        """Scene point of round t and log10 weight (the axis runs from ymin up)."""
        return self.axes.c2p(t, log_w - self.ymin)

    # -- one round -------------------------------------------------------------
    def play_round(self, tr, t: int):
        black = np.asarray(tr["blacklisted_at"])
        alive = (black == -1) | (black > t)  # not blacklisted before round t + 1
        segs, moves = [], []
        for i in np.flatnonzero(alive):
            a, b = self.pt(t, self.log_w[i, t]), self.pt(t + 1, self.log_w[i, t + 1])
            seg = Line(a, b, color=self.colors[i], stroke_width=2.2 if self.is_byz[i] else 1.6, stroke_opacity=0.85)
            self.curves.add(seg)
            self.segs[i].append(seg)
            segs.append(Create(seg))
            moves.append(self.heads[i].animate.move_to(b))
        self.round.number.set_value(t + 1)
        self.play(*segs, *moves, run_time=self.round_time(t, self.events))
        caught = np.flatnonzero(black == t + 1)
        if caught.size:
            self.drop_out(caught)

    def drop_out(self, idx):
        anims = []
        for i in idx:
            cross = blacklist_cross(self.heads[i], 0.2)
            curve = VGroup(*self.segs[i])
            anims.append(
                AnimationGroup(
                    self.heads[i].animate.set_color(COLORS.blacklisted).set_opacity(BLACKLISTED_OPACITY),
                    curve.animate.set_stroke(COLORS.blacklisted, opacity=BLACKLISTED_OPACITY),
                    FadeIn(cross),
                )
            )
            if self.is_byz[i]:
                self.n_byz_left -= 1
            else:
                self.n_hon_left -= 1
        self.byz_left.number.set_value(self.n_byz_left)
        self.hon_left.number.set_value(self.n_hon_left)
        self.play(*anims, run_time=self.seconds(0.8))

    def show_empirical_T(self, tr):
        Te = tr.meta["T_emp_trial"]
        ymin = self.ymin
        line = Line(self.pt(Te, ymin), self.pt(Te, 0.05), color=COLORS.measured, stroke_width=3)
        lab = label(f"empirical $T$ = {Te:d}", FS.small, COLORS.measured)
        lab.next_to(self.pt(Te, ymin), UP, buff=0.1).shift(LEFT * (lab.width / 2 + 0.12))
        self.play(Create(line), FadeIn(lab), run_time=self.seconds(1.0))

    def show_summary(self, tr):
        meta = tr.meta
        lines = VGroup(
            label(f"theoretical $T$: {meta['T_theory']}", FS.tiny, COLORS.theory),
            label(f"empirical $T$, this trial: {meta['T_emp_trial']}", FS.tiny, COLORS.measured),
            label(f"mean of {tr.params['trials']} trials: {_T_mean(meta['T_emp_mean'])}", FS.tiny, COLORS.measured),
            label(f"P(an honest source out): {meta['p_honest']:.2f}", FS.tiny, COLORS.text),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        lines.move_to(self.key, aligned_edge=LEFT + UP)  # the summary takes the legend's place
        if lines.get_right()[0] > 6.9:
            lines.shift(LEFT * (lines.get_right()[0] - 6.9))
        for m in lines:
            m.is_side = True
        self.remove(self.key)
        self.panel.remove(self.key)
        self.play(FadeIn(lines, shift=UP * 0.2), run_time=self.seconds(0.8))


def _T_mean(t) -> str:
    """The mean empirical T, or why there is none (no trial removed every Byzantine source: meta None)."""
    return "not reached" if t is None else f"{t:.1f}"
