"""MWTrajectories: 2-D sources, the estimators' paths toward the true mean (Knowlson et al., Fig. 1).

Replays a ``robust_study`` trace (one trial): each round the sources' reports
move, Byzantine sources are blacklisted when their MoM-guided MW weights fall
below tau (they turn the blacklisted grey, with a cross, as in every scene),
and the straight mean, the MW mean, the MoM-guided MW mean and median of
means draw their paths, each in its theme colour and marker.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, AnimationGroup, Axes, FadeIn, Line, VGroup

from kit.traces import TraceSpec
from scenes.base import Pace, StudioScene
from scenes.pieces import (
    BLACKLISTED_OPACITY,
    COLORS,
    EST,
    FS,
    blacklist_cross,
    counter,
    legend,
    marker,
    params_line,
    side,
    source,
    swatch_blacklisted,
    swatch_source,
    tick_labels,
    title,
)

SHOWN = ("mean", "mw_mean", "mom_mw_mean", "mom")
NAMES = {"mean": "straight mean", "mw_mean": "MW mean", "mom_mw_mean": "MoM-guided MW mean", "mom": "median of means"}


class MWTrajectories(StudioScene):
    trace_spec = TraceSpec(
        "robust_study",
        seed=21,
        params={"n_sources": 30, "byz_fraction": 0.3, "rounds": 10, "trials": 1, "blacklist": True},
    )
    draws = {
        "n_sources": (2, 100),
        "rounds": (1, 40),
        "d": (2, 2),
        "trials": (1, 10),
        "mu": (-100, 100),
        "sigma": (0, 10),
        "source_spread": (0, 10),
        "distance": (0, 100),
        "spread": (0, 10),
        "scale_bad": (0, 20),
        "flip": (0, 20),
    }  # what the scene can draw (StudioScene.draws)
    key_frames = ("initial", "after_round_3", "final")
    paper_stills = ("after_round_3", "final")
    pace = Pace(round=1.6, event_round=2.6, key_hold=2.5, intro_hold=2.5, end_hold=3.5)

    def construct(self):
        tr = self.trace
        self.build_layout(tr)
        self.opening(notes="Honest sources around the true mean (the star); a Byzantine cluster to the right.")
        black = tr["blacklisted_at"][0]
        self.events = sorted({int(b) - 1 for b in black if b > 0})
        for t in self.rounds(
            tr.params["rounds"],
            {3: "after_round_3"},
            {3: "After three rounds the straight mean is still pulled toward the Byzantine cluster."},
        ):
            self.play_round(tr, t)
        self.key_frame("final", notes=self.final_note(tr))
        self.hold()
        self.conclude(self.conclusion_text(tr))

    def final_note(self, tr) -> str:
        black, byz = tr["blacklisted_at"][0], tr["is_byzantine"][0]
        caught, honest_out = int(np.sum((black > 0) & byz)), int(np.sum((black > 0) & ~byz))
        extra = f" (and {honest_out} honest)" if honest_out else ""
        return (
            f"{caught} of {int(byz.sum())} Byzantine sources are blacklisted{extra}; "
            "every estimate now averages honest sources only."
        )

    def conclusion_text(self, tr) -> str:
        """Distances to the true mean in the last round before the first Byzantine blacklisting (else the last round).

        After the blacklisting every estimator averages honest sources only, so the
        end says nothing about the weights: the round before it does.
        """
        black = tr["blacklisted_at"][0][tr["is_byzantine"][0]]
        first = int(black[black > 0].min()) if np.any(black > 0) else tr["estimates"].shape[1]
        t = first - 1  # estimates[t] is round t + 1
        est, mu = tr["estimates"][0, t], tr["true_mean"]
        names = tr.meta["estimators"]
        d = {e: float(np.linalg.norm(est[names.index(e)] - mu)) for e in SHOWN}
        if d["mom_mw_mean"] < d["mean"]:
            return (
                f"Round {t + 1}, before any blacklisting: MoM-guided MW is {d['mom_mw_mean']:.2f} from the true "
                f"mean, the straight mean {d['mean']:.2f}: the weights remove the Byzantine pull"
            )
        return (
            f"Round {t + 1}: MoM-guided MW is {d['mom_mw_mean']:.2f} from the true mean, "
            f"the straight mean {d['mean']:.2f}"
        )

    def build_layout(self, tr):
        p = tr.params
        head = title("MW estimates move toward the true mean")
        x = tr["x"][0]
        fin = x[np.isfinite(x).all(-1)]
        lo = np.floor(np.minimum(fin.min(0), tr["true_mean"]) - 0.5)
        hi = np.ceil(np.maximum(fin.max(0), tr["true_mean"]) + 0.5)
        self.axes = (
            Axes(
                x_range=[lo[0], hi[0], 1],
                y_range=[lo[1], hi[1], 1],
                x_length=8.8,
                y_length=5.6,
                axis_config={"color": COLORS.muted, "include_numbers": False},
                tips=False,
            )
            .to_edge(LEFT, buff=0.75)
            .shift(DOWN * 0.45)
        )
        xs = np.arange(lo[0], hi[0] + 0.5, 2 if hi[0] - lo[0] > 8 else 1)
        ys = np.arange(lo[1], hi[1] + 0.5, 2 if hi[1] - lo[1] > 8 else 1)
        ticks = VGroup(
            tick_labels(self.axes.x_axis, [v for v in xs if v != 0] if lo[1] < 0 < hi[1] else xs, FS.small),
            tick_labels(
                self.axes.y_axis,
                [v for v in ys if v != 0] if lo[0] < 0 < hi[0] else ys,
                FS.small,
                direction=LEFT,
                buff=0.25,
            ),
        )  # clear of the tick marks
        # tick labels sit next to the axis lines (which cross at 0 when 0 is in range)
        byz = tr["is_byzantine"][0]
        self.byz = byz
        self.src_colors = [COLORS.byzantine if b else COLORS.honest for b in byz]
        self.dots = VGroup(
            *[source(bool(b), 0.07, opacity=0.9).move_to(self.axes.c2p(*x[0, i])) for i, b in enumerate(byz)]
        )
        mu = tr["true_mean"]
        star = marker("true_value", COLORS.true_value, 0.11).move_to(self.axes.c2p(*mu))
        names = tr.meta["estimators"]
        self.idx = [names.index(e) for e in SHOWN]
        self.est_colors = [getattr(EST, e) for e in SHOWN]
        self.heads = VGroup(*[marker(e, c, 0.09).set_opacity(0) for e, c in zip(SHOWN, self.est_colors)])
        self.paths = VGroup()
        self.crosses = VGroup()
        key = legend(
            [
                ("honest source", swatch_source(False)),
                ("Byzantine source", swatch_source(True)),
                ("blacklisted", swatch_blacklisted()),
                ("true mean", marker("true_value", COLORS.true_value, 0.07)),
            ]
            + [(NAMES[e], marker(e, c, 0.07)) for e, c in zip(SHOWN, self.est_colors)],
            FS.tiny,
        )
        self.round = counter("round", 0, FS.label)
        self.alive = counter("Byzantine left:", int(byz.sum()), FS.label, color=COLORS.byzantine)
        note = params_line(rf"$\eta$ = {p['eta']:g},  $\tau$ = {p['tau']:g}", f"$c$ = {p['c_k']:g}·MAD")
        side(self.round, self.alive, key, note)
        layout = [head, self.axes, ticks, star, key, note]
        self.add(*layout)
        self.freeze_background(*layout)
        self.add(self.dots, self.paths, self.heads, self.crosses, self.round, self.alive)

    def play_round(self, tr, t: int):
        x, act = tr["x"][0, t], tr["active"][0, t]
        est = tr["estimates"][0, t]
        moves = [d.animate.move_to(self.axes.c2p(*x[i])) for i, d in enumerate(self.dots) if act[i]]
        new_pts = [self.axes.c2p(*est[j]) for j in self.idx]
        segs = []
        if t > 0:
            prev = tr["estimates"][0, t - 1]
            segs = [
                Line(self.axes.c2p(*prev[j]), p, color=c, stroke_width=3)
                for j, p, c in zip(self.idx, new_pts, self.est_colors)
            ]
        heads = [h.animate.move_to(p).set_opacity(1) for h, p in zip(self.heads, new_pts)]
        rt = self.round_time(t, self.events)
        self.play(*moves, *heads, run_time=0.7 * rt)
        self.round.number.set_value(t + 1)
        if segs:
            self.paths.add(*segs)
            self.add(self.paths, self.heads)
        # blacklisted after this round: the blacklisted look (grey, with a cross), as in every scene
        black = tr["blacklisted_at"][0]
        gone = np.flatnonzero(black == t + 1)
        if gone.size:
            crosses = [blacklist_cross(self.dots[i], 0.16).move_to(self.axes.c2p(*x[i])) for i in gone]
            anims = [
                AnimationGroup(
                    self.dots[i].animate.set_color(COLORS.blacklisted).set_opacity(BLACKLISTED_OPACITY), FadeIn(c)
                )
                for i, c in zip(gone, crosses)
            ]
            self.play(*anims, run_time=0.3 * rt)
            self.remove(*crosses)
            self.crosses.add(*crosses)
        else:
            self.wait(0.3 * rt)
        left = int(np.sum(self.byz & ((black == -1) | (black > t + 1))))
        self.alive.number.set_value(left)
