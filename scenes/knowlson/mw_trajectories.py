"""MWTrajectories: 2-D sources, the estimators' paths toward the true mean (Knowlson et al., Fig. 1).

Replays a ``robust_study`` trace (one trial): each round the sources' reports
move, Byzantine sources fade as their MoM-guided MW weights fall (opacity is
the weight relative to the largest) and vanish when blacklisted, and the
straight mean, the MW mean, the MoM-guided MW mean and median of means draw
their paths.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Axes, Dot, FadeOut, Line, Star, VGroup

from studio.traces import TraceSpec

from scenes.base import StudioScene
from scenes.pieces import COLORS, FS, counter, label, legend, swatch_dot, title

ROUND_TIME = 0.8
SHOWN = ("mean", "mw_mean", "mom_mw_mean", "mom")


class MWTrajectories(StudioScene):
    trace_spec = TraceSpec("robust_study", seed=21, params={"n_sources": 30, "byz_fraction": 0.3, "rounds": 10,
                                                            "trials": 1, "blacklist": True})
    key_frames = ("initial", "after_round_3", "final")
    talk_order = 30

    def construct(self):
        tr = self.trace
        self.build_layout(tr)
        self.key_frame("initial", notes="Honest sources around the true mean; a Byzantine cluster to the right.")
        for t in self.rounds(tr.params["rounds"], {3: "after_round_3"}):
            self.play_round(tr, t)
        self.key_frame("final")

    def build_layout(self, tr):
        p = tr.params
        self.add(title("MW estimates move toward the true mean"))
        x = tr["x"][0]
        fin = x[np.isfinite(x).all(-1)]
        lo = np.floor(np.minimum(fin.min(0), tr["true_mean"]) - 0.5)
        hi = np.ceil(np.maximum(fin.max(0), tr["true_mean"]) + 0.5)
        self.axes = Axes(x_range=[lo[0], hi[0], 1], y_range=[lo[1], hi[1], 1], x_length=9.0, y_length=5.8,
                         axis_config={"color": COLORS.muted, "include_numbers": True, "font_size": FS.small,
                                      "decimal_number_config": {"num_decimal_places": 0}},
                         tips=False).to_edge(LEFT, buff=0.5).shift(DOWN * 0.45)
        self.axes.x_axis.numbers.set_color(COLORS.muted)
        self.axes.y_axis.numbers.set_color(COLORS.muted)
        byz = tr["is_byzantine"][0]
        self.src_colors = [COLORS.byzantine if b else COLORS.honest for b in byz]
        self.dots = VGroup(*[Dot(self.axes.c2p(*x[0, i]), radius=0.07, color=c, fill_opacity=0.9)
                             for i, c in enumerate(self.src_colors)])
        mu = tr["true_mean"]
        self.star = Star(n=5, outer_radius=0.17, color=COLORS.true_value, fill_opacity=1).move_to(self.axes.c2p(*mu))
        names = tr.meta["estimators"]
        self.idx = [names.index(e) for e in SHOWN]
        self.est_colors = [COLORS.volatile, COLORS.estimate, COLORS.text, COLORS.muted]
        self.heads = VGroup(*[Dot(radius=0.09, color=c).set_opacity(0) for c in self.est_colors])
        self.paths = VGroup()
        labels = [tr.meta["estimator_labels"][i] for i in self.idx]
        key = legend([("honest source", swatch_dot(COLORS.honest)), ("Byzantine source", swatch_dot(COLORS.byzantine)),
                      ("true mean", Star(n=5, outer_radius=0.1, color=COLORS.true_value, fill_opacity=1))]
                     + [(n, swatch_dot(c)) for n, c in zip(labels, self.est_colors)], FS.tiny)
        key.to_edge(RIGHT, buff=0.3).shift(UP * 1.2)
        self.round = counter("t =", 0, FS.label).next_to(key, DOWN, buff=0.45).align_to(key, LEFT)
        self.alive = counter(r"\text{Byzantine left} =", int(byz.sum()), FS.label).next_to(self.round, DOWN, buff=0.25).align_to(key, LEFT)
        note = label(f"η = {p['eta']:g}, τ = {p['tau']:g}\nc = {p['c_k']:g}·MAD", FS.tiny, COLORS.muted)
        note.next_to(self.alive, DOWN, buff=0.3).align_to(key, LEFT)
        fade = label("opacity: weight / max", FS.tiny, COLORS.muted).next_to(note, DOWN, buff=0.15).align_to(key, LEFT)
        self.add(self.axes, self.dots, self.star, self.paths, self.heads, key, self.round, self.alive, note, fade)

    def play_round(self, tr, t: int):
        x, act, w = tr["x"][0, t], tr["active"][0, t], tr["weights"][0]
        est = tr["estimates"][0, t]
        self.round.number.set_value(t + 1)
        moves = [d.animate.move_to(self.axes.c2p(*x[i])) for i, d in enumerate(self.dots) if act[i]]
        new_pts = [self.axes.c2p(*est[j]) for j in self.idx]
        segs = []
        if t > 0:
            prev = tr["estimates"][0, t - 1]
            segs = [Line(self.axes.c2p(*prev[j]), p, color=c, stroke_width=3)
                    for j, p, c in zip(self.idx, new_pts, self.est_colors)]
        heads = [h.animate.move_to(p).set_opacity(1) for h, p in zip(self.heads, new_pts)]
        self.play(*moves, *heads, run_time=ROUND_TIME)
        if segs:
            self.paths.add(*segs)
            self.add(self.paths, self.heads)
        # weights after this round: fade by relative weight, drop the blacklisted
        w1 = w[t + 1]
        rel = w1 / max(float(w1[tr["active"][0, t]].max()) if act.any() else 1.0, 1e-300)
        gone = np.flatnonzero(tr["blacklisted_at"][0] == t + 1)
        fades = [d.animate.set_opacity(float(0.15 + 0.85 * min(rel[i], 1.0)))
                 for i, d in enumerate(self.dots) if act[i] and i not in set(gone)]
        anims = fades + [FadeOut(self.dots[i], scale=0.3) for i in gone]
        byz = tr["is_byzantine"][0]
        left = int(np.sum(byz & (tr["blacklisted_at"][0] == -1) | byz & (tr["blacklisted_at"][0] > t + 1)))
        self.alive.number.set_value(left)
        if anims:
            self.play(*anims, run_time=ROUND_TIME / 2)
