"""MWTrajectories: 2-D sources, the estimators' paths toward the true mean (Knowlson et al., Fig. 1).

Replays a ``robust_study`` trace (one trial): each round the sources' reports move, Byzantine sources are
blacklisted when their MoM-guided MW weights fall below τ (they turn the blacklisted grey, with a cross, as in
every scene), and five estimators draw their paths: the straight mean and the coordinate median (baselines),
median of means, the MW mean and the MoM-guided MW mean. The panel lists each one's distance to the true mean
(the trace's ``error``), every round. The key round is the last one before any source is blacklisted (after it,
every estimator averages honest sources only): it is held with a ruler from each estimate to the true mean, and
the scene comes back to it for its conclusion, which says the sharpest true comparison (including "no better
than" when a baseline is as close).
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, AnimationGroup, Axes, DashedLine, FadeIn, Line, VGroup

from kit.traces import TraceSpec
from scenes.base import Pace, StudioScene, reading_time
from scenes.claims import Claim, first_true, plain
from scenes.pieces import (
    BLACKLISTED_OPACITY,
    COLORS,
    EST,
    FS,
    FadeInPlace,
    FadeOutPlace,
    Number,
    blacklist_cross,
    counter,
    label,
    legend,
    marker,
    params_line,
    plot_frame,
    side,
    source,
    swatch_blacklisted,
    swatch_source,
    title,
)
from scenes.pieces.layout import MAIN_LEFT

SHOWN = ("mean", "median", "mom", "mw_mean", "mom_mw_mean")
NAMES = {
    "mean": "straight mean",
    "median": "coordinate median",
    "mom": "median of means",
    "mw_mean": "MW mean",
    "mom_mw_mean": "MoM-guided MW mean",
}
METHOD = "mom_mw_mean"  # the paper's method, compared with the others
CAPTION_EVERY = 6.0


# -- the words, each bound from the trace with what it asserts (module functions: the tests call them) ------------
def distances(tr, r: int) -> dict[str, float]:
    """Each shown estimator's distance to the true mean in round r (1-based), as the trace records it."""
    names = tr.meta["estimators"]
    return {e: float(tr["error"][0, r - 1, names.index(e)]) for e in SHOWN}


def key_round(tr) -> int:
    """The last round in which every source is still active (after it, some are blacklisted), else the last."""
    black = np.asarray(tr["blacklisted_at"][0])
    return int(black[black > 0].min()) if (black > 0).any() else int(tr.params["rounds"])


def toward_byzantine(tr, r: int, e: str) -> bool:
    """Whether estimator e's estimate in round r lies off the true mean on the Byzantine reports' side."""
    names, mu = tr.meta["estimators"], np.asarray(tr["true_mean"])
    x, byz = np.asarray(tr["x"][0, r - 1]), np.asarray(tr["is_byzantine"][0], bool)
    fin = np.isfinite(x).all(-1) & byz
    if not fin.any():
        return False
    est = np.asarray(tr["estimates"][0, r - 1, names.index(e)])
    return float(np.dot(est - mu, x[fin].mean(0) - mu)) > 0


def pulled_claim(tr, r: int, e: str) -> Claim:
    """ "Round r: the e is pulled toward the Byzantine cluster, the farthest from μ": only when it literally is."""
    d = distances(tr, r)
    return Claim(
        "Round {r}: the {name} is pulled toward the Byzantine cluster, the farthest from μ ({d}).",
        r=r,
        name=NAMES[e],
        d=f"{d[e]:.2f}",
        holds=lambda: max(d, key=d.get) == e and toward_byzantine(tr, r, e),
        says="e is the shown estimate farthest from mu in round r, displaced toward the Byzantine reports",
    )


def round_claim(tr, r: int) -> Claim:
    """The running caption: which estimate is farthest (and pulled toward the cluster, if it is), which closest."""
    d = distances(tr, r)
    far, near = max(d, key=d.get), min(d, key=d.get)
    return first_true(
        *[pulled_claim(tr, r, e) for e in SHOWN],
        Claim(
            "Round {r}: farthest from μ is the {far} ({a}), closest the {near} ({b}).",
            r=r,
            far=NAMES[far],
            near=NAMES[near],
            a=f"{d[far]:.2f}",
            b=f"{d[near]:.2f}",
            holds=lambda: d[far] == max(d.values()) and d[near] == min(d.values()),
            says="the farthest and the closest shown estimates in round r",
        ),
    )


