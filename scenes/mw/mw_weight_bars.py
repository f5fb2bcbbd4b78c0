"""MWWeightBars: sources as bars whose heights are their MW weights (the prototype's mw_animation).

Replays an ``mw_sources`` trace: each round the reports land on a number line
and the median mu_hat moves; the pseudo-losses fill their gauges while the
slice eta * loss * w that the update removes lights up on each bar; the bars
shrink to w (1 - eta * loss); sources whose weight falls below tau are greyed out.
"""

from __future__ import annotations

import re

import numpy as np
from manim import DOWN, LEFT, RIGHT, VGroup

from kit.traces import TraceSpec
from scenes.base import Pace, StudioScene
from scenes.pieces import (
    BLACKLISTED_OPACITY,
    COLORS,
    EST,
    FS,
    FadeInPlace,
    GaugeRow,
    Morph,
    MorphBoxes,
    Number,
    ReportStrip,
    WeightBars,
    blacklist_cross,
    counter,
    headline,
    label,
    legend,
    marker,
    math,
    params_line,
    rich,
    side,
    swatch_blacklisted,
    swatch_box,
    swatch_line,
    swatch_source,
    title,
    with_opacity,
)


class MWWeightBars(StudioScene):
    trace_spec = TraceSpec(
        "mw_sources",
        seed=7,
        params={
            "n_sources": 9,
            "byz_fraction": 1 / 3,
            "rounds": 12,
            "eta": 0.25,
            "tau": 0.1,
            "c": 4.0,
            "byz_distance": 5.0,
            "byz_spread": 1.0,
        },
    )
    draws = {"n_sources": (2, 24), "rounds": (1, 40)}  # what the scene can draw (StudioScene.draws)
    key_frames = ("initial", "after_round_3", "final")
    paper_stills = ("after_round_3", "final")
    # a round is three steps (reports, losses, update); rounds next to a blacklisting run slower
    pace = Pace(round=2.1, event_round=3.0, key_hold=2.5, intro_hold=2.5, end_hold=3.5)
    normalised = False  # bars show w / max w (MWWeightBarsNormalised)

    def construct(self):
        tr = self.trace
        self.colors = [COLORS.byzantine if b else COLORS.honest for b in tr["is_byzantine"]]
        self.events = sorted({int(r) - 1 for r in tr["blacklisted_at"] if r > 0} | {0})
        self.build_layout(tr)
        self.opening(
            notes="Every source starts with weight 1. Each round: reports, a loss per source, "
            "and each weight shrinks by the factor (1 − η ℓ)."
        )
        notes = {3: "After three rounds the Byzantine reports, far from the median, have lost most of their weight."}
        for t in self.rounds(tr.params["rounds"], {3: "after_round_3"}, notes):
            self.play_round(tr, t)
        self.show_summary(tr)
        self.key_frame("final", notes="The Byzantine sources are blacklisted; the honest ones keep their weight.")
        self.hold()
        self.conclude(self.conclusion_text(tr))

    def conclusion_text(self, tr) -> str:
        caught = tr["blacklisted_at"][tr["is_byzantine"]]
        if np.all(caught > 0):
            return (
                f"Far from the median, a source loses a factor (1 − η) a round: "
                f"all {caught.size} Byzantine sources fall below τ by round {int(caught.max())}"
            )
        return "Multiplicative weights shrink every source that reports far from the median"

    # -- storyboard steps -------------------------------------------------
    def build_layout(self, tr):
        p = tr.params
        byz = np.asarray(tr["is_byzantine"], bool)
        head = title("Multiplicative weights vs Byzantine sources")
        rule = headline(
            math(r"w_i \leftarrow w_i\,(1-\eta\,\ell_i),\qquad \ell_i=\min\big(1,\ |x_i-\hat\mu|/c\big)", FS.body), head
        )
        self.round = counter("round", 0, FS.label)
        x = tr["x"][np.isfinite(tr["x"])]
        self.strip = ReportStrip(min(x.min(), p["mu"]), max(x.max(), p["mu"]), byz, length=8.6)
        self.strip.move_to([-0.15, 1.5, 0])
        for i, dot in enumerate(self.strip.dots):
            dot.move_to(self.strip.dot_position(i, p["mu"]))
        self.strip.marker.move_to(self.strip.marker_position(p["mu"]))
        self.strip.dots.set_opacity(0)
        self.strip.marker.set_opacity(0)
        self.mu_hat = counter(r"$\hat\mu$ =", 0, FS.label, places=2, color=EST.median).next_to(
            self.strip, LEFT, buff=0.3
        )
        self.mu_hat.set_opacity(0)
        self.bars = WeightBars(self.colors, p["tau"], labels=tr.meta["labels"], width=9.0, height=2.5, hatched=byz)
        self.bars.move_to([-0.8, -0.55, 0], aligned_edge=DOWN).shift(DOWN * 1.25)
        xs = [self.bars.x_of(i) for i in range(self.bars.n)]
        base_y = self.bars.baseline.get_center()[1]
        self.w_nums = VGroup(
            *[Number(1.0, places=2, size=FS.tiny, color=COLORS.muted).move_to([x, base_y - 0.62, 0]) for x in xs]
        )
        w_head = label("weight", FS.small, COLORS.muted).move_to([-6.3, base_y - 0.62, 0])
        self.losses = GaugeRow("loss", xs, base_y - 1.02, self.bars.bar_width, COLORS.loss)
        key = legend(
            [
                ("honest", VGroup(swatch_source(False), swatch_box(COLORS.honest)).arrange(RIGHT, buff=0.08)),
                (
                    "Byzantine",
                    VGroup(swatch_source(True), swatch_box(COLORS.byzantine, True)).arrange(RIGHT, buff=0.08),
                ),
                (r"median $\hat\mu$", marker("median", size=0.09)),
                ("true mean", swatch_line(COLORS.true_value, True)),
                (r"threshold $\tau$", swatch_line(COLORS.threshold, True)),
                (r"loss, removed $\eta\ell w$", swatch_box(COLORS.loss)),
                ("blacklisted", swatch_blacklisted("box")),
            ],
            FS.tiny,
        )
        params = params_line(rf"$\eta$ = {p['eta']:g},  $\tau$ = {p['tau']:g}", rf"$c$ = {p['c']:g}")
        if self.normalised:
            params = VGroup(params, label("bars: weight / largest weight", FS.tiny, COLORS.muted)).arrange(
                DOWN, aligned_edge=LEFT, buff=0.1
            )
        side(self.round, key, params)
        self.true_line = self.strip.true_value_line(p["mu"])
        hon = np.flatnonzero(~byz)
        self.example_ids = [int(hon[0])] + ([int(np.flatnonzero(byz)[0])] if byz.any() else [])
        self.example = VGroup()
        # the layout that never changes is painted into the background once
        static = self.bars.static_parts()
        if self.normalised:  # tau / max w moves: keep the threshold line out of the frozen layout
            static.remove(self.bars.tau_line, self.bars.tau_label)
            self.add(self.bars.tau_line, self.bars.tau_label)
        self.layout = [
            head,
            rule,
            self.strip.line,
            self.true_line,
            static,
            self.losses.header,
            self.losses.frames,
            key,
            params,
            w_head,
        ]
        self.add(*self.layout)
        self.freeze_background(*self.layout)
        self.add(self.round, self.mu_hat, self.w_nums, self.example)
        self.add(self.losses.fills, self.bars.bars, self.bars.hatches, self.bars.cuts)
        self.add(self.strip.dots, self.strip.marker_group)

    def shown(self, w, t: int, tr):
        """Bar heights: the weights, or the weights over the largest active weight (normalised view)."""
        if not self.normalised:
            return w
        act = tr["active"][min(t, len(tr["active"]) - 1)]
        top = float(np.max(w[act])) if act.any() else 1.0
        return w / max(top, 1e-300)

    def worked_example(self, tr, t: int) -> VGroup:
        """One honest and one Byzantine source's numbers put into the loss and the update of round t+1."""
        p = tr.params
        rows = VGroup()
        if self.figure_mode:  # a figure's caption explains the update: no worked example
            return rows
        for i in self.example_ids:
            who = "Byzantine" if tr["is_byzantine"][i] else "honest"
            name = tr.meta["labels"][i]
            if not tr["active"][t, i]:
                text = rf"{name} ({who}): blacklisted, $w < \tau$"
            else:
                x, mu, l = tr["x"][t, i], tr["mu_hat"][t], tr["loss"][t, i]
                w0, w1 = tr["weights"][t, i], tr["weights"][t + 1, i]
                mu_s = f"({mu:.2f})" if mu < 0 else f"{mu:.2f}"
                text = (
                    rf"{name} ({who}):  $\ell$ = min(1, |{x:.2f} − {mu_s}| / {p['c']:g}) = {l:.2f}"
                    rf"     $w \leftarrow$ {w0:.3f} · (1 − {p['eta']:g} · {l:.2f}) = {w1:.3f}"
                )
            num = re.sub(r"(?<=[\d(|\s])-(?=\d)", "\u2212", text)  # minus signs of the numbers
            rows.add(rich(num, FS.tiny, self.colors[i] if tr["active"][t, i] else COLORS.blacklisted))
        rows.arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        rows.move_to([-0.2, -3.55, 0])
        if rows.width > 13.6:
            rows.scale_to_fit_width(13.6)
        return rows

    def play_round(self, tr, t: int):
        active = tr["active"][t]
        live = np.flatnonzero(active)
        w0, w1 = tr["weights"][t], tr["weights"][t + 1]
        step = self.round_time(t, self.events) / 3
        self.round.number.set_value(t + 1)
        mu_hat = tr["mu_hat"][t]  # NaN only if every source was blacklisted: nothing left to aggregate
        dots = self.strip.dots
        targets = {i: self.strip.dot_position(i, tr["x"][t, i]) for i in live}
        if t == 0:  # the first reports appear
            targets = {i: with_opacity(dots[i].copy().move_to(p), 0.95) for i, p in targets.items()}
        # manim redraws each frame everything after the first moving mobject: keep the movers on top
        self.bring_to_front(dots, self.strip.marker_group)
        marker = {}
        if np.isfinite(mu_hat):
            m = self.strip.marker.copy().move_to(self.strip.marker_position(mu_hat))
            marker = {0: with_opacity(m, 1.0)}
        self.play(Morph(dots, targets), Morph(self.strip.marker_group, marker), run_time=step)
        if np.isfinite(mu_hat):  # the number changes when the marker arrives
            self.mu_hat.number.set_value(mu_hat)
            self.mu_hat.set_opacity(1)
        self.remove(self.example)
        self.example = self.worked_example(tr, t)
        self.add(self.example)
        self.bring_to_front(self.losses.fills, self.bars.hatches, self.bars.cuts)
        h0, h1 = self.shown(w0, t, tr), self.shown(w1, t + 1, tr)
        self.play(
            MorphBoxes(self.losses.fills, {i: self.losses.fill_at(i, tr["loss"][t, i]) for i in live}),
            MorphBoxes(
                self.bars.cuts, {i: self.bars.cut_at(i, h0[i], h0[i] * w1[i] / max(w0[i], 1e-300)) for i in live}
            ),
            run_time=step,
        )
        self.bring_to_front(self.bars.bars, self.bars.hatches, self.bars.cuts)
        if self.normalised:  # every bar is rescaled: bars and slices move together
            moves = [
                Morph(self.bars.bars, {i: self.bars.bar_at(i, h1[i], self.colors[i]) for i in live}),
                MorphBoxes(self.bars.cuts, {i: self.bars.cut_at(i, h1[i], h1[i]) for i in live}),
            ]
        else:  # the bar already stands at w1 under its opaque slice; only the slice collapses onto it
            for i in live:
                self.bars.bars[i].points = self.bars.bar_at(i, h1[i], self.colors[i]).points
            moves = [MorphBoxes(self.bars.cuts, {i: self.bars.cut_at(i, h1[i], h1[i]) for i in live})]
        if self.normalised:
            top = float(np.max(w1[active])) if active.any() else 1.0
            y = self.bars.baseline.get_center()[1] + min(tr.params["tau"] / max(top, 1e-300), 1.02) * self.bars.unit
            dy = np.array([0, y - self.bars.tau_line.get_center()[1], 0])
            moves.append(
                Morph(
                    VGroup(self.bars.tau_line, self.bars.tau_label),
                    {0: self.bars.tau_line.get_center() + dy, 1: self.bars.tau_label.get_center() + dy},
                )
            )
        self.play(*moves, run_time=step)
        for i in live:
            self.w_nums[i].set_value(w1[i])
        caught = np.flatnonzero(tr["blacklisted_at"] == t + 1)
        if caught.size:
            self.grey_out(caught, step)

    def grey_out(self, caught, run_time: float):
        """Blacklisted: bars, dots and weights turn the blacklisted grey, with a cross; no further part."""
        grey = COLORS.blacklisted
        self.thaw_background()
        for i in caught:
            self.colors[i] = grey
            self.bars.names[i].set_color(grey)
            self.losses.fills.set_boxes(
                np.where(
                    np.arange(self.losses.fills.n)[:, None] == i,
                    self.losses.fill_at(i, 0.0),
                    self.losses.fills.get_boxes(),
                )
            )
            self.w_nums[i].set_color(grey)
        self.freeze_background(*self.layout)
        bars = {i: with_opacity(self.bars.bars[i].copy().set_fill(grey), BLACKLISTED_OPACITY) for i in caught}
        dots = {i: with_opacity(self.strip.dots[i].copy().set_fill(grey), BLACKLISTED_OPACITY) for i in caught}
        self.crosses = getattr(self, "crosses", VGroup())  # on the report dots (go with the number line)
        self.bar_crosses = getattr(self, "bar_crosses", VGroup())  # on the bars' names (stay to the end)
        new = VGroup(*[blacklist_cross(self.strip.dots[i], 0.17) for i in caught])
        new_bars = VGroup(*[blacklist_cross(self.bars.names[i], 0.2) for i in caught])
        self.crosses.add(*new)
        self.bar_crosses.add(*new_bars)
        self.bring_to_front(self.bars.bars, self.bars.hatches, self.strip.dots)
        self.play(
            Morph(self.bars.bars, bars),
            Morph(self.strip.dots, dots),
            FadeInPlace(new),
            FadeInPlace(new_bars),
            run_time=run_time,
        )
        self.remove(new, new_bars)
        self.add(self.crosses, self.bar_crosses)

    def show_summary(self, tr):
        p, meta = tr.params, tr.meta
        caught = tr["blacklisted_at"][tr["is_byzantine"]]
        honest_left = int(np.sum((tr["blacklisted_at"] == -1) & ~tr["is_byzantine"]))
        lines = [
            f"Byzantine blacklisted: {int(np.sum(caught > 0))} of {meta['n_byzantine']}"
            + (f", in round {int(caught[caught > 0].max())}" if np.any(caught > 0) else ""),
            f"honest sources kept: {honest_left} of {p['n_sources'] - meta['n_byzantine']}",
        ]
        theory = VGroup(
            label("predicted:", FS.small, COLORS.theory),
            math(r"\Big\lceil \tfrac{\log\tau}{\log(1-\eta)} \Big\rceil =", FS.label, COLORS.theory),
            label(str(meta["theoretical_blacklist_round"]), FS.small, COLORS.theory),
        ).arrange(RIGHT, buff=0.15)
        box = VGroup(*[label(s, FS.small) for s in lines], theory).arrange(DOWN, aligned_edge=LEFT, buff=0.08)
        box.move_to(self.strip).shift(DOWN * 0.08)  # clear of the update rule above, above the tallest bar
        self.thaw_background()
        self.remove(
            self.strip.dots,
            self.strip.marker_group,
            self.strip.line,
            self.true_line,
            self.mu_hat,
            self.example,
            getattr(self, "crosses", VGroup()),
        )
        self.layout = [m for m in self.layout if m not in (self.strip.line, self.true_line)]
        self.freeze_background(*self.layout)
        self.play(FadeInPlace(box), run_time=self.seconds(0.8))


class MWWeightBarsNormalised(MWWeightBars):
    """The same replay, bars normalised to the largest weight: the surviving honest bars stay tall (the seed's view)."""

    normalised = True
