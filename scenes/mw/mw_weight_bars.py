"""MWWeightBars: sources as bars whose heights are their MW weights (the prototype's mw_animation).

Replays an ``mw_sources`` trace: each round the reports land on a number line
and the median mu_hat moves; the pseudo-losses fill their gauges while the
slice eta * loss * w that the update removes lights up on each bar; the bars
shrink to w (1 - eta * loss); sources whose weight falls below tau are greyed out.
"""

from __future__ import annotations

import re

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Dot, VGroup

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

CAPTION_EVERY = 5.0  # seconds: a running caption when the last one is older and has been read
KEY_ROUND = 3  # the key frame after this many rounds


# -- the words, each bound from the trace with what it asserts (module functions: the tests call them) ------------
def _split(tr):
    """(weights as (source, round), Byzantine mask, τ)."""
    w = np.asarray(tr["weights"]).T
    byz = np.asarray(tr["is_byzantine"], bool)
    return w, byz, float(tr.params["tau"])


def _f2(x: float) -> str:
    """A weight or a loss as the screen writes it (two decimals)."""
    return f"{x:.2f}"


def fastest_round(tr) -> int:
    """The first round a source with loss 1 every round is below τ: (1 − η)^r < τ <= (1 − η)^(r−1). Since
    ℓ <= 1 no weight is below τ earlier (w_i(t) >= (1 − η)^t)."""
    return int(tr.meta["theoretical_blacklist_round"])


def _fastest_holds(tr) -> bool:
    eta, tau, r = tr.params["eta"], tr.params["tau"], fastest_round(tr)
    return (1 - eta) ** r < tau <= (1 - eta) ** (r - 1)


def caught_round(tr) -> int | None:
    """The first round r at which every Byzantine weight is below τ (w[byz, r] < τ), None if no round of the run."""
    w, byz, tau = _split(tr)
    below = (w[byz] < tau).all(0)
    return int(np.argmax(below)) if below.any() else None


def honest_out(tr, r: int) -> int:
    """Honest sources blacklisted (weight below τ) by round r: the false positives."""
    black, byz = np.asarray(tr["blacklisted_at"]), np.asarray(tr["is_byzantine"], bool)
    return int(np.sum((black > 0) & (black <= r) & ~byz))


def opening_claim(tr) -> Claim:
    w, byz, tau = _split(tr)
    n, f = int(byz.size), int(byz.sum())
    return Claim(
        "{n} sources, {f} of them Byzantine, each starts with weight {one}. A weight below τ = {tau} is blacklisted.",
        n=n,
        f=f,
        one=1,
        tau=f"{tau:g}",
        holds=lambda: bool((w[:, 0] == 1).all()) and f == tr.meta["n_byzantine"] and f > 0,
        says="n sources, f Byzantine, every weight 1 at the start",
    )


def round_claim(tr, t: int) -> Claim:
    """The running caption of round t + 1 (the counter reads t + 1): who pays the larger loss this round."""
    byz = np.asarray(tr["is_byzantine"], bool)
    act = np.asarray(tr["active"])[t]
    x, mu, loss = np.asarray(tr["x"])[t], float(tr["mu_hat"][t]), np.asarray(tr["loss"])[t]
    c = tr.params["c"]
    ba, ha = byz & act, ~byz & act
    vals = dict(r=t + 1, c=f"{c:g}", one=1, m=int(ha.sum()), blo="", bhi="", b="", hhi="", h="")
    if ba.any():
        vals.update(blo=_f2(loss[ba].min()), bhi=_f2(loss[ba].max()), b=_f2(loss[ba].mean()))
    if ha.any():
        vals.update(hhi=_f2(loss[ha].max()), h=_f2(loss[ha].mean()))
    both = bool(ba.any() and ha.any())
    return first_true(
        Claim(
            "Round {r}: every Byzantine source is out; μ̂ is the median of the {m} honest reports.",
            holds=lambda: not ba.any() and ha.any() and int(act.sum()) == int(ha.sum()),
            says="no Byzantine source active in round t + 1, m honest active",
            **vals,
        ),
        Claim(
            "Round {r}: each Byzantine report is {c} or more from μ̂, loss {one}: weight × (1 − η).",
            holds=lambda: both and bool((np.abs(x[ba] - mu) >= c).all() and (loss[ba] == 1).all()),
            says="every active Byzantine report at distance >= c from the median, loss 1",
            **vals,
        ),
        Claim(
            "Round {r}: Byzantine losses {blo} to {bhi}, every honest loss at most {hhi}.",
            holds=lambda: both and float(loss[ba].min()) > float(loss[ha].max()),
            says="min Byzantine loss > max honest loss in round t + 1",
            **vals,
        ),
        Claim(
            "Round {r}: the Byzantine losses average {b}, the honest ones {h}.",
            holds=lambda: both,
            says="mean losses of the active sources in round t + 1",
            **vals,
        ),
        Claim("Round {r}: every source still reporting is honest.", holds=lambda: not ba.any(), **vals),
    )


