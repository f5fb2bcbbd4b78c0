"""BlacklistingProtocol: the error-bounded blacklisting protocol (Knowlson et al., Sec. III.B).

Replays an ``error_bounded`` trace with two attacks on the same honest estimates: each peer's sample
mean of one source, with its eps/3 error bar, beside the truth and its eps/3 band; the 2 eps/3 test of
each honest observer as a window around its own estimate; blacklist edges appearing; the surviving
average. Then the just-inside attacker, whose report to each observer sits 2 eps/3 - margin from that
observer's estimate: it survives every test, and the average moves by the bias it buys.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Arrow, DashedLine, FadeIn, Line, NumberLine, Rectangle, VGroup

from kit.traces import TraceSpec
from scenes.base import Pace, StudioScene
from scenes.consensus.network import PeerRing
from scenes.pieces import (
    COLORS,
    FS,
    FadeInKeep,
    FadeInPlace,
    FadeOutPlace,
    Morph,
    Restyle,
    blacklist_cross,
    label,
    legend,
    marker,
    params_line,
    side,
    source,
    swatch_blacklisted,
    swatch_box,
    swatch_source,
    tick_labels,
    title,
)
from sim.consensus.presets import SEED_BLACKLISTING

LANE_TOP, LANE_STEP = 1.2, 0.56


class BlacklistingProtocol(StudioScene):
    trace_spec = TraceSpec("error_bounded", seed=2, params=dict(SEED_BLACKLISTING))
    draws = {
        "n_sources": (1, 100),
        "n_peers": (2, 8),
        "shift": (-10, 10),
        "C": (0, 100),
    }  # what the scene can draw (StudioScene.draws)
    key_frames = ("initial", "pair_test", "blacklisted", "just_inside", "bias", "conclusion")
    paper_stills = ("pair_test", "blacklisted", "bias")
    pace = Pace(round=1.2, event_round=2.0, key_hold=2.0, intro_hold=2.5, end_hold=3.0)

    def construct(self):
        tr = self.trace
        self.build_layout(tr)
        self.opening(notes="k peers estimate n sources; one source shown, its truth and the eps/3 band.")
        self.show_estimates(tr)
        self.slide_break(notes=f"m = {tr.meta['m']} queries per source put every honest estimate within eps/3.")
        self.hold()
        a0 = tr.meta["strategies"].index("shift") if "shift" in tr.meta["strategies"] else 0
        self.attack(tr, a0, first=True)
        self.surviving_average(tr, a0)
        self.slide_break(notes="Each peer averages itself and the peers it kept.")
        self.hold()
        if "just_inside" in tr.meta["strategies"]:
            a1 = tr.meta["strategies"].index("just_inside")
            self.reset(tr)
            self.attack(tr, a1, first=False)
            self.key_frame(
                "just_inside", notes="Reports 2 eps/3 - margin from each receiver's own estimate: never blacklisted."
            )
            self.hold()
            self.show_bias(tr, a0, a1)
            self.key_frame("bias", notes="The bias it buys: f/|S| (2 eps/3 - margin) at every honest peer.")
            self.hold()
        self.conclude(self.conclusion(tr))
        self.key_frame("conclusion")

    # -- layout ----------------------------------------------------------------
    def build_layout(self, tr):
        p, meta = tr.params, tr.meta
        est, mu = np.asarray(tr["estimates"]), np.asarray(tr["mu"])
        self.byz = np.asarray(tr["is_byzantine"])
        self.hon = np.flatnonzero(~self.byz)
        k, n = est.shape
        self.k, self.eps = k, p["eps"]
        spread = est[self.hon].max(axis=0) - est[self.hon].min(axis=0)
        self.i = int(np.argmax(spread))  # the source shown: the widest honest spread
        self.mu = float(mu[self.i])
        rep = np.asarray(tr["reports"])[:, :, :, self.i]
        lo = min(self.mu - p["eps"], float(rep.min()) - 0.05)
        hi = max(self.mu + p["eps"], float(rep.max()) + 0.05)
        lo, hi = np.floor(lo * 10) / 10, np.ceil(hi * 10) / 10
        head = title("Error-bounded blacklisting")
        info = params_line(
            f"$k$ = {k} peers ({int(self.byz.sum())} Byzantine), $m$ = {meta['m']} queries",
            rf"$n$ = {n} sources, $\varepsilon$ = {p['eps']:g}, source {self.i + 1} shown",
        )
        self.line = NumberLine(x_range=[lo, hi, 0.1], length=7.6, color=COLORS.muted, include_numbers=False)
        self.line.move_to([-2.4, LANE_TOP - LANE_STEP * k - 0.05, 0])
        self.line.numbers = tick_labels(
            self.line,
            np.round(np.arange(np.ceil(lo / 0.2 - 1e-9) * 0.2, hi + 0.05, 0.2), 1) + 0.0,
            FS.small,
            fmt="{:.1f}",
        )  # every other tick: the labels need the room
        self.line.add(self.line.numbers)
        self.ys = [LANE_TOP - LANE_STEP * j for j in range(k)]
        names = VGroup(
            *[
                label(f"P{j + 1}", FS.small, COLORS.byzantine if self.byz[j] else COLORS.honest).move_to(
                    [self.x(lo) - 0.45, y, 0]
                )
                for j, y in enumerate(self.ys)
            ]
        )
        top, bot = self.ys[0] + 0.35, self.line.get_center()[1]
        band = Rectangle(
            width=self.x(self.mu + self.eps / 3) - self.x(self.mu - self.eps / 3),
            height=top - bot,
            fill_color=COLORS.true_value,
            fill_opacity=0.13,
            stroke_width=0,
        )
        band.move_to([self.x(self.mu), (top + bot) / 2, 0])
        truth = DashedLine(
            [self.x(self.mu), bot, 0],
            [self.x(self.mu), top, 0],
            color=COLORS.true_value,
            stroke_width=3,
            dash_length=0.08,
        )
        truth_lab = label(rf"$\mu$ = {self.mu:.2f}", FS.tiny, COLORS.true_value).next_to(
            truth.get_top(), LEFT, buff=0.1
        )
        truth_lab.shift(UP * 0.17)  # above the test window's top edge
        # right panel: the network and the rules
        self.ring = PeerRing(k, 1, (5.3, 2.0), 0.85, memory=False, node_color=COLORS.honest, byzantine=self.byz)
        rule = VGroup(
            label("$p$ blacklists $q$ when", FS.tiny, COLORS.text),
            label(r"$|\hat\mu(p) - \hat\mu(q)| > 2\varepsilon/3$", FS.tiny, COLORS.text),
            label("on any source", FS.tiny, COLORS.text),
            label(rf"$2\varepsilon/3$ = {2 * self.eps / 3:.3f}", FS.tiny, COLORS.threshold),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.06)
        key = legend(
            [
                (r"honest estimate $\pm\,\varepsilon/3$", swatch_source(False)),
                ("Byzantine report", swatch_source(True)),
                (r"truth $\pm\,\varepsilon/3$", swatch_box(COLORS.true_value).set_opacity(0.5)),
                (r"test window $\pm\,2\varepsilon/3$", swatch_box(COLORS.threshold).set_opacity(0.4)),
                ("surviving average", marker("mean", COLORS.estimate, 0.08)),
                ("blacklisted edge", swatch_blacklisted("edge")),
            ],
            FS.tiny,
        )
        side(self.ring, rule, key, info, top=self.ring.get_top()[1], buff=0.18)
        self.phase = label("attack: reports shifted by a constant", FS.small, COLORS.text)
        self.phase.move_to([-2.4, self.line.get_center()[1] - 0.85, 0])
        for m in (self.ring.nodes, self.ring.names, self.ring.edge_group):
            m.is_side = True  # the ring moves with the side column
        self.layout = [
            head,
            self.line,
            names,
            band,
            truth,
            truth_lab,
            rule,
            key,
            info,
            self.ring.nodes,
            self.ring.names,
        ]
        self.add(*self.layout, self.ring.edge_group)
        self.freeze_background(*self.layout)
        self.add(self.phase)
        self.phase.set_opacity(0)

    def x(self, v: float) -> float:
        return float(self.line.n2p(float(v))[0])

    # -- steps -------------------------------------------------------------------
    def show_estimates(self, tr):
        est = np.asarray(tr["estimates"])[:, self.i]
        w = self.x(self.eps / 3) - self.x(0)
        self.est_dots, bars = VGroup(), VGroup()
        for j in self.hon:
            y = self.ys[j]
            bars.add(Line([self.x(est[j]) - w, y, 0], [self.x(est[j]) + w, y, 0], color=COLORS.honest, stroke_width=3))
            self.est_dots.add(source(False, 0.08).move_to([self.x(est[j]), y, 0]))
        self.play(FadeIn(bars), FadeIn(self.est_dots), run_time=self.seconds(self.pace.event_round))
        self.bars = bars

    def attack(self, tr, a, first):
        """The Byzantine reports of attack a, then each honest observer's 2 eps/3 window in turn."""
        strategies = tr.meta["strategies"]
        text = {
            "shift": f"attack: every report shifted by {tr.params['shift']:g}",
            "just_inside": r"attack: just inside $2\varepsilon/3$ of each receiver",
            "random": "attack: random reports",
            "equivocate": "attack: equivocation",
        }[strategies[a]]
        new_phase = label(text, FS.small, COLORS.byzantine).move_to(self.phase).set_opacity(0)
        self.remove(self.phase)
        self.phase = new_phase
        self.add(new_phase)
        self.play(FadeInPlace(new_phase), run_time=self.seconds(0.8))
        rep = np.asarray(tr["reports"])[a, :, :, self.i]
        bl = np.asarray(tr["blacklist"])[a]
        est = np.asarray(tr["estimates"])[:, self.i]
        half = self.x(2 * self.eps / 3) - self.x(0)
        top, bot = self.ys[0] + 0.3, self.ys[-1] - 0.3
        window = Rectangle(
            width=2 * half,
            height=top - bot,
            fill_color=COLORS.threshold,
            fill_opacity=0.16,
            stroke_color=COLORS.threshold,
            stroke_width=2,
        )
        o0 = self.hon[0]
        window.move_to([self.x(est[o0]), (top + bot) / 2, 0])
        byz = np.flatnonzero(self.byz)
        self.cut_edges = getattr(self, "cut_edges", VGroup())
        dots = VGroup(*[source(True, 0.09).move_to([self.x(rep[o0, b]), self.ys[b], 0]) for b in byz])
        self.add(window)
        self.bring_to_front(self.bars, self.est_dots)  # the estimates stay on top of the window
        self.play(FadeIn(window), FadeIn(dots), run_time=self.seconds(self.pace.event_round))
        self.marks = VGroup()
        for step, o in enumerate(self.hon):
            if step:
                moves = {m: np.array([self.x(rep[o, b]), self.ys[b], 0]) for m, b in enumerate(byz)}
                self.play(
                    Morph(VGroup(window), {0: np.array([self.x(est[o]), (top + bot) / 2, 0])}),
                    Morph(dots, moves),
                    run_time=self.seconds(self.pace.round),
                )
            pairs = [(int(o), int(b)) for b in byz if bl[o, b]]
            if pairs:
                crosses = VGroup(*[blacklist_cross(dots[m], 0.22) for m, b in enumerate(byz) if bl[o, b]])
                dashed, hide = self.ring.cut(pairs)  # blacklisted: grey dashed edges, as in every scene
                self.cut_edges.add(*dashed)
                self.add(dashed)
                self.play(
                    Restyle(hide), FadeInKeep(dashed), FadeIn(crosses), run_time=self.seconds(self.pace.round * 0.6)
                )
                self.play(FadeOutPlace(crosses), run_time=self.seconds(0.3))
            if step == 0 and first:
                self.key_frame(
                    "pair_test", notes=f"Observer P{o + 1}: is each report within 2 eps/3 of its own estimate?"
                )
                self.hold()
        if first:
            self.key_frame(
                "blacklisted",
                notes="Every honest peer blacklisted the shifted reports; no honest pair exceeds 2 eps/3.",
            )
            self.hold()
        self.window, self.byz_dots = window, dots

    def surviving_average(self, tr, a):
        o = self.hon[0]
        f = float(np.asarray(tr["final"])[a, o, self.i])
        y = self.ys[0] + 0.6
        self.marker = marker("mean", COLORS.estimate, 0.09).move_to([self.x(f), y, 0])
        self.marker_lab = label(f"P{o + 1}'s average {f:.3f}", FS.tiny, COLORS.estimate)
        self.marker_lab.next_to(self.marker, RIGHT, buff=0.12)
        self.play(FadeIn(self.marker), FadeIn(self.marker_lab), run_time=self.seconds(self.pace.event_round))

    def reset(self, tr):
        edges = [e for e in self.ring.edges.values()]
        # the first attack's average goes too: the next key frame shows no stale marker
        self.play(
            FadeOutPlace(VGroup(self.window, self.byz_dots, self.marker_lab, self.marker, self.cut_edges)),
            Restyle({e: (COLORS.grid, 1.5, 1.0) for e in edges}),
            run_time=self.seconds(0.8),
        )
        self.cut_edges = VGroup()

    def show_bias(self, tr, a0, a1):
        o = self.hon[0]
        fin = np.asarray(tr["final"])
        _f0, f1 = float(fin[a0, o, self.i]), float(fin[a1, o, self.i])
        y = self.ys[0] + 0.6
        self.marker = self.marker.copy().move_to([self.x(f1), y, 0]).set_opacity(0)
        self.add(self.marker)
        self.play(FadeInPlace(self.marker), run_time=self.seconds(self.pace.event_round))
        self.marker.set_stroke(opacity=1)
        arrow = Arrow(
            [self.x(self.mu), y + 0.32, 0],
            [self.x(f1), y + 0.32, 0],
            buff=0,
            color=COLORS.byzantine,
            stroke_width=4,
            max_tip_length_to_length_ratio=0.25,
        )
        bias = f1 - self.mu
        f = int(self.byz.sum())
        S = int((~np.asarray(tr["blacklist"])[a1, o]).sum())
        lab = label(
            rf"bias {bias:+.3f} from $\mu$; the attack's share $f/|S| \cdot (2\varepsilon/3 - \mathrm{{margin}})$ = "
            f"{f / S * (2 * self.eps / 3 - tr.params['margin']):.3f}".replace("-0", "−0"),
            FS.tiny,
            COLORS.byzantine,
        )
        lab.next_to(arrow, UP, buff=0.08)
        if lab.get_left()[0] < -6.9:
            lab.shift(RIGHT * (-6.9 - lab.get_left()[0]))
        self.play(FadeIn(arrow), FadeIn(lab), run_time=self.seconds(self.pace.event_round))

    def conclusion(self, tr):
        f, k = int(self.byz.sum()), self.k
        self.play(FadeOutPlace(self.phase), run_time=self.seconds(0.4))
        return (
            "2\u03b5/3 stops the loud liar; the quiet one survives and shifts every average "
            f"by about f/k\u00b72\u03b5/3 = {f / k * 2 * self.eps / 3:.3f}"
        )
