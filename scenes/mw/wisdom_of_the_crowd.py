"""WisdomOfTheCrowd: guess the beans in a jar, and watch a few extreme guesses drag the mean.

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
from scenes.base import Pace, StudioScene, reading_time
from scenes.claims import Claim, first_true, plain
from scenes.pieces import (
    COLORS,
    EST,
    FS,
    FadeInPlace,
    FadeOutPlace,
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
    # other runs the words are checked on (tests/test_scenes_narration.py): a seed where the median of means
    # does worse than the mean, fewer Byzantine guessers with the first guess Byzantine, a larger crowd with
    # milder extremes, more Byzantine guessers
    claim_checks = (
        {"seed": 5},
        {"seed": 11, "byz_fraction": 0.1},
        {"seed": 8, "n_guesses": 40, "high_factor": 3.0},
        {"seed": 6, "byz_fraction": 0.3},
    )

    def construct(self):
        tr = self.trace
        names = tr.meta["estimators"]
        self.est_colors = [getattr(EST, ESTIMATOR_KEYS.get(n, n)) for n in names]
        self.build_layout(tr)
        self.opening(caption=self.opening_claim(tr), prompt=plain("Ask the room for a guess before the jar fills."))
        self.fill_jar(tr)
        byz = np.flatnonzero(tr["is_byzantine"])
        first_byz = int(byz[0]) if byz.size else -1
        for k in range(len(tr["guesses"])):
            self.arrive(tr, k, byz)
            if k == first_byz:
                self.key_frame("first_attack", self.attack_claim(tr, k), prompt=self.attack_prompt(k))
                self.hold()
            elif self.caption_due():
                claim = self.running_claim(tr, k)
                left = (len(tr["guesses"]) - 1 - k) * self.seconds(self.pace.round)  # until the next key frame
                if left >= reading_time(claim.text):
                    self.caption(claim)
        if first_byz < 0:
            self.key_frame(
                "first_attack",
                Claim("No Byzantine guess in this crowd", holds=lambda: not bool(tr["is_byzantine"].any())),
                prompt=plain("An honest crowd: all three estimates agree here."),
            )
            self.hold()
        self.key_frame("all_guesses", self.all_claim(tr), prompt=self.all_prompt(tr))
        self.hold()
        self.show_errors(tr)
        self.key_frame("final", self.final_claim(tr), prompt=self.final_prompt(tr))
        self.hold()
        self.clear_bottom()
        self.conclude(self.conclusion(tr), prompt=self.conclusion_prompt(tr))

    # -- the words, each bound from the trace with what it asserts --------------------------------------------
    @staticmethod
    def errors(tr) -> dict:
        """Final distance of each estimate from the true count, by estimator name."""
        return {n: float(e) for n, e in zip(tr.meta["estimators"], tr["final_error"])}

    @staticmethod
    def opening_claim(tr) -> Claim:
        g, byz = np.asarray(tr["guesses"], float), np.asarray(tr["is_byzantine"], bool)
        f = int(byz.sum())

        def extreme() -> bool:  # every Byzantine guess at or beyond the honest extremes
            if not byz.any() or byz.all():
                return True
            lo, hi = g[~byz].min(), g[~byz].max()
            return bool(((g[byz] <= lo) | (g[byz] >= hi)).all())

        return Claim(
            "{n} people guess the beans in the jar; {f} of them are Byzantine and guess extremes.",
            n=len(g),
            f=f,
            holds=lambda: extreme() and f == int(tr.meta["n_byzantine"]),
            says="f Byzantine guesses, each at or beyond the honest extremes",
        )

    @staticmethod
    def attack_claim(tr, k: int) -> Claim:
        g, run = float(tr["guesses"][k]), np.asarray(tr["running"], float)
        names = list(tr.meta["estimators"])
        im, id_ = names.index("mean"), names.index("median")
        if k == 0:
            return Claim(
                "The first guess, {g:.0f}, is Byzantine: every running estimate starts there.",
                g=g,
                holds=lambda: bool(tr["is_byzantine"][0]) and bool(np.allclose(run[0], g)),
                says="guess 1 Byzantine, every estimate equal to it",
            )
        dm, dd = run[k, im] - run[k - 1, im], run[k, id_] - run[k - 1, id_]
        vals = dict(r=k + 1, g=g, dm=dm, m=run[k, im], dd=dd)
        return first_true(
            Claim(
                "Guess {r}, {g:.0f}, is Byzantine: the mean jumps {dm:+.0f} to {m:.0f}; the median moves only {dd:+.0f}.",
                holds=lambda: bool(tr["is_byzantine"][k]) and abs(dm) > abs(dd),
                says="guess k Byzantine; the mean moved more than the median",
                **vals,
            ),
            Claim(
                "Guess {r}, {g:.0f}, is Byzantine: the mean moves {dm:+.0f} to {m:.0f}, the median {dd:+.0f}.",
                holds=lambda: bool(tr["is_byzantine"][k]),
                says="guess k Byzantine",
                **vals,
            ),
        )

    @staticmethod
    def attack_prompt(k: int) -> Claim:
        if k == 0:
            return plain("Point at the triangle at the end of the line: one liar, and the running estimates are it.")
        return plain("Point at the triangle at the end of the line, then at the mean's marker as it jumps.")

    @staticmethod
    def running_claim(tr, k: int) -> Claim:
        run = np.asarray(tr["running"], float)
        names = list(tr.meta["estimators"])
        im, id_ = names.index("mean"), names.index("median")
        tc = float(tr.params["true_count"])
        vals = dict(r=k + 1, m=run[k, im], d=run[k, id_], tc=tc)
        return first_true(
            Claim(
                "After {r} guesses: mean {m:.0f}, median {d:.0f}. The true count is {tc:.0f}.",
                holds=lambda: (
                    abs(run[k, im] - tc) > abs(run[k, id_] - tc) or not bool(tr["is_byzantine"][: k + 1].any())
                ),
                says="the mean farther from the true count than the median, or no Byzantine guess yet",
                **vals,
            ),
            Claim(
                "After {r} guesses: mean {m:.0f}, median {d:.0f}; for now the mean is the closer one.",
                holds=lambda: abs(run[k, im] - tc) <= abs(run[k, id_] - tc),
                says="the mean no farther from the true count than the median",
                **vals,
            ),
        )

    def all_claim(self, tr) -> Claim:
        err = self.errors(tr)
        n = len(tr["guesses"])
        vals = dict(n=n, em=err["mean"], ed=err["median"], r=err["mean"] / max(err["median"], 1e-12))
        return first_true(
            Claim(
                "All {n} guesses are in: the mean is {em:.0f} beans off, {r:.0f} times the median's {ed:.0f}.",
                holds=lambda: err["mean"] >= 2 * err["median"] and err["median"] > 0,
                says="mean error at least twice the median's",
                **vals,
            ),
            Claim(
                "All {n} guesses are in: the mean is {em:.0f} beans off, the median {ed:.0f}.",
                holds=lambda: True,
                says="the final errors as the trace holds them",
                **vals,
            ),
        )

    @staticmethod
    def all_prompt(tr) -> Claim:
        return plain("Point at the true count's dashed line, then at the three markers above the line.")

    def final_claim(self, tr) -> Claim:
        err = self.errors(tr)
        vals = dict(em=err["mean"], ed=err["median"], eo=err["median_of_means"])
        return first_true(
            Claim(
                "Final errors: mean {em:.0f}, median {ed:.0f}, median of means {eo:.0f} beans. Both robust "
                "estimates beat the mean.",
                holds=lambda: max(err["median"], err["median_of_means"]) < err["mean"],
                says="median and median of means both closer than the mean",
                **vals,
            ),
            Claim(
                "Final errors: mean {em:.0f}, median {ed:.0f}, median of means {eo:.0f} beans. Only the median "
                "beats the mean here.",
                holds=lambda: err["median"] < err["mean"] <= err["median_of_means"],
                says="the median closer than the mean, the median of means not",
                **vals,
            ),
            Claim(
                "Final errors: mean {em:.0f}, median {ed:.0f}, median of means {eo:.0f} beans.",
                holds=lambda: True,
                says="the final errors as the trace holds them",
                **vals,
            ),
        )

    def final_prompt(self, tr) -> Claim:
        err = self.errors(tr)
        if err["median"] < err["mean"] <= err["median_of_means"]:
            return plain("Say why: a bucket with two liars has a wild mean, and the median of few buckets is fragile.")
        return plain("Point at the bars: the tallest is the mean. Robust estimates ignore the extremes.")

    def conclusion(self, tr) -> Claim:
        err = self.errors(tr)
        f, n = int(np.sum(tr["is_byzantine"])), len(tr["guesses"])
        vals = dict(f=f, n=n, em=err["mean"], ed=err["median"], eo=err["median_of_means"])
        return first_true(
            Claim(
                "{f} Byzantine guesses of {n} put the mean {em:.0f} beans off; the median stays within {ed:.0f}.",
                holds=lambda: err["median"] < err["mean"] and err["median"] <= err["median_of_means"],
                says="the median the closest estimate, the mean farther",
                **vals,
            ),
            Claim(
                "{f} Byzantine guesses of {n} put the mean {em:.0f} beans off; the median of means stays within "
                "{eo:.0f}.",
                holds=lambda: err["median_of_means"] < err["median"] < err["mean"],
                says="the median of means the closest, the mean the farthest",
                **vals,
            ),
            Claim(
                "With {f} Byzantine guesses of {n}: mean {em:.0f}, median {ed:.0f}, median of means {eo:.0f} beans off.",
                holds=lambda: True,
                says="the final errors as the trace holds them",
                **vals,
            ),
        )

    @staticmethod
    def conclusion_prompt(tr) -> Claim:
        return plain("Transition: a server averaging client updates has the same problem. Can a test spot the liars?")

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
        self.bottom = [ticks, axis_label]  # under the conclusion's band: they leave before it comes
        # a single-column figure has no room for the running column at its text size (the dots show every guess)
        self.tally = not single_column()
        self.layout = [head, jar, self.line, ticks, axis_label, true_line, true_tag, key]
        self.layout += [self.col_head] if self.tally else []
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
        shown = [FadeIn(entry)] if self.tally else []
        self.play(FadeIn(dot, shift=DOWN * 0.3), *shown, *moves, run_time=self.round_time(k, byz_idx))
        if self.tally:
            self.remove(entry)
            self.column.add(entry)
        self.count.number.set_value(k + 1)
        for i, row in enumerate(self.readouts):  # the numbers change when the markers arrive
            row.number.set_value(tr["running"][k, i])

    def clear_bottom(self):
        """The tick labels and the axis label leave before the conclusion's band covers them."""
        if self.figure_mode:
            return
        self.thaw_background()
        for m in self.bottom:
            self.layout.remove(m)
        self.freeze_background(*self.layout)
        self.add(*self.bottom)
        self.play(*[FadeOutPlace(m) for m in self.bottom], run_time=self.seconds(0.6))

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
        if self.tally:
            self.layout.remove(self.col_head)
        self.freeze_background(*self.layout)
        self.remove(self.column, self.col_head)
        self.play(FadeIn(panel, shift=UP * 0.2), run_time=self.seconds(1.0))
