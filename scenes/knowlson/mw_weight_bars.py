"""MWWeightBars: sources as bars whose heights are their MW weights (seed 000's mw_animation).

Replays an ``mw_sources`` trace: each round the reports land on a number line
and the median mu_hat moves; the pseudo-losses fill their gauges while the
slice eta * loss * w that the update removes lights up on each bar; the bars
shrink to w (1 - eta * loss); sources whose weight falls below tau are greyed out.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, MathTex, VGroup

from scenes.base import StudioScene
from scenes.pieces import (COLORS, FS, FadeInPlace, GaugeRow, Morph, with_opacity, ReportStrip, WeightBars, counter, label, legend, swatch_box,
                           swatch_dot, swatch_line, swatch_triangle, title)
from studio.traces import TraceSpec

STEP_TIME = 0.6


class MWWeightBars(StudioScene):
    trace_spec = TraceSpec("mw_sources", seed=7, params={"n_sources": 9, "byz_fraction": 1 / 3, "rounds": 12,
                                                         "eta": 0.25, "tau": 0.1, "c": 4.0, "byz_distance": 5.0,
                                                         "byz_spread": 1.0})
    key_frames = ("initial", "after_round_3", "final")
    talk_order = 10

    def construct(self):
        tr = self.trace
        self.colors = [COLORS.byzantine if b else COLORS.honest for b in tr["is_byzantine"]]
        self.build_layout(tr)
        self.key_frame("initial", notes="Every source starts with weight 1.")
        for t in self.rounds(tr.params["rounds"], {3: "after_round_3"}):
            self.play_round(tr, t)
        self.show_summary(tr)
        self.key_frame("final")

    # -- storyboard steps -------------------------------------------------
    def build_layout(self, tr):
        p = tr.params
        head = title("Multiplicative weights vs Byzantine sources")
        rule = MathTex(r"w_i \leftarrow w_i\,(1-\eta\,\ell_i),\qquad \ell_i=\min\!\Big(1,\ \tfrac{|x_i-\hat\mu|}{c}\Big)",
                       font_size=FS.body, color=COLORS.text).next_to(head, DOWN, buff=0.2).shift(LEFT * 0.9)
        self.round = counter("t =", 0).next_to(rule, RIGHT, buff=0.9)
        x = tr["x"][np.isfinite(tr["x"])]
        self.strip = ReportStrip(min(x.min(), p["mu"]), max(x.max(), p["mu"]), self.colors, length=9.8)
        self.strip.move_to([0.55, 1.35, 0])
        for i, dot in enumerate(self.strip.dots):
            dot.move_to(self.strip.dot_position(i, p["mu"]))
        self.strip.marker.move_to(self.strip.marker_position(p["mu"]))
        self.strip.dots.set_opacity(0)
        self.mu_hat = counter(r"\hat\mu =", 0, FS.label, places=2).next_to(self.strip, LEFT, buff=0.3)
        self.mu_hat.number.set_value(p["mu"])
        self.bars = WeightBars(self.colors, p["tau"], labels=tr.meta["labels"], width=9.4, height=2.9)
        self.bars.move_to([-0.6, -1.0, 0], aligned_edge=DOWN).shift(DOWN * (2.45 - 1.0))
        xs = [self.bars.x_of(i) for i in range(self.bars.n)]
        self.losses = GaugeRow(r"\ell_i", xs, -3.05, self.bars.bar_width, COLORS.estimate)
        key = legend([("honest", swatch_dot(COLORS.honest)), ("Byzantine", swatch_dot(COLORS.byzantine)),
                      ("median", swatch_triangle(COLORS.estimate)), ("true mean", swatch_line(COLORS.true_value, True)),
                      ("removed: \u03b7\u2113w", swatch_box(COLORS.estimate)),
                      ("blacklisted", swatch_box(COLORS.blacklisted))], FS.tiny)
        key.to_edge(RIGHT, buff=0.25).shift(DOWN * 0.9)
        params = label(f"\u03b7 = {p['eta']:g}   \u03c4 = {p['tau']:g}   c = {p['c']:g}", FS.tiny, COLORS.muted)
        params.next_to(key, UP, buff=0.4).to_edge(RIGHT, buff=0.25)
        self.true_line = self.strip.true_value_line(p["mu"])
        # the layout that never changes is painted into the background once
        self.layout = [head, rule, self.strip.line, self.true_line, self.bars.static_parts(), self.losses.header,
                       self.losses.frames, key, params]
        self.add(*self.layout)
        self.freeze_background(*self.layout)
        self.add(self.round, self.mu_hat)
        self.add(self.losses.fills, self.bars.bars, self.bars.cuts, self.strip.dots, self.strip.marker_group)

    def play_round(self, tr, t: int):
        active = tr["active"][t]
        live = np.flatnonzero(active)
        w0, w1 = tr["weights"][t], tr["weights"][t + 1]
        self.round.number.set_value(t + 1)
        mu_hat = tr["mu_hat"][t]  # NaN only if every source was blacklisted: nothing left to aggregate
        if np.isfinite(mu_hat):
            self.mu_hat.number.set_value(mu_hat)
        dots = self.strip.dots
        targets = {i: self.strip.dot_position(i, tr["x"][t, i]) for i in live}
        if t == 0:  # the first reports appear
            targets = {i: with_opacity(dots[i].copy().move_to(p), 0.95) for i, p in targets.items()}
        # manim redraws each frame everything after the first moving mobject: keep the movers on top
        self.bring_to_front(dots, self.strip.marker_group)
        marker = {0: self.strip.marker_position(mu_hat)} if np.isfinite(mu_hat) else {}
        self.play(Morph(dots, targets), Morph(self.strip.marker_group, marker),
                  run_time=STEP_TIME)
        self.bring_to_front(self.losses.fills, self.bars.cuts)
        self.play(Morph(self.losses.fills, {i: self.losses.fill_at(i, tr["loss"][t, i]) for i in live}),
                  Morph(self.bars.cuts, {i: self.bars.cut_at(i, w0[i], w1[i]) for i in live}), run_time=STEP_TIME)
        self.bring_to_front(self.bars.bars, self.bars.cuts)
        self.play(Morph(self.bars.bars, {i: self.bars.bar_at(i, w1[i], self.colors[i]) for i in live}),
                  Morph(self.bars.cuts, {i: self.bars.cut_at(i, w1[i], w1[i]) for i in live}), run_time=STEP_TIME)
        caught = np.flatnonzero(tr["blacklisted_at"] == t + 1)
        if caught.size:
            self.grey_out(caught)

    def grey_out(self, caught):
        """Blacklisted: bars and dots fade to grey; the source takes no further part."""
        grey = COLORS.blacklisted
        self.thaw_background()
        for i in caught:
            self.colors[i] = grey
            self.bars.names[i].set_color(grey)
            self.losses.fills[i].set_opacity(0)
        self.freeze_background(*self.layout)
        bars = {i: self.bars.bars[i].copy().set_fill(grey) for i in caught}
        dots = {i: with_opacity(self.strip.dots[i].copy().set_fill(grey), 0.25) for i in caught}
        self.bring_to_front(self.bars.bars, self.strip.dots)
        self.play(Morph(self.bars.bars, bars), Morph(self.strip.dots, dots), run_time=STEP_TIME / 2)

    def show_summary(self, tr):
        p, meta = tr.params, tr.meta
        caught = tr["blacklisted_at"][tr["is_byzantine"]]
        honest_left = int(np.sum((tr["blacklisted_at"] == -1) & ~tr["is_byzantine"]))
        lines = [f"Byzantine blacklisted: {int(np.sum(caught > 0))} of {meta['n_byzantine']}"
                 + (f", in round {int(caught[caught > 0].max())}" if np.any(caught > 0) else ""),
                 f"honest sources kept: {honest_left} of {p['n_sources'] - meta['n_byzantine']}"]
        theory = MathTex(r"\text{predicted: }\Big\lceil \tfrac{\log\tau}{\log(1-\eta)} \Big\rceil = "
                         + str(meta["theoretical_blacklist_round"]), font_size=FS.label, color=COLORS.estimate)
        box = VGroup(*[label(s, FS.small) for s in lines], theory).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
        box.move_to(self.strip).shift(UP * 0.15)
        self.thaw_background()
        self.remove(self.strip.dots, self.strip.marker_group, self.strip.line, self.true_line, self.mu_hat)
        self.layout = [m for m in self.layout if m not in (self.strip.line, self.true_line)]
        self.freeze_background(*self.layout)
        self.play(FadeInPlace(box), run_time=STEP_TIME)
