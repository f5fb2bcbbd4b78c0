"""WisdomOfTheCrowd: guess the beans in a jar (seed 000's wisdom_of_crowd.py).

Replays a ``wisdom_crowd`` trace: guesses land one by one on a number line
(honest ones around the true count, Byzantine ones at the extremes) while
the running mean, median and median of means move above it; at the end the
three final errors stand side by side.
"""

from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Dot, FadeIn, NumberLine, Rectangle, RoundedRectangle, Triangle,
                   VGroup, DashedLine, DecimalNumber)

from studio.traces import TraceSpec

from scenes.base import StudioScene
from scenes.pieces import COLORS, FS, label, legend, swatch_dot, swatch_line, swatch_triangle, title

STEP = 0.35
LINE_Y = -2.4


class WisdomOfTheCrowd(StudioScene):
    trace_spec = TraceSpec("wisdom_crowd", seed=4, params={"n_guesses": 25, "byz_fraction": 0.2, "true_count": 1000,
                                                           "rel_sd": 0.15, "high_factor": 5.0, "buckets": 5})
    key_frames = ("initial", "first_attack", "all_guesses", "final")
    talk_order = 20

    def construct(self):
        tr = self.trace
        self.est_colors = [COLORS.volatile, COLORS.estimate, COLORS.text]
        self.build_layout(tr)
        self.key_frame("initial", notes="A jar of beans; every guess is a report, some of them Byzantine.")
        first_byz = int(np.flatnonzero(tr["is_byzantine"])[0]) if tr["is_byzantine"].any() else -1
        for k in range(len(tr["guesses"])):
            self.arrive(tr, k)
            if k == first_byz:
                self.key_frame("first_attack", notes="An extreme guess drags the mean, not the median.")
        if first_byz < 0:
            self.key_frame("first_attack")
        self.key_frame("all_guesses")
        self.show_errors(tr)
        self.key_frame("final")

    def build_layout(self, tr):
        p = tr.params
        self.add(title("Wisdom of the crowd: how many beans?"))
        jar = RoundedRectangle(corner_radius=0.25, width=1.3, height=1.6, color=COLORS.muted, stroke_width=3)
        beans = VGroup(*[Dot(radius=0.05, color=COLORS.estimate, fill_opacity=0.8) for _ in range(40)])
        grid = [(-0.45 + 0.15 * (i % 7), -0.6 + 0.15 * (i // 7)) for i in range(40)]
        for b, (gx, gy) in zip(beans, grid):
            b.move_to(jar.get_center() + np.array([gx, gy, 0]))
        self.jar = VGroup(jar, beans).to_corner(UP + LEFT, buff=0.5).shift(DOWN * 0.75)
        hi = p["high_factor"] * p["true_count"]
        step = 500.0 if hi <= 6000 else float(10 ** np.floor(np.log10(hi / 10)))
        self.line = NumberLine(x_range=[0, hi, step], length=12.2, color=COLORS.muted, include_numbers=True,
                               font_size=FS.small, decimal_number_config={"num_decimal_places": 0,
                                                                          "group_with_commas": False})
        self.line.numbers.set_color(COLORS.muted)
        self.line.move_to([0, LINE_Y, 0])
        self.axis_label = label("guessed number of beans", FS.small, COLORS.muted).next_to(self.line, DOWN, buff=0.5)
        x_true = self.line.n2p(p["true_count"])[0]
        self.true_line = DashedLine([x_true, LINE_Y, 0], [x_true, LINE_Y + 3.0, 0], color=COLORS.true_value,
                                    stroke_width=3, dash_length=0.08)
        self.true_tag = label(f"true count {p['true_count']}", FS.tiny, COLORS.true_value).next_to(self.true_line, UP, buff=0.05)
        self.markers = VGroup(*[Triangle(color=c, fill_color=c, fill_opacity=1).scale(0.14).rotate(np.pi)
                                for c in self.est_colors])
        for i, m in enumerate(self.markers):
            m.move_to(self.marker_pos(i, p["true_count"])).set_opacity(0)
        names = tr.meta["estimator_labels"]
        self.readouts = VGroup()
        for name, c in zip(names, self.est_colors):
            num = DecimalNumber(0, num_decimal_places=0, font_size=FS.label, color=c, group_with_commas=False)
            row = VGroup(label(name, FS.small, c), num).arrange(RIGHT, buff=0.2)
            row.number = num
            self.readouts.add(row)
        self.readouts.arrange(DOWN, aligned_edge=LEFT, buff=0.15).next_to(self.jar, RIGHT, buff=0.6).align_to(self.jar, UP)
        self.count = VGroup(label("guesses:", FS.small, COLORS.muted),
                            DecimalNumber(0, num_decimal_places=0, font_size=FS.label, color=COLORS.text)).arrange(RIGHT, buff=0.15)
        self.count.next_to(self.readouts, DOWN, aligned_edge=LEFT, buff=0.25)
        key = legend([("honest guess", swatch_dot(COLORS.honest)), ("Byzantine guess", swatch_dot(COLORS.byzantine)),
                      ("true count", swatch_line(COLORS.true_value, True))]
                     + [(n, swatch_triangle(c)) for n, c in zip(names, self.est_colors)], FS.tiny)
        key.to_corner(UP + RIGHT, buff=0.4).shift(DOWN * 0.75)
        self.stack: dict[int, int] = {}
        self.add(self.jar, self.line, self.axis_label, self.true_line, self.true_tag, self.markers, self.readouts,
                 self.count, key)

    def marker_pos(self, i: int, value: float) -> np.ndarray:
        lo, hi = self.line.x_range[:2]
        x = self.line.n2p(float(np.clip(value, lo, hi)))[0]
        return np.array([x, LINE_Y + 2.15 + 0.3 * i, 0])

    def dot_pos(self, value: float) -> np.ndarray:
        x = self.line.n2p(float(value))[0]
        b = int(round(x / 0.2))
        lane = self.stack.get(b, 0)
        self.stack[b] = lane + 1
        return np.array([x, LINE_Y + 0.2 + 0.17 * lane, 0])

    def arrive(self, tr, k: int):
        g, byz = tr["guesses"][k], tr["is_byzantine"][k]
        dot = Dot(radius=0.08, color=COLORS.byzantine if byz else COLORS.honest).move_to(self.dot_pos(g))
        self.count[1].set_value(k + 1)
        for i, row in enumerate(self.readouts):
            row.number.set_value(tr["running"][k, i])
        moves = [m.animate.move_to(self.marker_pos(i, tr["running"][k, i])).set_opacity(1)
                 for i, m in enumerate(self.markers)]
        self.play(FadeIn(dot, shift=DOWN * 0.3), *moves, run_time=STEP)

    def show_errors(self, tr):
        err = tr["final_error"]
        names = tr.meta["estimator_labels"]
        top = max(float(err.max()), 1.0)
        bars = VGroup()
        for i, (e, n, c) in enumerate(zip(err, names, self.est_colors)):
            h = 1.5 * float(e) / top
            bar = Rectangle(width=0.9, height=max(h, 0.02), fill_color=c, fill_opacity=0.9, stroke_width=0)
            bar.move_to([1.6 * i, 0, 0], aligned_edge=DOWN)
            val = label(f"{e:.0f}", FS.small, c).next_to(bar, UP, buff=0.1)
            name = label(n, FS.tiny, COLORS.text).next_to(bar, DOWN, buff=0.15)
            bars.add(VGroup(bar, val, name))
        head = label("final error |estimate − true count|", FS.small, COLORS.text)
        panel = VGroup(head, bars).arrange(DOWN, buff=0.35)
        panel.move_to([1.35, 0, 0]).align_to(self.readouts, UP)
        self.play(FadeIn(panel, shift=UP * 0.2), run_time=0.8)