def weights_claim(tr, r: int) -> Claim:
    """The key frame after round r: the Byzantine weights against the honest ones, as the numbers under the bars."""
    w, byz, tau = _split(tr)
    b, h = w[byz, r], w[~byz, r]
    vals = dict(
        r=r, blo=_f2(b.min()), bhi=_f2(b.max()), hlo=_f2(h.min()), hhi=_f2(h.max()), b=_f2(b.mean()), h=_f2(h.mean())
    )
    apart = bool(b.max() < h.min()) and float(vals["bhi"]) < float(vals["hlo"])  # also as the screen rounds
    return first_true(
        Claim(
            "After {r} rounds: Byzantine weights {blo} to {bhi}, all below the honest {hlo} to {hhi}. "
            "Each Byzantine source has lost more than half its weight.",
            holds=lambda: apart and bool((w[byz, 0] == 1).all() and (b < 0.5 * w[byz, 0]).all()),
            says="max Byzantine weight < min honest weight at round r, every Byzantine weight < half its start",
            **vals,
        ),
        Claim(
            "After {r} rounds: Byzantine weights {blo} to {bhi}, all below the honest {hlo} to {hhi}.",
            holds=lambda: apart,
            says="max Byzantine weight < min honest weight at round r",
            **vals,
        ),
        Claim(
            "After {r} rounds the Byzantine weights average {b}, the honest ones {h}.",
            holds=lambda: True,
            says="mean weights at round r",
            **vals,
        ),
    )


def _honest_part(tr, R: int):
    """(template, values, predicate) for the honest sources at round R: kept (with their range) or fallen."""
    w, byz, tau = _split(tr)
    h, nh = honest_out(tr, R), int((~byz).sum())
    kept = w[~byz, R]
    return [
        (
            "all {nh} honest weights stay above τ, at {hlo} to {hhi}",
            dict(nh=nh, hlo=_f2(kept.min()), hhi=_f2(kept.max())),
            lambda: h == 0 and bool((kept >= tau).all()),
        ),
        ("{h} of {nh} honest weights fell below τ too: false positives", dict(h=h, nh=nh), lambda: h > 0),
    ]


def final_claim(tr) -> Claim:
    """The last round R: every Byzantine weight below τ (blacklisted) or how many are not, and the honest cost."""
    w, byz, tau = _split(tr)
    R, f = tr.params["rounds"], int(byz.sum())
    rc = caught_round(tr)
    k = int(np.sum(w[byz, R] >= tau))
    black = np.asarray(tr["blacklisted_at"])
    byz_parts = [
        (
            "all {f} Byzantine weights are below τ, blacklisted by round {rc}",
            dict(f=f, rc=rc),
            lambda: rc is not None and bool((w[byz, R] < tau).all()) and int(black[byz].max()) == rc,
        ),
        ("none of the {f} Byzantine weights is below τ yet", dict(f=f), lambda: k == f),
        ("{k} of {f} Byzantine weights are still at or above τ", dict(k=k, f=f), lambda: k > 0),
    ]
    claims = []
    for bt, bv, bp in byz_parts:
        for ht, hv, hp in _honest_part(tr, R):
            claims.append(
                Claim(
                    "Round {R}: " + bt + "; " + ht + ".",
                    R=R,
                    holds=lambda bp=bp, hp=hp: bp() and hp(),
                    says="the Byzantine and the honest weights against tau at the last round",
                    **bv,
                    **hv,
                )
            )
    return first_true(*claims)


