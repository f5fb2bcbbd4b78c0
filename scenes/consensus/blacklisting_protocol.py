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
from scenes.claims import Claim, first_true, plain
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


def signed(x: float) -> str:
    """A signed distance as the scene writes it everywhere (one format: the numbers of one quantity agree)."""
    return f"{x:+.3f}".replace("-", "\u2212")


class BlacklistingProtocol(StudioScene):
    trace_spec = TraceSpec("error_bounded", seed=2, params=dict(SEED_BLACKLISTING))
    draws = {
        "n_sources": (1, 100),
        "n_peers": (6, 9),  # below 6 the default byz_fraction 1/6 gives no Byzantine peer to show
        "shift": (-10, 10),
        "C": (0, 100),
    }  # what the scene can draw (StudioScene.draws)
    key_frames = ("initial", "pair_test", "blacklisted", "just_inside", "bias", "conclusion")
    paper_stills = ("pair_test", "blacklisted", "bias")
    pace = Pace(round=1.2, event_round=2.0, key_hold=2.0, intro_hold=2.5, end_hold=3.0)
    # other runs the words are checked on (tests/test_scenes_narration.py): other seeds, a smaller eps, a
    # larger network with three Byzantine peers (an honest pair is cut there: the false positive is said)
    claim_checks = ({"seed": 5}, {"seed": 9, "eps": 0.3}, {"seed": 3, "n_peers": 9, "byz_fraction": 0.34})

    def construct(self):
        tr = self.trace
        self.build_layout(tr)
        self.opening(caption=self.opening_claim(tr), prompt=self.opening_prompt())
        self.show_truth()
        self.show_estimates(tr)
        self.caption(self.within_claim(tr))
        self.slide_break()
        self.hold()
        strategies = tr.meta["strategies"]
        a0 = strategies.index("shift") if "shift" in strategies else 0
        self.a0 = a0
        self.attack(tr, a0, first=True)
        self.surviving_average(tr, a0)
        self.slide_break()
        self.hold()
        a1 = strategies.index("just_inside") if "just_inside" in strategies else None
        if a1 is not None and a1 != a0:
            self.a1 = a1
            self.reset(tr)
            self.attack(tr, a1, first=False)
            self.key_frame("just_inside", self.just_inside_claim(tr, a1), prompt=self.just_inside_prompt())
            self.hold()
            self.show_bias(tr, a0, a1)
            self.key_frame("bias", self.bias_claim(tr, a0, a1), prompt=self.bias_prompt(tr, a1))
            self.hold()
            line = self.conclusion(tr, a0, a1)
        else:
            line = self.conclusion_one(tr, a0)
        self.clear_bottom()
        self.conclude(line)
        self.key_frame("conclusion", line, prompt=self.closing_prompt())

    # -- layout ----------------------------------------------------------------
    def build_layout(self, tr):
        p, meta = tr.params, tr.meta
        est, mu = np.asarray(tr["estimates"]), np.asarray(tr["mu"])
        self.byz = np.asarray(tr["is_byzantine"])
        self.hon = np.flatnonzero(~self.byz)
        k, n = est.shape
        self.k, self.n, self.f, self.eps = k, n, int(self.byz.sum()), p["eps"]
        self.o = int(self.hon[0])  # the observer whose test and average are shown
        spread = est[self.hon].max(axis=0) - est[self.hon].min(axis=0)
        self.i = int(np.argmax(spread))  # the source shown: the widest honest spread
        self.mu = float(mu[self.i])
        rep = np.asarray(tr["reports"])[:, :, :, self.i]
        fin = np.asarray(tr["final"])[:, self.hon, self.i]
        lo = min(self.mu - p["eps"], float(rep.min()) - 0.05, float(fin.min()) - 0.05)
        hi = max(self.mu + p["eps"], float(rep.max()) + 0.05, float(fin.max()) + 0.05)
        lo, hi = np.floor(lo * 10) / 10, np.ceil(hi * 10) / 10
        head = title("Error-bounded blacklisting")
        info = params_line(  # short lines: the side column stays narrow, clear of the number line
            f"$k$ = {k} peers, $f$ = {self.f}",
            f"$n$ = {n} sources ({self.i + 1} shown)",
            rf"$m$ = {meta['m']} queries, $\varepsilon$ = {p['eps']:g}",
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
        self.truth = VGroup(band, truth, truth_lab)
        # right panel: the network and the rules
        self.ring = PeerRing(k, 1, (5.3, 2.0), 0.72, memory=False, node_color=COLORS.honest, byzantine=self.byz)
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
        side(self.ring, rule, key, info, top=self.ring.get_top()[1], buff=0.14)
        self.info = info
        self.phase = label("attack: reports shifted by a constant", FS.small, COLORS.text)
        self.phase.move_to([-2.4, self.line.get_center()[1] - 0.85, 0])
        for m in (self.ring.nodes, self.ring.names, self.ring.edge_group, *self.ring.edges.values()):
            m.is_side = True  # the ring moves with the side column (each edge: restyles regroup them)
        self.layout = [head, self.line, names, rule, key, info, self.ring.nodes, self.ring.names]
        self.add(*self.layout, self.ring.edge_group)
        self.freeze_background(*self.layout)
        self.add(self.phase)
        self.phase.set_opacity(0)
        # the symbols, defined where the estimates will be (the lanes are empty at the opening)
        self.defs = self.define("k", "f", "n", "ε", "μ", "μ̂", size=FS.small)
        self.defs.move_to([-2.2, (self.ys[0] + self.ys[-1]) / 2, 0])
        if not self.figure_mode:
            self.add(self.defs)

    def x(self, v: float) -> float:
        return float(self.line.n2p(float(v))[0])

    # -- steps -------------------------------------------------------------------
    def show_truth(self):
        """The definitions give way to the truth of the source shown and its eps/3 band."""
        self.play(FadeOutPlace(self.defs), run_time=self.seconds(0.6))
        self.add(self.truth)
        self.bring_to_front(self.phase)
        self.play(FadeIn(self.truth), run_time=self.seconds(0.8))

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
                for e in dashed:
                    e.is_side = True  # with the ring, in a single-column figure too
                self.cut_edges.add(*dashed)
                self.add(dashed)
                self.play(
                    Restyle(hide), FadeInKeep(dashed), FadeIn(crosses), run_time=self.seconds(self.pace.round * 0.6)
                )
                self.play(FadeOutPlace(crosses), run_time=self.seconds(0.3))
            if step == 0 and first:
                self.key_frame(
                    "pair_test",
                    self.pair_claim(tr, a, int(o)),
                    prompt=plain("Point at the shaded window: the observer's own estimate ± 2ε/3. Outside it: cut."),
                )
                self.hold()
        if first:
            self.key_frame("blacklisted", self.blacklisted_claim(tr, a), prompt=self.blacklisted_prompt(tr, a))
            self.hold()
        self.window, self.byz_dots = window, dots

    def surviving_average(self, tr, a):
        f = float(np.asarray(tr["final"])[a, self.o, self.i])
        y = self.ys[0] + 0.75  # clear of the truth's label
        self.marker = marker("mean", COLORS.estimate, 0.09).move_to([self.x(f), y, 0])
        self.marker_lab = label(rf"P{self.o + 1}'s average: {signed(f - self.mu)} from $\mu$", FS.tiny, COLORS.estimate)
        self.marker_lab.next_to(self.marker, RIGHT, buff=0.12)
        self.caption(self.average_claim(tr, a))
        self.play(FadeIn(self.marker), FadeIn(self.marker_lab), run_time=self.seconds(self.pace.event_round))

    def reset(self, tr):
        """The first attack's window, reports and cuts go; its average stays, muted, for the comparison."""
        edges = [e for e in self.ring.edges.values()]
        e0 = self.error(tr, self.a0)
        ghost = label(rf"loud liar: {signed(e0)} from $\mu$", FS.tiny, COLORS.muted)
        ghost.move_to(self.marker_lab, aligned_edge=LEFT).set_opacity(0)
        self.add(ghost)
        self.play(
            FadeOutPlace(VGroup(self.window, self.byz_dots, self.cut_edges, self.marker_lab)),
            Restyle({e: (COLORS.grid, 1.5, 1.0) for e in edges}),
            run_time=self.seconds(0.8),
        )
        self.play(
            self.marker.animate.set_fill(COLORS.muted).set_stroke(COLORS.muted),
            FadeInPlace(ghost),
            run_time=self.seconds(0.6),
        )
        self.ghost = ghost
        self.cut_edges = VGroup()

    def show_bias(self, tr, a0, a1):
        f1 = float(np.asarray(tr["final"])[a1, self.o, self.i])
        e1 = f1 - self.mu
        y = self.ys[0] + 1.2
        new = marker("mean", COLORS.estimate, 0.09).move_to([self.x(f1), y, 0])
        lab = label(rf"quiet liar: {signed(e1)} from $\mu$", FS.tiny, COLORS.estimate)
        lab.next_to(new, RIGHT if e1 >= 0 else LEFT, buff=0.12)
        x0, x1 = self.x(self.mu), self.x(f1)
        anims = [FadeIn(new), FadeIn(lab)]
        if abs(x1 - x0) > 0.15:  # the distance from mu, drawn (a ruler from the truth to the average)
            arrow = Arrow(
                [x0, y, 0],
                [x1 - np.sign(x1 - x0) * 0.1, y, 0],
                buff=0,
                color=COLORS.byzantine,
                stroke_width=4,
                max_tip_length_to_length_ratio=0.3,
            )
            anims.append(FadeIn(arrow))
        self.play(*anims, run_time=self.seconds(self.pace.event_round))
        self.bias_label = lab

    def clear_bottom(self):
        """The conclusion's band covers the bottom of the frame: what is written there leaves first."""
        from manim import config

        self.thaw_background()
        band_top = -config.frame_height / 2 + 1.3
        low = [m for m in (self.info, self.phase) if m.get_bottom()[1] < band_top]
        low += [r for r in self.layout[4] if r.get_bottom()[1] < band_top]  # legend rows under the band
        self.play(*[FadeOutPlace(m) for m in low], run_time=self.seconds(1.0))  # a slide of its own

    # -- the quantities on screen, each bound from the trace once ------------------------------------------
    def error(self, tr, a: int) -> float:
        """The error of the first honest observer's surviving average on the source shown: final - mu."""
        return float(np.asarray(tr["final"])[a, self.o, self.i]) - self.mu

    def says_error(self, tr, a: int, shown: str) -> bool:
        """Whether ``shown`` is the error of the observer's average under attack a, as the scene writes it."""
        return shown == signed(self.error(tr, a))

    def byz_cut(self, tr, a: int) -> np.ndarray:
        """(honest observer, Byzantine reporter): blacklisted under attack a."""
        return np.asarray(tr["blacklist"])[a][np.ix_(self.hon, np.flatnonzero(self.byz))]

    def honest_cut(self, tr, a: int) -> int:
        """Honest pairs blacklisted (observer, reporter) under attack a: false positives."""
        return int(np.asarray(tr["blacklist"])[a][np.ix_(self.hon, self.hon)].sum())

    # -- the words, each bound from the trace with what it asserts ------------------------------------------
    def opening_claim(self, tr) -> Claim:
        k, f, n, m = self.k, self.f, self.n, int(tr.meta["m"])
        return Claim(
            "{k} peers, {f} of them Byzantine, estimate {n} sources from {m} noisy queries each. "
            "Source {src} is shown.",
            k=k,
            f=f,
            n=n,
            m=m,
            src=self.i + 1,
            holds=lambda: (
                np.asarray(tr["estimates"]).shape == (k, n)
                and int(np.asarray(tr["is_byzantine"]).sum()) == f
                and bool((np.asarray(tr["queries"]) == n * m).all())
            ),
            says="k peers, f Byzantine, n sources, n m queries per peer",
        )

    @staticmethod
    def opening_prompt() -> Claim:
        return plain(
            "Read the symbols once. The promise: with enough queries every honest estimate is within ε/3 of μ."
        )

    def within_claim(self, tr) -> Claim:
        est = np.asarray(tr["estimates"])[self.hon, self.i]
        close = np.abs(est - self.mu) <= self.eps / 3
        vals = dict(src=self.i + 1, e3=f"{self.eps / 3:.3f}", c=int(close.sum()), h=self.hon.size)
        return first_true(
            Claim(
                "Every honest estimate of source {src} lies within ε/3 = {e3} of the truth μ.",
                holds=lambda: bool(close.all()),
                says="all honest estimates of the source shown within eps/3 of mu",
                **vals,
            ),
            Claim(
                "{c} of the {h} honest estimates of source {src} lie within ε/3 = {e3} of the truth μ.",
                holds=lambda: int(close.sum()) == vals["c"],
                says="c honest estimates within eps/3",
                **vals,
            ),
        )

    def pair_claim(self, tr, a: int, o: int) -> Claim:
        byz = np.flatnonzero(self.byz)
        rep = np.asarray(tr["reports"])[a, o, byz, self.i]
        dist = np.abs(rep - float(np.asarray(tr["estimates"])[o, self.i]))
        cut = np.asarray(tr["blacklist"])[a, o, byz]
        thr = 2 * self.eps / 3
        vals = dict(p=o + 1, d=f"{float(dist.min()):.3f}", thr=f"{thr:.3f}")
        return first_true(
            Claim(
                "P{p} blacklists the shifted report: it is {d} from P{p}'s own estimate, more than 2ε/3 = {thr}.",
                holds=lambda: bool(cut.all() and (dist > thr).all()),
                says="every Byzantine report to the observer is beyond 2eps/3 on the source shown, and blacklisted",
                **vals,
            ),
            Claim(
                "P{p} blacklists the shifted report: within 2ε/3 = {thr} here, beyond it on another source.",
                holds=lambda: bool(cut.all() and (dist <= thr).any()),
                says="blacklisted for another source",
                **vals,
            ),
            Claim(
                "P{p} keeps the shifted report: on every source it is within 2ε/3 = {thr} of P{p}'s estimate.",
                holds=lambda: not bool(cut.any()),
                says="no Byzantine report blacklisted by the observer",
                **vals,
            ),
            Claim(
                "P{p} blacklists {c} of the {f} shifted reports.",
                c=int(cut.sum()),
                f=byz.size,
                p=o + 1,
                holds=lambda: True,
                says="a count from the trace",
            ),
        )

    def blacklisted_claim(self, tr, a: int) -> Claim:
        bz = self.byz_cut(tr, a)
        fp = self.honest_cut(tr, a)
        vals = dict(who="the Byzantine peer" if self.f == 1 else f"all {self.f} Byzantine peers")
        vals.update(c=int(bz.sum()), t=bz.size, x=fp)
        return first_true(
            Claim(
                "Every honest peer blacklisted {who}, and no honest peer was blacklisted.",
                holds=lambda: bool(bz.all()) and fp == 0,
                says="all honest-Byzantine pairs cut, no honest pair",
                **vals,
            ),
            Claim(
                "Every honest peer blacklisted {who}, but {x} honest pairs were cut too: a false positive.",
                holds=lambda: bool(bz.all()) and fp > 0,
                says="all honest-Byzantine pairs cut, and x honest pairs",
                **vals,
            ),
            Claim(
                "{c} of the {t} honest–Byzantine pairs were cut, and {x} honest pairs.",
                holds=lambda: True,
                says="counts from the trace",
                **vals,
            ),
        )

    def blacklisted_prompt(self, tr, a: int) -> Claim:
        est = np.asarray(tr["estimates"])[self.hon]
        inside = (np.abs(est - np.asarray(tr["mu"])) <= self.eps / 3).all(axis=1)
        fp = self.honest_cut(tr, a)
        return first_true(
            Claim(
                "Say why no honest pair is cut: two estimates within ε/3 of μ differ by at most 2ε/3.",
                holds=lambda: fp == 0,
                says="no honest pair cut",
            ),
            Claim(
                "Say the limit: only {c} of the {h} honest peers are within ε/3 on every source, so honest pairs "
                "can be cut.",
                c=int(inside.sum()),
                h=self.hon.size,
                holds=lambda: fp > 0 and not bool(inside.all()),
                says="honest pairs cut, and some honest estimate outside eps/3",
            ),
            Claim("Say the limit: honest pairs were cut here.", holds=lambda: fp > 0, says="honest pairs cut"),
        )

    def average_claim(self, tr, a: int) -> Claim:
        kept = ~np.asarray(tr["blacklist"])[a, self.o]
        kept[self.o] = False
        honest_only = not bool(kept[self.byz].any())
        vals = dict(p=self.o + 1, s=int(kept.sum()), e=signed(self.error(tr, a)))
        return first_true(
            Claim(
                "P{p} averages its own estimate and the {s} honest reports it kept: {e} from μ.",
                holds=lambda: honest_only,
                says="the observer kept no Byzantine report",
                **vals,
            ),
            Claim(
                "P{p} averages its own estimate and the {s} reports it kept: {e} from μ.",
                holds=lambda: True,
                says="a count from the trace",
                **vals,
            ),
        )

    def just_inside_claim(self, tr, a: int) -> Claim:
        byz = np.flatnonzero(self.byz)
        rep = np.asarray(tr["reports"])[a][np.ix_(self.hon, byz)]  # (honest, byz, source)
        est = np.asarray(tr["estimates"])[self.hon][:, None, :]
        d = 2 * self.eps / 3 - float(tr.params["margin"])
        above = np.allclose(rep - est, d, atol=1e-9)
        none = not bool(self.byz_cut(tr, a).any())
        vals = dict(d=f"{d:.3f}", thr=f"{2 * self.eps / 3:.3f}")
        return first_true(
            Claim(
                "The quiet liar tells each peer its own estimate plus {d}, just inside 2ε/3 = {thr}: "
                "nobody blacklists it.",
                holds=lambda: above and none,
                says="every report = receiver's estimate + d on every source, none blacklisted",
                **vals,
            ),
            Claim(
                "The quiet liar tells each peer its own estimate plus {d}, just inside 2ε/3 = {thr}.",
                holds=lambda: above,
                says="every report = receiver's estimate + d",
                **vals,
            ),
        )

    @staticmethod
    def just_inside_prompt() -> Claim:
        return plain("Point at the triangles: each sits just inside its receiver's window, tailored to that peer.")

    def bias_claim(self, tr, a0: int, a1: int) -> Claim:
        e0, e1 = self.error(tr, a0), self.error(tr, a1)
        none = not bool(self.byz_cut(tr, a1).any())
        vals = dict(p=self.o + 1, e0=signed(e0), e1=signed(e1))
        right = self.says_error(tr, a0, vals["e0"]) and self.says_error(tr, a1, vals["e1"])
        return first_true(
            Claim(
                "Never blacklisted, it moves P{p}'s average from {e0} to {e1} off μ.",
                holds=lambda: right and none and abs(e1) > abs(e0),
                says="no quiet report blacklisted, and the observer's average further from mu than under the loud one",
                **vals,
            ),
            Claim(
                "Never blacklisted; P{p}'s average is {e1} off μ, against {e0} with the loud liar caught.",
                holds=lambda: right and none,
                says="no quiet report blacklisted",
                **vals,
            ),
            Claim(
                "P{p}'s average is {e1} off μ, against {e0} with the loud liar.",
                holds=lambda: right,
                says="the errors of the trace",
                **vals,
            ),
        )

    def bias_prompt(self, tr, a1: int) -> Claim:
        kept = int((~np.asarray(tr["blacklist"])[a1, self.o]).sum())
        return Claim(
            "Say the number, {e1}: of the {s} values P{p} averages, the liar sent {f}.",
            e1=signed(self.error(tr, a1)),
            f=self.f,
            s=kept,
            p=self.o + 1,
            holds=lambda: not bool(np.asarray(tr["blacklist"])[a1, self.o, self.byz].any()),
            says="the observer kept every Byzantine report",
        )

    def conclusion(self, tr, a0: int, a1: int) -> Claim:
        e0, e1 = self.error(tr, a0), self.error(tr, a1)
        loud = bool(self.byz_cut(tr, a0).all())
        quiet = not bool(self.byz_cut(tr, a1).any())
        vals = dict(p=self.o + 1, e0=signed(e0), e1=signed(e1))
        right = self.says_error(tr, a0, vals["e0"]) and self.says_error(tr, a1, vals["e1"])
        return first_true(
            Claim(
                "2ε/3 catches the loud liar; the quiet one passes every test and moves P{p}'s average "
                "from {e0} to {e1} off μ",
                holds=lambda: right and loud and quiet and abs(e1) > abs(e0),
                says="loud attacker cut by every honest peer, quiet one by none, the observer's error grows",
                **vals,
            ),
            Claim(
                "The quiet liar passes every test: P{p}'s average is {e1} off μ, against {e0} with the loud liar",
                holds=lambda: right and quiet,
                says="quiet attacker cut by nobody",
                **vals,
            ),
            Claim(
                "P{p}'s average: {e1} off μ with the quiet liar, {e0} with the loud one",
                holds=lambda: right,
                says="the errors of the trace",
                **vals,
            ),
        )

    def conclusion_one(self, tr, a0: int) -> Claim:
        return Claim(
            "P{p}'s average ends {e} from μ",
            p=self.o + 1,
            e=signed(self.error(tr, a0)),
            holds=lambda: True,
            says="the error of the trace",
        )

    @staticmethod
    def closing_prompt() -> Claim:
        return plain("Transition: with bits instead of noisy numbers, a lie can be checked exactly: consensus.")
