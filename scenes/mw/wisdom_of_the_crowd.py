"""WisdomOfTheCrowd: guess the beans in a jar (the prototype's wisdom_of_crowd.py).

Replays a ``wisdom_crowd`` trace: the jar fills with beans; guesses land one
by one on a number line (honest ones around the true count, Byzantine ones at
the extremes) and in a running column, Byzantine ones in the Byzantine colour,
while the running mean, median and median of means move above the line; at
the end the three final errors stand side by side under the closing headline.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    DashedLine,
    Ellipse,
    FadeIn,
    LaggedStart,
    NumberLine,
    Rectangle,
    RoundedRectangle,
    VGroup,
)

from kit.traces import TraceSpec
from scenes.base import Pace, StudioScene
from scenes.pieces import (
    COLORS,
    EST,
    FS,
    FadeInPlace,
    Number,
    counter,
    label,
    legend,
    marker,
    side,
    single_column,
    source,
    swatch_line,
    swatch_source,
    tick_labels,
    title,
)

LINE_Y = -2.5
ESTIMATOR_KEYS = {"mean": "mean", "median": "median", "median_of_means": "mom"}
COLUMN_ROWS = 5


class WisdomOfTheCrowd(StudioScene):
    trace_spec = TraceSpec(
        "wisdom_crowd",
        seed=4,
        params={
            "n_guesses": 25,
            "byz_fraction": 0.2,
            "true_count": 1000,
            "rel_sd": 0.15,
            "high_factor": 5.0,
            "buckets": 5,
        },
    )
    draws = {
        "n_guesses": (1, 200),
        "buckets": (1, 20),
        "high_factor": (1, 100),
    }  # what the scene can draw (StudioScene.draws)
    key_frames = ("initial", "first_attack", "all_guesses", "final")
    paper_stills = ("all_guesses", "final")
    # one guess a "round"; a Byzantine guess is an event and lands slowly
    pace = Pace(round=0.9, event_round=1.8, key_hold=2.5, intro_hold=2.5, end_hold=3.5, near=0)

    def construct(self):
        tr = self.trace
        names = tr.meta["estimators"]
        self.est_colors = [getattr(EST, ESTIMATOR_KEYS.get(n, n)) for n in names]
        self.build_layout(tr)
        self.opening(notes="A jar of beans. Everybody guesses how many; some guesses are Byzantine.")
        self.fill_jar(tr)
        byz = np.flatnonzero(tr["is_byzantine"])
        first_byz = int(byz[0]) if byz.size else -1
        for k in range(len(tr["guesses"])):
            self.arrive(tr, k, byz)
            if k == first_byz:
                self.key_frame("first_attack", notes="An extreme guess drags the mean, not the median.")
                self.hold()
        if first_byz < 0:
            self.key_frame("first_attack", notes="No Byzantine guess in this crowd.")
            self.hold()
        self.key_frame("all_guesses", notes="All guesses are in: the mean sits far from the true count.")
        self.hold()
        self.show_errors(tr)
        self.key_frame("final", notes="Final errors: the mean is dragged away; the robust estimates stay close.")
        self.hold()
        self.conclude(self.headline(tr))

    def headline(self, tr) -> str:
        err = dict(zip(tr.meta["estimators"], tr["final_error"]))
        mean, med, mom = err.get("mean"), err.get("median"), err.get("median_of_means")
        if mean is not None and mom is not None and med is not None and max(med, mom) < mean:
            if med < mom:  # say which robust estimate did better in this crowd
                return (
                    f"Median and median of means resist the Byzantine guesses: off by {med:.0f} and "
                    f"{mom:.0f} beans, the mean by {mean:.0f}"
                )
            return (
                f"Median of means resists the Byzantine guesses: off by {mom:.0f} beans "
                f"(median {med:.0f}), the mean by {mean:.0f}"
            )
        return "With Byzantine guesses in the crowd, compare robust estimates before trusting the mean"

    def build_layout(self, tr):
        p = tr.params
        head = title("Wisdom of the crowd: how many beans?")
        jar = RoundedRectangle(corner_radius=0.25, width=1.5, height=1.9, color=COLORS.muted, stroke_width=3)
        jar.move_to([-5.9, 1.45, 0])
        self.beans = VGroup()
        for i in range(54):
            gx, gy = -0.54 + 0.18 * (i % 7), -0.75 + 0.17 * (i // 7)
            bean = Ellipse(width=0.15, height=0.1, fill_color=COLORS.true_value, fill_opacity=0.9, stroke_width=0)
            self.beans.add(bean.rotate(0.5 if i % 2 else -0.4).move_to(jar.get_center() + np.array([gx, gy, 0])))
        self.jar_tag = label(f"{p['true_count']} beans", FS.small, COLORS.true_value).next_to(jar, DOWN, buff=0.15)
        self.jar_tag.set_opacity(0)
        hi = p["high_factor"] * p["true_count"]
        step = 500.0 if hi <= 6000 else float(10 ** np.floor(np.log10(hi / 10)))
        self.line = NumberLine(x_range=[0, hi, step], length=10.9, color=COLORS.muted, include_numbers=False)
        self.line.move_to([-1.25, LINE_Y, 0])
        ticks = tick_labels(self.line, np.arange(0, hi + step / 2, 2 * step), FS.small, fmt="{:.0f}")
        axis_label = label("guessed number of beans", FS.small, COLORS.muted).next_to(ticks, DOWN, buff=0.15)
        x_true = self.line.n2p(p["true_count"])[0]
        true_line = DashedLine(
            [x_true, LINE_Y, 0], [x_true, LINE_Y + 2.55, 0], color=COLORS.true_value, stroke_width=3, dash_length=0.08
        )
        true_tag = label(f"true count {p['true_count']}", FS.tiny, COLORS.true_value).next_to(true_line, UP, buff=0.05)
        true_tag.shift(RIGHT * (true_tag.width / 2 + 0.08))
        names = tr.meta["estimator_labels"]
        keys = [ESTIMATOR_KEYS.get(n, n) for n in tr.meta["estimators"]]
        self.markers = VGroup(*[marker(k, c, 0.12) for k, c in zip(keys, self.est_colors)])
        for i, m in enumerate(self.markers):
            m.move_to(self.marker_pos(i, p["true_count"])).set_opacity(0)
        self.readouts = VGroup()
        for name, c in zip(names, self.est_colors):
            num = Number(float("nan"), places=0, size=FS.label, color=c)
            row = VGroup(label(name, FS.small, c), num).arrange(RIGHT, buff=0.2)
            row.number = num
            self.readouts.add(row)
        self.readouts.arrange(DOWN, aligned_edge=LEFT, buff=0.18).move_to([-4.75, 1.75, 0], aligned_edge=LEFT + UP)
        self.readouts.align_to(jar, UP)
        self.count = counter("guesses", 0, FS.label)
        key = legend(
            [
                ("honest guess", swatch_source(False)),
                ("Byzantine guess", swatch_source(True)),
                ("true count", swatch_line(COLORS.true_value, True)),
            ]
            + [(n, marker(k, c, 0.09)) for n, k, c in zip(names, keys, self.est_colors)],
            FS.tiny,
        )
        side(self.count, key)
        # the running column of guesses (filled column by column)
        self.col_head = label("guesses so far", FS.tiny, COLORS.muted).move_to([2.15, 2.35, 0])
        self.column = VGroup()
        self.stack: dict[int, int] = {}
        self.layout = [head, jar, self.line, ticks, axis_label, true_line, true_tag, key, self.col_head]
        self.add(*self.layout)
        self.freeze_background(*self.layout)
        self.add(self.jar_tag, self.markers, self.readouts, self.count, self.column)

    def fill_jar(self, tr):
        """The jar visibly fills with beans (the count everybody guesses)."""
        drops = [FadeIn(b, shift=DOWN * 0.4) for b in self.beans]
        self.play(LaggedStart(*drops, lag_ratio=0.04), run_time=self.seconds(2.5))
        self.play(FadeInPlace(self.jar_tag), run_time=self.seconds(0.6))

    def marker_pos(self, i: int, value: float) -> np.ndarray:
        lo, hi = self.line.x_range[:2]
        x = self.line.n2p(float(np.clip(value, lo, hi)))[0]
        return np.array([x, LINE_Y + 1.55 + 0.3 * i, 0])

    def dot_pos(self, value: float) -> np.ndarray:
        x = self.line.n2p(float(value))[0]
        b = int(round(x / 0.2))
        lane = self.stack.get(b, 0)
        self.stack[b] = lane + 1
        return np.array([x, LINE_Y + 0.2 + 0.17 * lane, 0])

    def column_pos(self, k: int) -> np.ndarray:
        col, row = divmod(k, COLUMN_ROWS)
        return np.array([0.9 + 0.72 * col, 1.95 - 0.34 * row, 0])  # clear of the side column on the right

    def arrive(self, tr, k: int, byz_idx):
        g, byz = tr["guesses"][k], tr["is_byzantine"][k]
        color = COLORS.byzantine if byz else COLORS.honest
        dot = source(bool(byz), 0.08).move_to(self.dot_pos(g))
        entry = label(f"{g:.0f}", FS.tiny, color).move_to(self.column_pos(k), aligned_edge=RIGHT)
        moves = [
            m.animate.move_to(self.marker_pos(i, tr["running"][k, i])).set_opacity(1)
            for i, m in enumerate(self.markers)
        ]
        self.play(FadeIn(dot, shift=DOWN * 0.3), FadeIn(entry), *moves, run_time=self.round_time(k, byz_idx))
        self.remove(entry)
        self.column.add(entry)
        self.count.number.set_value(k + 1)
        for i, row in enumerate(self.readouts):  # the numbers change when the markers arrive
            row.number.set_value(tr["running"][k, i])

    def show_errors(self, tr):
        err = tr["final_error"]
        names = tr.meta["estimator_labels"]
        top = max(float(err.max()), 1.0)
        bars = VGroup()
        for i, (e, n, c) in enumerate(zip(err, names, self.est_colors)):
            h = 1.2 * float(e) / top
            bar = Rectangle(width=0.9, height=max(h, 0.02), fill_color=c, fill_opacity=0.9, stroke_width=0)
            bar.move_to([1.6 * i, 0, 0], aligned_edge=DOWN)
            val = label(f"{e:.0f}", FS.small, c).next_to(bar, UP, buff=0.1)
            name = label(n.replace(" of ", "\nof "), FS.tiny, COLORS.text).next_to(bar, DOWN, buff=0.15)
            bars.add(VGroup(bar, val, name))
        head = label("final error, in beans", FS.small, COLORS.text)
        bars.move_to([2.2 + (0.7 if single_column() else 0.0), 0.45, 0])
        head.next_to(bars, UP, buff=0.3)
        panel = VGroup(head, bars)
        self.thaw_background()
        self.layout.remove(self.col_head)
        self.freeze_background(*self.layout)
        self.remove(self.column, self.col_head)
        self.play(FadeIn(panel, shift=UP * 0.2), run_time=self.seconds(1.0))