def compare_claim(tr, k: int) -> Claim:
    """Round k: the MoM-guided MW mean against the straight mean, and every shown estimate at least as close
    ("no better than ..."), as the panel rounds them."""
    d = {e: round(v, 2) for e, v in distances(tr, k).items()}
    a, b = d[METHOD], d["mean"]
    before = bool(np.asarray(tr["active"][0, k - 1]).all())
    closer = sorted((e for e in SHOWN if e not in (METHOD, "mean") and d[e] <= a), key=d.get)
    phrase = " and ".join(f"the {NAMES[e]} ({d[e]:.2f})" for e in closer)
    when = "Round {k}, before any blacklisting: " if before else "Round {k}: "
    vals = dict(k=k, a=f"{a:.2f}", b=f"{b:.2f}", closer=phrase)

    def as_listed() -> bool:  # the estimates named as at least as close are exactly those
        return {e for e in SHOWN if e not in (METHOD, "mean") and d[e] <= a} == set(closer)

    return first_true(
        Claim(
            when + "MoM-guided MW is the closest to μ, {a}; the straight mean {b}.",
            holds=lambda: a < b and not closer and as_listed(),
            says="MoM-guided MW strictly the closest shown estimate in round k",
            **vals,
        ),
        Claim(
            when + "MoM-guided MW {a} from μ, the straight mean {b}; but no better than {closer}.",
            holds=lambda: a < b and bool(closer) and as_listed(),
            says="MoM-guided MW closer than the straight mean; the listed estimates as close or closer",
            **vals,
        ),
        Claim(
            when + "MoM-guided MW {a} from μ, no better than the straight mean {b}.",
            holds=lambda: a >= b,
            says="MoM-guided MW no closer than the straight mean in round k",
            **vals,
        ),
    )


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
    key_frames = ("initial", "before_blacklisting", "final")
    paper_stills = ("before_blacklisting", "final")
    pace = Pace(round=1.6, event_round=2.6, key_hold=2.5, intro_hold=2.5, end_hold=3.5)
    # other runs the words are checked on: other seeds, a farther and a nearer cluster, fewer Byzantine sources
    claim_checks = (
        {"seed": 5},
        {"seed": 8, "distance": 3.0},
        {"byz_fraction": 0.2, "distance": 8.0},
        {"n_sources": 20, "seed": 33, "rounds": 12},
    )

    def construct(self):
        tr = self.trace
        self.build_layout(tr)
        byz = np.asarray(tr["is_byzantine"][0], bool)
        p = tr.params
        self.opening(
            caption=Claim(
                "{n} sources in the plane, {f} of them Byzantine, reporting as one cluster; the star is the "
                "true mean μ.",
                n=p["n_sources"],
                f=int(byz.sum()),
                holds=lambda: int(byz.sum()) == tr.meta["n_byzantine"] and p["strategy"] == "cluster",
                says="f Byzantine sources with the cluster strategy",
            ),
            prompt=plain(
                "Point at the star and at the triangles on one side: five estimators will chase the star; "
                "the panel keeps their distances to it."
            ),
        )
        black = np.asarray(tr["blacklisted_at"][0])
        R, k = int(p["rounds"]), key_round(tr)
        self.events = sorted({int(b) - 1 for b in black if b > 0})
        for t in range(R):
            r = t + 1
            if r not in (k, R) and self.caption_due(CAPTION_EVERY):
                claim = round_claim(tr, r)
                stop = k if r < k else R
                if sum(self.round_time(j, self.events) for j in range(t, stop)) >= reading_time(claim.text):
                    self.caption(claim)
            self.play_round(tr, t)
            if r == k:
                rulers = self.show_rulers(tr, r)
                self.key_frame(
                    "before_blacklisting",
                    compare_claim(tr, r),
                    prompt=plain(
                        "Point at the rulers and read the panel: the straight mean against the MoM-guided MW mean, "
                        "then the estimates that are as close. Next, the blacklisting."
                    ),
                )
                self.hold()
                self.snapshot = VGroup(
                    self.dots, self.paths, self.heads, self.crosses, rulers, self.round, self.alive, self.dist
                ).copy()
                self.play(FadeOutPlace(rulers), run_time=self.seconds(0.5))
                self.blacklist_step(tr, t)
            elif r < R:
                self.slide_break()
        self.key_frame("final", self.final_claim(tr), prompt=self.final_prompt(tr))
        self.hold()
        self.thaw_background()  # the parameter line and the definitions leave the band's place
        self.play(FadeOutPlace(self.under_band), run_time=self.seconds(0.5))
        if k < R:  # back to the key round, its rulers drawn, for the conclusion that cites it
            live = VGroup(self.dots, self.paths, self.heads, self.crosses, self.round, self.alive, self.dist)
            self.play(FadeOutPlace(live), run_time=self.seconds(0.6))
            self.play(FadeInPlace(self.snapshot), run_time=self.seconds(0.8))
            self.remove(live)
        self.conclude(
            compare_claim(tr, k),
            prompt=plain("Back at the key round: say the two distances, and which estimate is as close or closer."),
        )

    def final_claim(self, tr) -> Claim:
        black, byz = np.asarray(tr["blacklisted_at"][0]), np.asarray(tr["is_byzantine"][0], bool)
        R = int(tr.params["rounds"])
        caught, honest_out = int(np.sum((black > 0) & byz)), int(np.sum((black > 0) & ~byz))
        d = {e: round(v, 2) for e, v in distances(tr, R).items()}
        lo, hi = min(d.values()), max(d.values())
        vals = dict(R=R, c=caught, f=int(byz.sum()), h=honest_out, lo=f"{lo:.2f}", hi=f"{hi:.2f}")
        only_honest = bool(not np.asarray(tr["active"][0, R - 1])[byz].any()) if byz.any() else True
        return first_true(
            Claim(
                "Round {R}: all {f} Byzantine sources blacklisted; the estimates are {lo} to {hi} from μ.",
                holds=lambda: caught == int(byz.sum()) and honest_out == 0 and only_honest,
                says="every Byzantine source blacklisted, no honest one, by the last round",
                **vals,
            ),
            Claim(
                "Round {R}: all {f} Byzantine sources blacklisted, and {h} honest; the estimates are {lo} to {hi} "
                "from μ.",
                holds=lambda: caught == int(byz.sum()) and honest_out > 0 and only_honest,
                says="every Byzantine source blacklisted, h honest too",
                **vals,
            ),
            Claim(
                "Round {R}: {c} of {f} Byzantine sources blacklisted, {h} honest; the estimates are {lo} to {hi} "
                "from μ.",
                holds=lambda: caught < int(byz.sum()) or not only_honest,
                says="some Byzantine source still active in the last round (not caught, or caught in it)",
                **vals,
            ),
        )

    def final_prompt(self, tr) -> Claim:
        black, byz = np.asarray(tr["blacklisted_at"][0]), np.asarray(tr["is_byzantine"][0], bool)
        if np.sum((black > 0) & ~byz):
            return plain("Point at the grey honest dot: blacklisting costs an honest source here. Then go back.")
        return plain("After the blacklisting every estimate averages honest sources. Now back to the key round.")

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
                x_length=8.0,
                y_length=5.2,
                axis_config={"color": COLORS.muted, "include_numbers": False, "include_ticks": not self.figure_mode},
                tips=False,
            )
            .to_edge(LEFT, buff=0.75)
            .set_y(0.0)  # clear of the conclusion band at the bottom
        )
        # no tick numbers on the axes that cross inside the cloud of reports (the panel gives every distance);
        # a paper figure gets a numbered frame along the plot's bottom and left edges
        self.frame = plot_frame(self.axes) if self.figure_mode else VGroup()
        byz = tr["is_byzantine"][0]
        self.byz = byz
        self.dots = VGroup(
            *[source(bool(b), 0.07, opacity=0.9).move_to(self.axes.c2p(*x[0, i])) for i, b in enumerate(byz)]
        )
        mu = tr["true_mean"]
        self.star = marker("true_value", COLORS.true_value, 0.11).move_to(self.axes.c2p(*mu))
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
                (r"true mean $\mu$", marker("true_value", COLORS.true_value, 0.07)),
            ],
            FS.tiny,
        )
        # the estimators, each with its distance to the true mean this round (the trace's error)
        rows, self.dist = VGroup(), VGroup()
        for e, c in zip(SHOWN, self.est_colors):
            num = Number(0, places=2, size=FS.tiny, color=c).set_opacity(0)
            row = VGroup(marker(e, c, 0.07), label(NAMES[e], FS.tiny, c)).arrange(RIGHT, buff=0.15)
            rows.add(VGroup(row, num))
            self.dist.add(num)
        rows.arrange(DOWN, aligned_edge=LEFT, buff=0.14)
        col = max(r[0].get_right()[0] for r in rows) + 0.2
        for r in rows:
            r[1].move_to([col, r[0].get_center()[1], 0], aligned_edge=LEFT)
        table_head = label(r"distance to $\mu$", FS.tiny, COLORS.muted)
        table_head.move_to([col, 0, 0], aligned_edge=LEFT)
        table = VGroup(table_head, rows)
        table_head.next_to(rows, UP, buff=0.14)
        table_head.set_x(col, direction=LEFT)
        self.round = counter("round", 0, FS.label)
        self.alive = counter("Byzantine left:", int(byz.sum()), FS.label, color=COLORS.byzantine)
        # the parameters in words: the scene shows no update rule, so no symbol beyond the true mean
        note = params_line(
            f"learning rate {p['eta']:g},  threshold {p['tau']:g}", f"loss scale {p['c_k']:g}·MAD of the reports"
        )
        side(self.round, self.alive, key, table, note)
        # the symbol on screen, defined under the plot until the conclusion's band takes the place
        defs = self.define("μ", size=FS.small)
        if self.figure_mode:  # a figure's caption defines its symbols
            defs.set_opacity(0)
            defs.chrome = True
        defs.move_to([MAIN_LEFT, self.axes.get_bottom()[1] - 0.2, 0], aligned_edge=UP + LEFT)
        self.under_band = VGroup(note, defs)  # what the conclusion's band would cover
        layout = [head, self.axes, self.frame, self.star, key, table_head, VGroup(*[r[0] for r in rows]), note, defs]
        self.add(*layout)
        self.freeze_background(*layout)
        self.add(self.dots, self.paths, self.heads, self.crosses, self.round, self.alive, self.dist)

    def show_rulers(self, tr, r: int) -> VGroup:
        """A dashed ruler from each estimate to the true mean, in the estimator's colour (the panel gives lengths)."""
        mu = self.axes.c2p(*tr["true_mean"])
        est = tr["estimates"][0, r - 1]
        rulers = VGroup(
            *[
                DashedLine(self.axes.c2p(*est[j]), mu, color=c, stroke_width=2.5, dash_length=0.08)
                for j, c in zip(self.idx, self.est_colors)
                if np.linalg.norm(self.axes.c2p(*est[j]) - mu) > 0.12
            ]
        )
        self.play(*[FadeInPlace(x) for x in rulers], run_time=self.seconds(0.6))
        self.add(self.heads)
        return rulers

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
        for num, v in zip(self.dist, distances(tr, t + 1).values()):  # with the heads' arrival
            num.set_value(v)
            num.set_opacity(1)
        if segs:
            self.paths.add(*segs)
            self.add(self.paths, self.heads)
        if t + 1 == key_round(tr):  # the key frame comes first: its estimates were made with every source active
            return
        self.blacklist_step(tr, t)

    def blacklist_step(self, tr, t: int):
        """Blacklisted after round t + 1: the blacklisted look (grey, with a cross), as in every scene."""
        x = tr["x"][0, t]
        rt = self.round_time(t, self.events)
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