def conclusion_claim(tr) -> Claim:
    """The scene in one line: the round every Byzantine weight was below τ against the fastest possible, and the
    honest cost."""
    w, byz, tau = _split(tr)
    R, f, nh = tr.params["rounds"], int(byz.sum()), int((~byz).sum())
    rc, rs = caught_round(tr), fastest_round(tr)
    h = honest_out(tr, R)
    k = int(np.sum(w[byz, R] >= tau))
    fast = _fastest_holds(tr)
    byz_parts = [
        (
            "All {f} Byzantine sources fell below τ in round {rc}, the earliest possible",
            lambda: rc is not None and rc == rs and fast,
        ),
        (
            "All {f} Byzantine sources fell below τ by round {rc} (at the earliest: {rs})",
            lambda: rc is not None and rc > rs and fast,
        ),
        ("After {R} rounds {k} of {f} Byzantine weights are still at or above τ", lambda: rc is None and k > 0),
    ]
    hon_parts = [("; every honest source kept", lambda: h == 0), ("; {h} of {nh} honest fell too", lambda: h > 0)]
    vals = dict(f=f, rc=rc, rs=rs, R=R, k=k, h=h, nh=nh)
    claims = [
        Claim(
            bt + ht,
            holds=lambda bp=bp, hp=hp: bp() and hp(),
            says="every Byzantine weight < tau first at round rc (>= the full-loss round rs), h honest out",
            **vals,
        )
        for bt, bp in byz_parts
        for ht, hp in hon_parts
    ]
    return first_true(*claims)


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
    draws = {
        "n_sources": (3, 24),
        "rounds": (1, 40),
    }  # what the scene can draw (StudioScene.draws); n >= 3: a Byzantine source at 1/3
    key_frames = ("initial", "after_round_3", "final")
    paper_stills = ("after_round_3", "final")
    # a round is three steps (reports, losses, update); rounds next to a blacklisting run slower
    pace = Pace(round=2.1, event_round=3.0, key_hold=2.5, intro_hold=2.5, end_hold=3.5)
    normalised = False  # bars show w / max w (MWWeightBarsNormalised)

    # other runs the words are checked on: another seed, a slower rate (the Byzantine fall after the fastest
    # round), a closer Byzantine cluster and a higher τ (none falls in the run), a high τ (honest false positives)
    claim_checks = (
        {"seed": 11},
        {"eta": 0.1, "rounds": 25, "seed": 3},
        {"byz_distance": 2.0, "tau": 0.2},
        {"tau": 0.7, "seed": 2},
    )

    def construct(self):
        tr = self.trace
        self.colors = [COLORS.byzantine if b else COLORS.honest for b in tr["is_byzantine"]]
        self.events = sorted({int(r) - 1 for r in tr["blacklisted_at"] if r > 0} | {0})
        self.build_layout(tr)
        self.opening(
            caption=opening_claim(tr),
            prompt=plain(
                "Read the symbols at the bottom, then the rule at the top: each round a source's weight shrinks by "
                "its loss, the distance of its report from the median. Ask: which bars will shrink first?"
            ),
        )
        self.hold()  # the definitions read with the opening caption (in slides: the slide's own pause)
        R = tr.params["rounds"]
        key = min(KEY_ROUND, R)
        for t in range(R):
            if t + 1 not in (key, R) and self.caption_due(CAPTION_EVERY):
                claim = round_claim(tr, t)
                stop = key if t < key else R  # the next key frame ends the caption
                if sum(self.round_time(k, self.events) for k in range(t, stop)) >= reading_time(claim.text):
                    self.caption(claim)
            self.play_round(tr, t)
            if t + 1 == key:
                self.key_frame("after_round_3", weights_claim(tr, key), prompt=self.key_prompt())
                self.hold()
            elif t + 1 < R:  # the last round runs on into the summary: one slide
                self.slide_break()
        self.show_summary(tr)
        self.key_frame("final", final_claim(tr), prompt=self.final_prompt(tr))
        self.hold()
        self.conclude(conclusion_claim(tr), prompt=self.conclusion_prompt(tr))

    def conclusion_prompt(self, tr) -> Claim:
        caught = caught_round(tr) is not None
        say = (
            "Say the round every Byzantine weight fell below τ, and the honest cost."
            if caught
            else "Say it plainly: within this run the rule has not removed the Byzantine sources."
        )
        if self.normalised:
            return plain(say + " The honest bars stayed tall only because each is scaled to the largest weight.")
        return plain(say + " Next: the same rule on estimates in two dimensions, round by round.")

    def key_prompt(self) -> Claim:
        if self.normalised:
            return plain(
                "Point at the τ line: it rises as the largest weight falls. The bars are scaled; the numbers under "
                "them are the weights."
            )
        return plain(
            "Point at the two worked rows at the bottom: the far report pays the larger loss. Then at the hatched "
            "bars against the dashed τ line."
        )

    def final_prompt(self, tr) -> Claim:
        rc = caught_round(tr)
        return first_true(
            Claim(
                "Point at the crossed grey bars under the τ line and at the summary: round {rc}, and the "
                "earliest any source can fall, round {rs}.",
                rc=rc,
                rs=fastest_round(tr),
                holds=lambda: rc is not None and _fastest_holds(tr),
                says="every Byzantine weight below tau at round rc; rs the full-loss round",
            ),
            plain("Point at the hatched bars still above the τ line: this run ends before they fall."),
        )

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
            params = VGroup(params, params_line(r"bars: $w$ / largest $w$")).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        side(self.round, key, params)
        self.true_line = self.strip.true_value_line(p["mu"])
        # the symbols on screen, defined at the bottom (where the worked example comes from round 1 on)
        defs = self.define("w", "ℓ", "μ̂", "η", "τ", "c", size=FS.small)
        cols = VGroup(
            VGroup(*defs[:3]).arrange(DOWN, aligned_edge=LEFT, buff=0.12),
            VGroup(*defs[3:]).arrange(DOWN, aligned_edge=LEFT, buff=0.12),
        ).arrange(RIGHT, aligned_edge=UP, buff=0.6)
        if cols.width > 13.4:
            cols.scale_to_fit_width(13.4)
        self.definitions = cols.move_to([0, -3.3, 0])
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
        if not self.figure_mode:
            self.add(self.definitions)

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
        leave = [FadeOutPlace(self.definitions)] if t == 0 and not self.figure_mode else []
        self.play(Morph(dots, targets), Morph(self.strip.marker_group, marker), *leave, run_time=step)
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
        self.bar_crosses = getattr(self, "bar_crosses", VGroup())  # on the bars (stay to the end)
        new = VGroup(*[blacklist_cross(self.strip.dots[i], 0.17) for i in caught])
        # over the bar's grey stub, clear of its name and of the τ line
        tau_y = self.bars.tau_line.get_center()[1]
        new_bars = VGroup(
            *[
                blacklist_cross(
                    Dot([self.bars.x_of(i), max(self.bars.bars[i].get_top()[1], tau_y) + 0.2, 0], radius=0.01), 0.2
                )
                for i in caught
            ]
        )
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
        """Where the number line stood: the round every Byzantine weight was below τ, the honest sources kept, and
        the earliest round any weight can fall below τ (loss 1 every round)."""
        w, byz, tau = _split(tr)
        R, f, nh = tr.params["rounds"], int(byz.sum()), int((~byz).sum())
        rc, h = caught_round(tr), honest_out(tr, R)
        k = int(np.sum(w[byz, R] >= tau))
        first = (
            VGroup(
                label(r"every Byzantine weight below $\tau$:", FS.small),
                label(f"round {rc}", FS.small, COLORS.measured),
            ).arrange(RIGHT, buff=0.15)
            if rc is not None
            else label(f"Byzantine still at or above $\\tau$: {k} of {f}", FS.small)
        )
        theory = VGroup(
            label("earliest possible:", FS.small, COLORS.theory),
            # a tenth larger: the superscript t (script size) stays above the minimum in a paper figure
            math(r"\min\{t : (1-\eta)^t < \tau\} =", 1.1 * FS.label, COLORS.theory),
            label(f"round {fastest_round(tr)}", FS.small, COLORS.theory),
        ).arrange(RIGHT, buff=0.15)
        box = VGroup(first, label(f"honest sources kept: {nh - h} of {nh}", FS.small), theory)
        box.arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        box.move_to(self.strip).shift(DOWN * 0.08)  # clear of the update rule above, above the tallest bar
        if self.figure_mode:  # a figure's larger type: above the weight axis and its top label, from its left
            box.next_to(self.bars.axis, UP, buff=0.3, aligned_edge=LEFT)
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
        self.play(FadeInPlace(box), run_time=self.seconds(1.0))


class MWWeightBarsNormalised(MWWeightBars):
    """The same replay, bars normalised to the largest weight: the surviving honest bars stay tall (the seed's view)."""

    normalised = True
