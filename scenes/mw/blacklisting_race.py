"""BlacklistingRace: honest and Byzantine weights racing down a log axis toward tau (Knowlson et al., Fig. 5).

Replays one trial of a ``blacklisting_cell`` trace (one cell of the
verification sweep): every round each source's weight curve grows by one
segment; the theoretical T = ceil((1/eta) ln(1/tau)) is marked from the start;
a source whose weight falls below tau is blacklisted and drops out (its curve
greys, its head becomes a cross); the empirical T is marked when the average
Byzantine weight crosses tau.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, AnimationGroup, Axes, Create, DashedLine, FadeIn, Line, Rectangle, VGroup

from kit.traces import TraceSpec
from scenes.base import Pace, StudioScene, reading_time
from scenes.claims import Claim, first_true, plain
from scenes.mw.narration import wrapped_definitions
from scenes.pieces import (
    BLACKLISTED_OPACITY,
    COLORS,
    FS,
    FadeInPlace,
    FadeOutPlace,
    Number,
    blacklist_cross,
    counter,
    label,
    legend,
    math,
    params_line,
    side,
    source,
    swatch_blacklisted,
    swatch_line,
    swatch_source,
    tick_labels,
    title,
)
from scenes.pieces.layout import SIDE_BUFF

CAPTION_EVERY = 6.0  # seconds: a running caption when the last one is older and has been read


def _count(text: str, value: int, color) -> VGroup:
    """A label and a Number (set_value once per change)."""
    num = Number(value, places=0, size=FS.label, color=color)
    g = VGroup(label(text, FS.small, color), num).arrange(RIGHT, buff=0.15)
    g.number = num
    return g


# -- the words, each bound from the trace with what it asserts (module functions: the tests call them) ------------
def caught_round(tr) -> int | None:
    """The first round r at which every Byzantine weight is below τ (w[byz, r] < τ), None if no round of the run."""
    w, byz, tau = np.asarray(tr["weights"]), np.asarray(tr["is_byzantine"], bool), tr.params["tau"]
    below = (w[byz] < tau).all(0)
    return int(np.argmax(below)) if below.any() else None


def honest_out(tr, r: int) -> int:
    """Honest sources blacklisted (weight below τ) by round r: the false positives."""
    black, byz = np.asarray(tr["blacklisted_at"]), np.asarray(tr["is_byzantine"], bool)
    return int(np.sum((black > 0) & (black <= r) & ~byz))


def caught_claim(tr, r: int, byz_left: int | None = None) -> Claim:
    """Round r's key-frame subtitle: "caught" only when every Byzantine weight is below τ at round r (and the panel,
    ``byz_left``, reads 0); else how many are still at or above it."""
    w, byz, tau = np.asarray(tr["weights"]), np.asarray(tr["is_byzantine"], bool), tr.params["tau"]
    T, f = int(tr.meta["T_theory"]), int(byz.sum())
    above = int(np.sum(w[byz, r] >= tau))
    h, nh = honest_out(tr, r), int((~byz).sum())
    all_below = bool((w[byz, r] < tau).all()) and (byz_left is None or byz_left == 0)
    vals = dict(r=r, f=f, T=T, d=T - r, h=h, nh=nh, k=above)
    bound = "within" if r <= T else "after"
    return first_true(
        Claim(
            "Round {r}: every Byzantine weight is below τ, all {f} caught, " + bound + " the bound T = {T}.",
            holds=lambda: all_below and h == 0 and (r <= T) == (bound == "within"),
            says="every Byzantine weight < tau at round r, the panel reads 0 left, no honest source out yet",
            **vals,
        ),
        Claim(
            "Round {r}: every Byzantine weight is below τ, all {f} caught, " + bound + " the bound T = {T}; "
            "{h} of {nh} honest are out too.",
            holds=lambda: all_below and h > 0 and (r <= T) == (bound == "within"),
            says="every Byzantine weight < tau at round r, the panel reads 0 left, h honest out by round r",
            **vals,
        ),
        Claim(
            "Round {r}: {k} of {f} Byzantine weights are still at or above τ.",
            holds=lambda: above > 0 and int(np.sum(w[byz, r] >= tau)) == above,
            says="k Byzantine weights >= tau at round r",
            **vals,
        ),
    )


def final_claim(tr, honest_left: int | None = None) -> Claim:
    """The last round: the honest sources that fell below τ (false positives), as the panel shows them."""
    byz = np.asarray(tr["is_byzantine"], bool)
    R, nh = tr.params["rounds"], int((~byz).sum())
    h = honest_out(tr, R)
    panel_ok = honest_left is None or honest_left == nh - h
    rounds = sorted({int(b) for b in np.asarray(tr["blacklisted_at"])[~byz] if b > 0})
    listed = len(rounds) <= 3
    return first_true(
        Claim(
            "Round {R}: {h} of {nh} honest weights fell below τ too, in round {at}: a false positive.",
            R=R,
            h=h,
            nh=nh,
            at=", ".join(map(str, rounds)),
            holds=lambda: h == 1 and panel_ok and listed,
            says="one honest source blacklisted, the panel agrees",
        ),
        Claim(
            "Round {R}: {h} of {nh} honest weights fell below τ too, in rounds {at}: false positives.",
            R=R,
            h=h,
            nh=nh,
            at=", ".join(map(str, rounds)),
            holds=lambda: h > 1 and panel_ok and listed,
            says="h honest sources blacklisted, the panel agrees",
        ),
        Claim(
            "Round {R}: {h} of {nh} honest weights fell below τ too, from round {at}: false positives.",
            R=R,
            h=h,
            nh=nh,
            at=rounds[0] if rounds else 0,
            holds=lambda: h > 0 and panel_ok,
            says="h honest sources blacklisted, the first in round at, the panel agrees",
        ),
        Claim(
            "Round {R}: all {nh} honest weights stayed above τ.",
            R=R,
            nh=nh,
            holds=lambda: h == 0 and panel_ok and bool((np.asarray(tr["weights"])[~byz, R] >= tr.params["tau"]).all()),
            says="no honest weight below tau at the end",
        ),
    )


def conclusion_claim(tr) -> Claim:
    """The race in one line: when every Byzantine weight was below τ against the bound T, and the honest cost."""
    byz = np.asarray(tr["is_byzantine"], bool)
    R, f, nh, T = tr.params["rounds"], int(byz.sum()), int((~byz).sum()), int(tr.meta["T_theory"])
    rc = caught_round(tr)
    h = honest_out(tr, R)
    left = int(np.sum(np.asarray(tr["weights"])[byz, R] >= tr.params["tau"]))
    vals = dict(f=f, nh=nh, T=T, h=h, R=R, k=left, r=rc if rc is not None else R)
    caught = rc is not None
    return first_true(
        Claim(
            "All {f} Byzantine below τ by round {r}, within T = {T}; {h} of {nh} honest fell too",
            holds=lambda: caught and rc <= T and h > 0,
            says="every Byzantine weight < tau at round r <= T, h honest blacklisted by the end",
            **vals,
        ),
        Claim(
            "All {f} Byzantine below τ by round {r}, within T = {T}; every honest source kept",
            holds=lambda: caught and rc <= T and h == 0,
            says="every Byzantine weight < tau at round r <= T, no honest blacklisted",
            **vals,
        ),
        Claim(
            "All {f} Byzantine below τ only by round {r}, after T = {T}; {h} of {nh} honest fell",
            holds=lambda: caught and rc > T,
            says="every Byzantine weight < tau first at round r > T",
            **vals,
        ),
        Claim(
            "After {R} rounds {k} of {f} Byzantine weights are still at or above τ; {h} honest fell",
            holds=lambda: not caught and left > 0 and h > 0,
            says="some Byzantine weight >= tau at the end",
            **vals,
        ),
        Claim(
            "After {R} rounds {k} of {f} Byzantine weights are still at or above τ; no honest one fell",
            holds=lambda: not caught and left > 0 and h == 0,
            says="some Byzantine weight >= tau at the end",
            **vals,
        ),
    )


class BlacklistingRace(StudioScene):
    trace_spec = TraceSpec(
        "blacklisting_cell",
        seed=4,
        params={
            "eta": 0.1,
            "tau": 0.06,
            "rounds": 50,
            "trials": 200,
            "n_sources": 20,
            "byz_fraction": 0.3,
            "byz_distance": 5.0,
            "c": 1.5,
        },
    )
    draws = {
        "n_sources": (2, 40),
        "rounds": (1, 100),
        "trials": (1, 1000),
        "byz_distance": (-1000, 1000),
        "sigma": (0, 1000),
        "byz_spread": (0, 1000),
    }  # what the scene can draw (StudioScene.draws)
    key_frames = ("initial", "byzantine_caught", "final")
    paper_stills = ("byzantine_caught", "final")
    # 50 rounds: the dull stretch runs fast, the rounds around T and the blacklistings slowly
    pace = Pace(round=0.22, event_round=1.1, key_hold=3.0, intro_hold=2.5, end_hold=3.5, near=2)
    # other runs the words are checked on: other seeds, a slower rate (caught after T or not at all), a closer
    # Byzantine cluster, more sources
    claim_checks = (
        {"seed": 11},
        {"eta": 0.05, "rounds": 60, "seed": 2},
        {"byz_distance": 2.0, "tau": 0.1},
        {"n_sources": 30, "byz_fraction": 0.2, "seed": 5, "trials": 50},
    )

    def construct(self):
        tr = self.trace
        self.build_layout(tr)
        p, f = tr.params, int(np.sum(tr["is_byzantine"]))
        self.opening(
            caption=Claim(
                "{n} sources, {f} of them Byzantine; every weight starts at {one}. Below τ = {tau}, "
                "a source is blacklisted.",
                n=p["n_sources"],
                f=f,
                one=1,
                tau=p["tau"],
                holds=lambda: bool((np.asarray(tr["weights"])[:, 0] == 1).all()) and f == tr.meta["n_byzantine"],
                says="n sources, f Byzantine, all weights 1 at the start",
            ),
            prompt=plain(
                "Read the definitions, then point at the dashed T: a source that loses every round is below τ by "
                "then. Ask: will the Byzantine sources get there first?"
            ),
        )
        self.hide_definitions()
        black = np.asarray(tr["blacklisted_at"])
        rc = caught_round(tr)
        R = p["rounds"]
        self.key_round = rc if rc is not None else R
        self.events = sorted({self.key_round - 1, tr.meta["T_theory"] - 1} | {int(b) - 1 for b in black if b > 0})
        for t in range(R):
            if t + 1 != self.key_round and self.caption_due(CAPTION_EVERY):
                claim = self.round_claim(tr, t)
                stop = self.key_round if t < self.key_round else R  # the next key frame ends the caption
                if sum(self.round_time(k, self.events) for k in range(t, stop)) >= reading_time(claim.text):
                    self.caption(claim)
            self.play_round(tr, t)
            if t + 1 == self.key_round:
                if rc is not None:
                    self.show_caught(tr)
                self.key_frame(
                    "byzantine_caught",
                    caught_claim(tr, self.key_round, self.n_byz_left),
                    prompt=plain(
                        "Point at the last triangle under the τ line and at the dashed T, then at the panel: "
                        "zero Byzantine left."
                    )
                    if rc is not None
                    else plain("Point at the triangles still above the τ line: this run ends before they fall."),
                )
                self.hold()
            elif (t + 1) % 10 == 0:
                self.slide_break()
        self.show_summary(tr)
        self.key_frame(
            "final",
            final_claim(tr, self.n_hon_left),
            prompt=first_true(
                Claim(
                    "Point at the grey honest curves: over {N} trials, {pct}% of honest sources fell like this. "
                    "That is the price of a fixed τ; next, a rule that bounds it.",
                    N=p["trials"],
                    pct=f"{100 * tr.meta['p_honest']:.1f}",
                    holds=lambda: tr.meta["p_honest"] > 0,
                    says="some honest source blacklisted over the trials",
                ),
                plain("No honest source fell in any trial here; next, what happens when the liar is quieter."),
            ),
        )
        self.hold()
        # the conclusion's band covers the round axis: its numbers leave first (the marked rounds stay in the panel)
        self.play(FadeOutPlace(VGroup(self.xt, self.xlab)), run_time=self.seconds(0.6))
        self.conclude(
            conclusion_claim(tr),
            prompt=plain("Say the two numbers: the round every Byzantine weight was below τ, and the honest cost."),
        )

    def round_claim(self, tr, t: int) -> Claim:
        """The running caption at round t (the counter reads t): the two average weights, or who is out."""
        w, byz, tau = np.asarray(tr["weights"]), np.asarray(tr["is_byzantine"], bool), tr.params["tau"]
        black = np.asarray(tr["blacklisted_at"])
        b, h = float(w[byz, t].mean()), float(w[~byz, t].mean())
        byz_out = bool(((black[byz] > 0) & (black[byz] <= t)).all())
        k = honest_out(tr, t)
        vals = dict(r=t, b=f"{b:.2g}", h=f"{h:.2g}", k=k)
        return first_true(
            Claim(
                "Round {r}: every Byzantine source is out; the honest weights average {h}, all above τ.",
                holds=lambda: byz_out and bool((w[~byz, t] >= tau).all()),
                says="all Byzantine blacklisted by round t, every honest weight >= tau",
                **vals,
            ),
            Claim(
                "Round {r}: every Byzantine source is out, and {k} honest so far.",
                holds=lambda: byz_out and k > 0,
                says="all Byzantine blacklisted by round t, k honest blacklisted by round t",
                **vals,
            ),
            Claim(
                "Round {r}: the Byzantine weights have fallen further, average {b} against {h} for the honest.",
                holds=lambda: b < h,
                says="mean Byzantine weight < mean honest weight at round t (all start at 1)",
                **vals,
            ),
            Claim(
                "Round {r}: average weight {b} for the Byzantine, {h} for the honest.",
                holds=lambda: b >= h,
                says="mean Byzantine weight >= mean honest weight at round t",
                **vals,
            ),
        )

    # -- layout ----------------------------------------------------------------
    def build_layout(self, tr):
        p, meta = tr.params, tr.meta
        w = np.asarray(tr["weights"])
        self.log_w = np.log10(w)
        R = p["rounds"]
        ymin = float(np.floor(min(self.log_w.min(), np.log10(p["tau"]) - 0.2) * 2) / 2)
        self.ymin = ymin
        head = title("The blacklisting race")
        # y is log10(w) - ymin, so the round axis sits at the bottom
        self.axes = Axes(
            x_range=[0, R, 10],
            y_range=[0, 0.05 - ymin, 0.5],
            x_length=8.3,
            y_length=4.9,
            axis_config={"color": COLORS.muted, "include_tip": False, "stroke_width": 2},
            x_axis_config={"include_numbers": False},
        )
        self.axes.to_corner(LEFT + DOWN, buff=0.55).shift(RIGHT * 0.5 + UP * 0.35)
        xt = tick_labels(self.axes.x_axis, range(0, R + 1, 10), FS.small)
        yl = VGroup()
        for e in np.arange(0, ymin - 1e-9, -0.5):
            if abs(e - round(e)) < 1e-9:
                tex = label(
                    f"{10.0 ** round(e):g}", FS.small, COLORS.muted
                )  # 1, 0.1, 0.01: numbers in the theme's face
                yl.add(tex.next_to(self.pt(0, e), LEFT, buff=0.15))
        xlab = label("round $t$", FS.small, COLORS.muted).next_to(self.axes.x_axis, DOWN, buff=0.45)
        ylab = label("weight (log scale)", FS.small, COLORS.muted).rotate(np.pi / 2)
        ylab.next_to(self.axes.y_axis, LEFT, buff=0.65)
        ty = np.log10(p["tau"])
        self.tau_line = DashedLine(
            self.pt(0, ty), self.pt(R, ty), color=COLORS.threshold, stroke_width=2.5, dash_length=0.1
        )
        tau_lab = label(r"$\tau$ = {:g}".format(p["tau"]), FS.small, COLORS.threshold)
        tau_lab.next_to(self.pt(1, ty), UP, buff=0.08, aligned_edge=LEFT)
        Tt = meta["T_theory"]
        self.theory = DashedLine(
            self.pt(Tt, ymin), self.pt(Tt, 0.05), color=COLORS.theory, stroke_width=3, dash_length=0.12
        )
        th_lab = VGroup(
            math(r"T=\Big\lceil\tfrac{1}{\eta}\ln\tfrac{1}{\tau}\Big\rceil=", FS.label, COLORS.theory),
            label(str(Tt), FS.small, COLORS.theory),
        ).arrange(RIGHT, buff=0.1)
        th_lab.next_to(self.pt(Tt, 0.05), UP, buff=0.08)
        # the symbols on screen, defined on screen before the race starts (over the still empty plot)
        defs = wrapped_definitions(self, ("n", "τ", "η", "ℓ", "T"), FS.small, 5.2)
        card_bg = Rectangle(
            width=defs.width + 0.4,
            height=defs.height + 0.3,
            fill_color=COLORS.background,
            fill_opacity=1,
            stroke_color=COLORS.muted,
            stroke_width=1.5,
        )
        self.definitions = VGroup(card_bg, defs)
        # clear of the curves' start (round 0, weight 1): from a tenth of the rounds on, under the top
        self.definitions.move_to(self.pt(R * 0.1, -0.08), aligned_edge=UP + LEFT)
        self.is_byz = np.asarray(tr["is_byzantine"])
        self.colors = [COLORS.byzantine if b else COLORS.honest for b in self.is_byz]
        self.heads = VGroup(*[source(bool(b), 0.06).move_to(self.pt(0, 0)) for b in self.is_byz])
        self.curves = VGroup()
        # right panel: parameters, counters, legend
        params = params_line(rf"$\eta$ = {p['eta']:g},  $\tau$ = {p['tau']:g},  $n$ = {p['n_sources']:d}")
        self.round = counter("round", 0, FS.label)
        self.byz_left = _count("Byzantine left:", meta["n_byzantine"], COLORS.byzantine)
        self.hon_left = _count("honest left:", meta["n_honest"], COLORS.honest)
        key = legend(
            [
                ("honest source", swatch_source(False)),
                ("Byzantine source", swatch_source(True)),
                ("blacklisted", swatch_blacklisted()),
                (r"threshold $\tau$", swatch_line(COLORS.threshold, True)),
                (r"theoretical $T$", swatch_line(COLORS.theory, True)),
                ("empirical: all Byzantine < $\\tau$", swatch_line(COLORS.measured)),
            ],
            FS.tiny,
        )
        panel = side(self.round, self.byz_left, self.hon_left, key, params)
        self.panel, self.key, self.params = panel, key, params
        self.segs = [[] for _ in self.colors]
        self.add(
            head,
            self.axes,
            xt,
            yl,
            xlab,
            ylab,
            self.tau_line,
            tau_lab,
            self.curves,
            self.heads,
            panel,
            self.definitions,
        )
        self.theory_parts = VGroup(self.theory, th_lab)
        self.xt, self.xlab = xt, xlab
        self.n_byz_left, self.n_hon_left = meta["n_byzantine"], meta["n_honest"]

    def pt(self, t, log_w):
        """Scene point of round t and log10 weight (the axis runs from ymin up)."""
        return self.axes.c2p(t, log_w - self.ymin)

    # -- one round -------------------------------------------------------------
    def play_round(self, tr, t: int):
        black = np.asarray(tr["blacklisted_at"])
        alive = (black == -1) | (black > t)  # not blacklisted before round t + 1
        segs, moves = [], []
        for i in np.flatnonzero(alive):
            a, b = self.pt(t, self.log_w[i, t]), self.pt(t + 1, self.log_w[i, t + 1])
            seg = Line(a, b, color=self.colors[i], stroke_width=2.2 if self.is_byz[i] else 1.6, stroke_opacity=0.85)
            self.curves.add(seg)
            self.segs[i].append(seg)
            segs.append(Create(seg))
            moves.append(self.heads[i].animate.move_to(b))
        self.round.number.set_value(t + 1)
        if segs:
            self.play(*segs, *moves, run_time=self.round_time(t, self.events))
        else:  # every source blacklisted (a long SET rounds=): the round counter alone moves on
            self.wait(self.round_time(t, self.events))
        caught = np.flatnonzero(black == t + 1)
        if caught.size:
            self.drop_out(caught)

    def drop_out(self, idx):
        anims = []
        for i in idx:
            cross = blacklist_cross(self.heads[i], 0.2)
            curve = VGroup(*self.segs[i])
            anims.append(
                AnimationGroup(
                    self.heads[i].animate.set_color(COLORS.blacklisted).set_opacity(BLACKLISTED_OPACITY),
                    curve.animate.set_stroke(COLORS.blacklisted, opacity=BLACKLISTED_OPACITY),
                    FadeIn(cross),
                )
            )
            if self.is_byz[i]:
                self.n_byz_left -= 1
            else:
                self.n_hon_left -= 1
        self.byz_left.number.set_value(self.n_byz_left)
        self.hon_left.number.set_value(self.n_hon_left)
        self.play(*anims, run_time=self.seconds(0.8))

    def hide_definitions(self):
        """The definitions leave the plot to the race; the bound T is drawn where they stood."""
        self.play(FadeOutPlace(self.definitions), run_time=self.seconds(0.6))
        self.play(Create(self.theory_parts[0]), FadeInPlace(self.theory_parts[1]), run_time=self.seconds(0.8))

    def show_caught(self, tr):
        """The round at which every Byzantine weight is below τ: a line on the plot, the round in the panel."""
        r = self.key_round
        line = Line(self.pt(r, self.ymin), self.pt(r, 0.05), color=COLORS.measured, stroke_width=3)
        self.caught_row = VGroup(
            label(r"every Byzantine < $\tau$", FS.small, COLORS.measured), _count("from round", r, COLORS.measured)
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        self.caught_row.next_to(self.hon_left, DOWN, aligned_edge=LEFT, buff=SIDE_BUFF)
        self.caught_row.is_side = True
        below = VGroup(self.key, self.params)
        self.play(
            Create(line), below.animate.shift(DOWN * (self.caught_row.height + SIDE_BUFF)), run_time=self.seconds(0.6)
        )
        self.play(FadeInPlace(self.caught_row), run_time=self.seconds(0.4))

    def show_summary(self, tr):
        """The bound, this trial's round and the honest cost over all trials, in the legend's place."""
        meta = tr.meta
        rows = [
            label(f"theoretical $T$: {meta['T_theory']}", FS.tiny, COLORS.theory),
            label("honest sources out,", FS.tiny, COLORS.text),
            label(f"{tr.params['trials']} trials: {100 * meta['p_honest']:.1f}%", FS.tiny, COLORS.text),
        ]
        lines = VGroup(*rows).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        lines.move_to(self.key, aligned_edge=LEFT + UP)  # the summary takes the legend's place
        for m in lines:
            m.is_side = True
        self.remove(self.key)
        self.panel.remove(self.key)
        self.play(FadeOutPlace(self.key), run_time=self.seconds(0.4))
        self.play(FadeInPlace(lines), run_time=self.seconds(0.8))
        self.summary = lines
