"""GlobalCoinAdversary and AdaptiveCoinAdversary: the global-coin MWU (Aggarwal et al. 2017) against greedy adversaries.

Replays a ``coin_run`` trace. The opening defines the symbols of the rule and the parameter line (the glossary's:
f is the number of corrupted experts, the trace's ``tau``) where the balance then stands. Each round: the
experts' advice appears (good experts at random, the adversary's experts as it chose them: the trace's set J,
shown ringed and called "made to advise d" on screen, advise d, the rest -d); the weighted vote tips a balance
towards -1 or +1; the hidden direction d is revealed; if the output z differs from d every weight is updated
(sizes flow: (1 + eta) for advice d, (1 - eta) otherwise) and the gauge shows the corrupted share of the total
weight; the run ends in the first round with z = d. Every caption, subtitle, prompt and conclusion is a Claim
checked against the trace (tests/test_scenes_narration.py, also for ``claim_checks``).
The adaptive act shows experts captured (they turn corrupted for good: a triangle) and volatile flips (the
flipped colour, one round only).
"""

from __future__ import annotations

from math import ceil

import numpy as np
from manim import DOWN, LEFT, ORIGIN, RIGHT, UP, Circle, DashedLine, Line, Polygon, Rectangle, Rotate, VGroup, VMobject

from kit.traces import TraceSpec
from scenes.base import Pace, StudioScene, reading_time
from scenes.claims import Claim, first_true, plain
from scenes.pieces import (
    COLORS,
    FS,
    FadeInKeep,
    FadeInPlace,
    FadeOutPlace,
    Hatch,
    Morph,
    Number,
    counter,
    headline,
    label,
    legend,
    math,
    params_line,
    side,
    single_column,
    swatch_box,
    title,
)

PIVOT = np.array([-2.3, -1.95, 0.0])
BEAM = 6.4
MAX_TILT = 0.32  # radians at |S| = total weight
ROW_Y, ADVICE_Y = 1.75, 1.22
GAUGE_X, GAUGE_Y0, GAUGE_H = 2.75, -2.55, 2.9
SEGMENTS = 12  # every expert shape is 12 cubic segments: a circle and a triangle morph into each other


def _straight(a, b) -> np.ndarray:
    t = np.array([0.0, 1 / 3, 2 / 3, 1.0])[:, None]
    return a[None] + t * (b - a)[None]


def expert_points(corrupted: bool, r: float, center) -> np.ndarray:
    """Points of an expert: a circle of radius ``r`` (good), or a triangle of the same area (corrupted)."""
    c = np.asarray(center, float)[:2]
    if not corrupted:
        d = 2 * np.pi / SEGMENTS
        h = 4 / 3 * np.tan(d / 4) * r
        segs = []
        for k in range(SEGMENTS):
            a0, a1 = np.pi / 2 + k * d, np.pi / 2 + (k + 1) * d
            p0, p3 = c + r * np.array([np.cos(a0), np.sin(a0)]), c + r * np.array([np.cos(a1), np.sin(a1)])
            p1 = p0 + h * np.array([-np.sin(a0), np.cos(a0)])
            p2 = p3 - h * np.array([-np.sin(a1), np.cos(a1)])
            segs.append(np.array([p0, p1, p2, p3]))
    else:
        R = r * np.sqrt(4 * np.pi / (3 * np.sqrt(3)))
        v = [c + R * np.array([np.cos(a), np.sin(a)]) for a in np.pi / 2 + np.arange(4) * 2 * np.pi / 3]
        per = SEGMENTS // 3
        segs = [_straight(v[i] + (v[i + 1] - v[i]) * k / per, v[i] + (v[i + 1] - v[i]) * (k + 1) / per)
                for i in range(3) for k in range(per)]  # fmt: skip
    pts = np.concatenate(segs)
    return np.column_stack([pts, np.zeros(len(pts))])


def expert(corrupted: bool, r: float, center, colour) -> VMobject:
    m = VMobject(fill_color=colour, fill_opacity=0.95, stroke_width=0)
    m.points = expert_points(corrupted, r, center)
    return m


def advice_points(advice: int, center, h: float = 0.2) -> np.ndarray:
    """An arrow (up for +1, down for -1) as 7 straight cubic segments: advice is never a triangle marker."""
    w, s, hh = 0.09, 0.035, 0.45 * h
    up = [(0, h / 2), (w, h / 2 - hh), (s, h / 2 - hh), (s, -h / 2), (-s, -h / 2), (-s, h / 2 - hh), (-w, h / 2 - hh)]
    v = [np.asarray(center, float)[:2] + np.array([x, y if advice >= 0 else -y]) for x, y in up]
    pts = np.concatenate([_straight(v[i], v[(i + 1) % 7]) for i in range(7)])
    return np.column_stack([pts, np.zeros(len(pts))])


DEFS_CENTER = np.array([-2.2, -0.85, 0.0])  # the symbols' definitions, over the balance's place in the opening
SHARE_TOL = 1e-12


def frames(s: float, fps: int = 15) -> float:
    """``s`` rounded up to whole frames (at 15 fps, so also at 30 and 60)."""
    return ceil(s * fps - 1e-9) / fps


def pct(x) -> float:
    """A share as the gauge prints it (percent, one decimal)."""
    return round(100 * float(x), 1)


def signed(v: int) -> str:
    return f"{int(v):+d}".replace("-", "−")


def count(k: int, word: str) -> str:
    """ "1 round", "3 rounds"."""
    return f"{k} {word}" + ("" if k == 1 else "s")


def balance(tr, t: int) -> tuple[float, float]:
    """(weight voting +1, weight voting −1) in round t: the balance's two numbers."""
    w, a = tr["weights"][t], tr["advice"][t]
    return float(w[a > 0].sum()), float(w[a < 0].sum())


def share_of(w, k) -> float:
    """The corrupted share of the total weight (as the trace's ``corrupted_share``)."""
    return float(np.asarray(w)[np.asarray(k, dtype=bool)].sum() / np.sum(w))


def lost_anyway(tr, t: int) -> bool:
    """Round t gives z = d even if every expert the adversary controls (corrupted or volatile) advised −d: the
    good experts' vote towards d is at least the adversary's weight (with the simulator's tie rule, docs/coin.md:
    |S| <= 1e-9 x the total weight counts as S = 0, so z = +1)."""
    w, a, d = tr["weights"][t], tr["advice"][t].astype(float), int(tr["d"][t])
    ctrl = tr["corrupted"][t] | tr["volatile"][t]
    s = float(np.dot(w[~ctrl], a[~ctrl])) - d * float(w[ctrl].sum())
    z = 1 if s >= -1e-9 * float(w.sum()) else -1
    return z == d


class GlobalCoinAdversary(StudioScene):
    trace_spec = TraceSpec(
        "coin_run", seed=29, params={"n": 30, "tau": 3, "adversary": "nonadaptive", "max_rounds": 60}
    )
    draws = {"n": (2, 60), "max_rounds": (1, 200)}  # what the scene can draw (StudioScene.draws)
    key_frames = ("initial", "first_round", "peak_share", "final")
    paper_stills = ("first_round", "peak_share", "final")
    pace = Pace(round=2.4, event_round=3.2, key_hold=2.0, intro_hold=2.0, end_hold=3.0)
    heading = "A global coin against a greedy adversary"
    gauge_top = 0.5  # the corrupted share at the gauge's full height (the whole share when a run goes above it)
    shows_volatile = True  # the legend's volatile entry (a non-adaptive scene may leave it out)
    rule_text: str | None = None  # the update rule in plain text instead of the formula (no script-size parts)
    symbols = ("n", "f", "w", "a", "z", "d", "η")  # what the opening's rule and parameter line use
    # other runs the words are checked on (tests/test_scenes_narration.py): other seeds, fewer and more experts,
    # a larger corrupted count, a run cut at its cap
    claim_checks = (
        {"seed": 7},
        {"n": 12, "tau": 2, "seed": 11},
        {"n": 40, "tau": 8, "seed": 5},
        {"n": 20, "tau": 4, "seed": 105, "max_rounds": 12},
    )

    def construct(self):
        tr = self.trace
        R = len(tr["d"])
        self.peak = self.peak_round(tr["corrupted_share"])
        self.build(tr)
        self.introduce(self.opening_claim(tr), self.opening_prompt(tr))
        for t in range(R):
            if 0 < t < R - 1 and t != self.peak and self.round_caption_due(tr, t):
                self.caption(self.round_claim(tr, t))
            self.play_round(tr, t)  # advice, the adversary's choice, the vote, d revealed
            if t == R - 1:
                break
            if t == 0:
                self.key_frame("first_round", self.first_round_claim(tr), prompt=self.first_round_prompt(tr))
                self.hold()
            elif t == self.peak:
                self.mark_peak(tr, t)
                self.key_frame("peak_share", self.peak_claim(tr, t), prompt=self.peak_prompt(tr, t))
                self.hold()
            else:
                self.slide_break()
            self.flow(tr, t)  # weights and the gauge follow the update
        self.key_frame("final", self.final_claim(tr), prompt=self.final_prompt(tr))
        self.hold()
        self.conclude(self.conclusion(tr), prompt=self.conclusion_prompt(tr))

    @staticmethod
    def peak_round(share) -> int:
        """The round of the largest corrupted share, other than the first and the last (-1: no such round)."""
        R = len(share)
        if R < 3:
            return -1
        p = int(np.argmax(share))
        return p if 0 < p < R - 1 else int(np.argmax(share[1:-1])) + 1

    def introduce(self, caption: Claim, prompt: Claim):
        """The opening: the symbols of the rule and the parameter line defined where the balance will stand; then
        the definitions make way for the balance."""
        defs = self.define(*self.symbols).move_to(DEFS_CENTER)
        self.add(defs)
        self.opening(caption=caption, prompt=prompt)
        self.hold()  # long enough to read the opening caption
        self.thaw_background()
        self.play(FadeOutPlace(defs), run_time=self.seconds(0.5))
        self.play(FadeInKeep(VGroup(*self.balance_static, *self.balance_live)), run_time=self.seconds(0.7))
        self.layout += self.balance_static
        self.freeze_background(*self.layout)

    # -- the words, each bound from the trace with what it asserts --------------------------------------------
    def round_caption_due(self, tr, t: int) -> bool:
        return self.caption_due()

    def opening_claim(self, tr) -> Claim:
        p, w0, k0 = tr.params, tr["weights"][0], tr["corrupted"][0]
        return Claim(
            "{n} experts of weight {w}; f = {f} of them are corrupted (triangles). Each round the weighted vote "
            "gives z, then the coin reveals d.",
            n=p["n"],
            w=f"{float(w0[0]):g}",
            f=p["tau"],
            holds=lambda: len(w0) == p["n"] and bool((w0 == w0[0]).all()) and int(k0.sum()) == p["tau"],
            says="n experts of equal weight, f of them corrupted from the start",
        )

    def opening_prompt(self, tr) -> Claim:
        return plain(
            "Read the symbols once. Point at the triangles, the corrupted experts, and at the gauge: their share "
            "of the total weight."
        )

    def round_claim(self, tr, t: int) -> Claim:
        share = tr["corrupted_share"]
        now, before = pct(share[t]), pct(share[t - 1])
        vals = dict(r=t + 1, now=now, before=before)
        return first_true(
            Claim(
                "Round {r}: the corrupted hold {now}% of the weight, up from {before}%",
                holds=lambda: now > before and share[t] > share[t - 1],
                says="the corrupted share grew in the last update",
                **vals,
            ),
            Claim(
                "Round {r}: the corrupted hold {now}% of the weight, down from {before}%",
                holds=lambda: now < before and share[t] < share[t - 1],
                says="the corrupted share fell in the last update",
                **vals,
            ),
            Claim(
                "Round {r}: the corrupted hold {now}% of the weight",
                holds=lambda: pct(share[t]) == now,
                says="the share as the gauge prints it",
                **vals,
            ),
        )

    def first_round_claim(self, tr) -> Claim:
        z, d = int(tr["z"][0]), int(tr["d"][0])
        w0, w1, a = tr["weights"][0], tr["weights"][1], tr["advice"][0]
        vals = dict(r=1, z=signed(z), d=signed(d))
        return first_true(
            Claim(
                "Round {r}: the vote gives z = {z}, the coin d = {d}. z ≠ d, so the experts that advised d gain "
                "weight and the others lose it.",
                holds=lambda: (
                    z != d and bool((w1[a == d] > w0[a == d]).all()) and bool((w1[a != d] < w0[a != d]).all())
                ),
                says="z != d in round 1, and the update raised exactly the weights of advice d",
                **vals,
            ),
            Claim("Round {r}: the vote gives z = {z}, the coin d = {d}.", holds=lambda: True, **vals),
        )

    def first_round_prompt(self, tr) -> Claim:
        return plain(
            "The adversary sees d before its experts advise: the ringed ones advise d, its others the opposite, "
            "as much weight on d as still leaves z ≠ d."
        )

    def mark_peak(self, tr, t: int):
        """A dashed line across the gauge at the share of round t, with its value: it stays to the end."""
        share = float(tr["corrupted_share"][t])
        y = GAUGE_Y0 + min(share / self.gauge_top, 1.0) * GAUGE_H
        line = DashedLine([GAUGE_X - 0.3, y, 0], [GAUGE_X + 0.3, y, 0], color=COLORS.byzantine, stroke_width=3)
        word = "most" if share >= float(np.max(tr["corrupted_share"])) - SHARE_TOL else f"round {t + 1}"
        tag = label(f"{word}: {pct(share)}%", FS.tiny, COLORS.byzantine).next_to(line, RIGHT, buff=0.08)
        self.peak_mark = VGroup(line, tag)
        self.play(FadeInKeep(self.peak_mark), run_time=self.seconds(0.4))

    def peak_claim(self, tr, t: int) -> Claim:
        share, z, d = tr["corrupted_share"], tr["z"], tr["d"]
        vals = dict(r=t + 1, p=pct(share[t]), p0=pct(share[0]), one=1)
        still = z[t] != d[t]
        return first_true(
            Claim(
                "Round {r}: still z ≠ d, and the corrupted hold {p}% of the weight, their most",
                holds=lambda: still and share[t] >= share.max() - SHARE_TOL,
                says="round t has the largest corrupted share of the run, and z != d",
                **vals,
            ),
            Claim(
                "Round {r}: still z ≠ d; the corrupted hold {p}% of the weight, {p0}% in round {one}",
                holds=lambda: still and pct(share[0]) == vals["p0"],
                says="z != d in round t",
                **vals,
            ),
            Claim("Round {r}: z = {z}, d = {d}", holds=lambda: True, z=signed(z[t]), d=signed(d[t]), r=t + 1),
        )

    def peak_prompt(self, tr, t: int) -> Claim:
        share = tr["corrupted_share"]
        p = pct(share[t])
        return first_true(
            Claim(
                "Point at the dashed mark on the gauge and say {p}%. Then let it run: the share stays below it.",
                p=p,
                holds=lambda: bool((share[t + 1 :] < share[t]).all()),
                says="every later round has a smaller corrupted share",
            ),
            Claim("Point at the dashed mark on the gauge and say {p}%. Then let it run.", p=p),
        )

    def final_claim(self, tr) -> Claim:
        R, z, d = len(tr["d"]), int(tr["z"][-1]), int(tr["d"][-1])
        ended, stop = not bool(tr.meta["censored"]), int(tr.meta["stop"])
        vals = dict(R=R, rounds=count(R, "round"), z=signed(z), d=signed(d))
        return first_true(
            Claim(
                "Round {R}: z = d even with all the adversary's experts on −d; the run ends here",
                holds=lambda: ended and z == d and lost_anyway(tr, R - 1),
                says="the run ended in round R with z = d, and z = d even if every controlled expert advised -d",
                **vals,
            ),
            Claim("Round {R}: z = d; the run ends after {rounds}", holds=lambda: ended and z == d, **vals),
            Claim(
                "Round {R}, the cap: z = {z}, d = {d}, still z ≠ d; the run is cut here, not ended",
                holds=lambda: not ended and stop == 1 and z != d,
                says="censored at max_rounds with z != d",
                **vals,
            ),
            Claim("Round {R}: z = {z}, d = {d}.", holds=lambda: True, **vals),
        )

    def final_prompt(self, tr) -> Claim:
        plus, minus = balance(tr, len(tr["d"]) - 1)
        d = int(tr["d"][-1])
        on_d, off_d = (plus, minus) if d > 0 else (minus, plus)
        return Claim(
            "Point at the balance: {a} of the weight votes d, {b} the other way. Say the number of rounds: {R}.",
            a=round(on_d, 1),
            b=round(off_d, 1),
            R=len(tr["d"]),
            holds=lambda: balance(tr, len(tr["d"]) - 1) == (plus, minus),
            says="the balance's numbers in the last round",
        )

    def conclusion(self, tr) -> Claim:
        share, z, d = tr["corrupted_share"], tr["z"].astype(int), tr["d"].astype(int)
        R = len(d)
        ended = not bool(tr.meta["censored"])
        k = int((z != d).sum())
        hi = self.peak >= 0 and share[self.peak] >= share.max() - SHARE_TOL  # the most, marked on the gauge
        vals = dict(k=count(k, "round"), kn=k, R=R, hi=pct(share.max()), end=pct(share[-1]))
        return first_true(
            Claim(
                "Good experts outgrew the corrupted: {hi}% of the weight fell to {end}%; z = d",
                holds=lambda: ended and hi and k == R - 1 and z[-1] == d[-1] and pct(share[-1]) < pct(share.max()),
                says="z != d in every round but the last, which has z = d, and the share at the end is below its most",
                **vals,
            ),
            Claim(
                "The adversary kept z ≠ d for {k}; in round {R}, z = d all the same",
                holds=lambda: ended and k == R - 1 and z[-1] == d[-1],
                says="z != d in every round but the last, which has z = d",
                **vals,
            ),
            Claim(
                "The adversary kept z ≠ d in all {R} rounds, up to the cap",
                holds=lambda: not ended and k == R,
                says="censored, z != d in every round",
                **vals,
            ),
            Claim("z ≠ d in {kn} of {R} rounds", holds=lambda: True, **vals),
        )

    def conclusion_prompt(self, tr) -> Claim:
        return plain("Next: what if the corrupted weight ever passes the good experts' total?")

    # -- layout -------------------------------------------------------------------------------
    def radius(self, w: float) -> float:
        return float(np.clip(0.085 * np.sqrt(w / self.w_ref), 0.03, 0.17))

    def role_colour(self, tr, t: int, i: int):
        if tr["volatile"][t, i]:
            return COLORS.flipped
        return COLORS.byzantine if tr["corrupted"][t, i] else COLORS.honest

    def build(self, tr):
        p, meta = tr.params, tr.meta
        n = p["n"]
        self.w_ref = 1.0
        self.xs = np.linspace(-6.3, 3.3, n)
        k0 = self.initial_corrupted(tr)  # before round 1 (an adaptive adversary captures from round 1 on)
        if float(np.max(tr["corrupted_share"])) > self.gauge_top:  # the gauge never clips what it shows
            self.gauge_top = 1.0
        head = title(self.heading)
        if self.rule_text:
            rule = headline(label(self.rule_text, FS.label, COLORS.text), head)
        else:
            rule = headline(
                math(r"z=\mathrm{sgn}\big(\textstyle\sum_i w_i a_i\big),\quad w_i \leftarrow w_i(1\pm\eta)", FS.label),
                head,
            )
        self.round = counter("round", 0, FS.label)
        params = params_line(rf"$n$ = {n},  $f$ = {p['tau']},  $\eta$ = {meta['eta']:.2f}")
        row_label = label(r"experts (area $\propto$ weight), advice below", FS.tiny, COLORS.muted).move_to(
            [-0.8, 2.17, 0]
        )
        row_label.align_to([-6.4, 0, 0], LEFT)
        # experts and their advice
        self.experts = VGroup(
            *[
                expert(bool(k0[i]), self.radius(1.0), [x, ROW_Y], COLORS.byzantine if k0[i] else COLORS.honest)
                for i, x in enumerate(self.xs)
            ]
        )
        self.arrows = VGroup(*[self.arrow(i, 0, COLORS.grid) for i in range(n)])
        self.rings = VGroup(
            *[
                Circle(radius=0.21, stroke_width=2.5, stroke_color=COLORS.selected, stroke_opacity=0.0).move_to(
                    [x, ROW_Y, 0]
                )
                for x in self.xs
            ]
        )
        # the balance
        pivot = Polygon(
            PIVOT,
            PIVOT + np.array([-0.35, -0.55, 0]),
            PIVOT + np.array([0.35, -0.55, 0]),
            fill_color=COLORS.muted,
            fill_opacity=1,
            stroke_width=0,
        )
        beam = Line(PIVOT + LEFT * BEAM / 2, PIVOT + RIGHT * BEAM / 2, color=COLORS.text, stroke_width=5)
        pan_l = Line(
            PIVOT + LEFT * (BEAM / 2 - 0.5) + UP * 0.04,
            PIVOT + LEFT * (BEAM / 2 + 0.5) + UP * 0.04,
            color=COLORS.text,
            stroke_width=8,
        )
        pan_r = pan_l.copy().move_to(PIVOT + RIGHT * (BEAM / 2) + UP * 0.04)
        self.beam = VGroup(beam, pan_l, pan_r)
        self.tilt = 0.0
        side_l = label("−1", FS.body, COLORS.text).move_to(PIVOT + LEFT * (BEAM / 2) + DOWN * 0.55)
        side_r = label("+1", FS.body, COLORS.text).move_to(PIVOT + RIGHT * (BEAM / 2) + DOWN * 0.55)
        self.w_minus = Number(0, places=1, size=FS.label, color=COLORS.text, edge=ORIGIN)
        self.w_plus = Number(0, places=1, size=FS.label, color=COLORS.text, edge=ORIGIN)
        self.w_minus.move_to(PIVOT + LEFT * (BEAM / 2) + UP * 1.25)
        self.w_plus.move_to(PIVOT + RIGHT * (BEAM / 2) + UP * 1.25)
        wl = label("weight voting", FS.tiny, COLORS.muted).move_to(PIVOT + UP * 1.25)
        # hidden direction and output
        big = FS.label if single_column() else FS.body  # a single-column figure: every font is larger already
        self.d_texts = {
            v: label(s, big, COLORS.true_value).move_to([PIVOT[0], 0.78, 0])
            for v, s in ((0, "hidden $d$ = ?"), (1, "hidden $d$ = +1"), (-1, "hidden $d$ = −1"))
        }
        self.z_texts = {
            v: label(s, big, COLORS.text).move_to([PIVOT[0], 0.3, 0])
            for v, s in ((1, "output $z$ = +1"), (-1, "output $z$ = −1"))
        }
        self.verdicts = {
            True: label("$z = d$: the coin is out", FS.label, COLORS.honest),
            False: label(r"$z \neq d$: the adversary wins this round", FS.label, COLORS.byzantine),
        }
        for v in self.verdicts.values():
            v.move_to([PIVOT[0], -0.18, 0])
        # gauge of the corrupted share
        frame = Rectangle(width=0.5, height=GAUGE_H, stroke_color=COLORS.muted, stroke_width=2)
        frame.move_to([GAUGE_X, GAUGE_Y0 + GAUGE_H / 2, 0])
        same = bool((k0 == tr["corrupted"][0]).all())
        self.shown_share = float(tr["corrupted_share"][0]) if same else share_of(tr["weights"][0], k0)
        self.fill = self.gauge_fill(self.shown_share)
        self.fill_group = VGroup(self.fill)  # in the scene as is: Morph of it does not re-add it over its hatching
        self.fill_hatch = Hatch(self.fill, 0.12)
        g_label = label("corrupted\nshare", FS.tiny, COLORS.byzantine).next_to(frame, UP, buff=0.2)
        ticks = VGroup()
        for v in (0.0, self.gauge_top / 2, self.gauge_top):
            y = GAUGE_Y0 + v / self.gauge_top * GAUGE_H
            ticks.add(Line([GAUGE_X - 0.32, y, 0], [GAUGE_X - 0.25, y, 0], color=COLORS.muted, stroke_width=2))
            ticks.add(label(f"{v:.0%}", FS.tiny, COLORS.muted).next_to([GAUGE_X - 0.32, y, 0], LEFT, buff=0.06))
        self.share = Number(100 * self.shown_share, places=1, size=FS.small, color=COLORS.byzantine, edge=RIGHT)
        pct = label("%", FS.small, COLORS.byzantine)
        VGroup(self.share, pct).arrange(RIGHT, buff=0.05).next_to(frame, DOWN, buff=0.26)  # clear of the 0% tick label
        key = legend(
            [
                ("good expert", expert(False, 0.08, [0, 0], COLORS.honest)),
                (
                    "corrupted",
                    VGroup(expert(True, 0.08, [0, 0], COLORS.byzantine), swatch_box(COLORS.byzantine, True)).arrange(
                        RIGHT, buff=0.08
                    ),
                ),
            ]
            + (
                [("volatile (this round)", expert(False, 0.08, [0, 0], COLORS.flipped))]
                if self.shows_volatile and tr["volatile"].any()
                else []
            )
            + [("chosen to advise $d$", Circle(radius=0.1, stroke_width=2.5, stroke_color=COLORS.selected))],
            FS.tiny,
        )
        side(self.round, key, params)
        self.key = key
        self.layout = [head, rule, params, row_label, frame, g_label, ticks, key, pct]
        # the balance comes in after the opening (its place holds the symbols' definitions until then)
        self.balance_static = [pivot, side_l, side_r, wl]
        self.balance_live = [self.beam, self.w_minus, self.w_plus, self.d_texts[0]]
        self.add(*self.layout)
        self.freeze_background(*self.layout)
        self.add(self.round, self.fill_group, self.fill_hatch, self.share, self.experts, self.arrows, self.rings)
        self.shown = [self.d_texts[0]]

    @staticmethod
    def initial_corrupted(tr) -> np.ndarray:
        """The corrupted experts before the first round: the fixed set, or nobody for an adaptive adversary."""
        k0 = np.asarray(tr["corrupted"][0], dtype=bool)
        return np.zeros_like(k0) if tr.params["adversary"] == "adaptive" else k0

    def arrow(self, i: int, advice: int, colour) -> VMobject:
        """The advice of expert i: an arrow up (+1) or down (-1); none (transparent) for 0."""
        m = VMobject(fill_color=colour, fill_opacity=1.0 if advice else 0.0, stroke_width=0)
        m.points = advice_points(advice, [self.xs[i], ADVICE_Y])
        return m

    def gauge_fill(self, share: float) -> Rectangle:
        h = max(min(share / self.gauge_top, 1.0) * GAUGE_H, 1e-3)
        r = Rectangle(width=0.44, height=h, fill_color=COLORS.byzantine, fill_opacity=0.9, stroke_width=0)
        return r.move_to([GAUGE_X, GAUGE_Y0 + h / 2, 0])

    def swap(self, new, run_time):
        """The texts of a round change in place one after the other: the old fade out, then the new in (never two
        texts in one place at once)."""
        old = [m for m in self.shown if m not in new]
        fresh = [m for m in new if m not in self.shown]
        self.shown = list(new)
        half = max(frames(run_time / 2), self.seconds(0.2))
        if old:
            self.play(*[FadeOutPlace(m) for m in old], run_time=half)
        if fresh:
            self.play(*[FadeInPlace(m) for m in fresh], run_time=half)

    # -- one round ----------------------------------------------------------------------------
    def play_round(self, tr, t: int):
        R = len(tr["d"])
        step = self.round_time(t, [0, self.peak, R - 1]) / 5
        w, a, d, z = tr["weights"][t], tr["advice"][t], int(tr["d"][t]), int(tr["z"][t])
        ctrl = tr["corrupted"][t] | tr["volatile"][t]
        self.round.number.set_value(t + 1)
        cols = [self.role_colour(tr, t, i) for i in range(len(w))]
        # 1. roles (captures, volatile) and the good experts' advice
        self.bring_to_front(self.experts, self.arrows)
        corrupt = tr["corrupted"][t]
        radii = [self.radius(float(x)) for x in w]
        share = float(tr["corrupted_share"][t])
        gauge = []  # captures: the gauge moves with the triangles that appear
        if share != self.shown_share:
            self.shown_share = share
            self.share.set_value(100 * share)
            gauge = [Morph(self.fill_group, {0: self.gauge_fill(share)})]
        self.play(
            Morph(
                self.experts,
                {i: expert(bool(corrupt[i]), radii[i], [self.xs[i], ROW_Y], cols[i]) for i in range(len(w))},
            ),
            Morph(self.arrows, {i: self.arrow(i, int(a[i]) if not ctrl[i] else 0, cols[i]) for i in range(len(w))}),
            *gauge,
            run_time=step,
        )
        # 2. the adversary's advice: the experts it makes advise d are ringed as it lands
        self.bring_to_front(self.arrows, self.rings)
        for i in range(len(w)):
            self.rings[i].set_stroke(opacity=1.0 if tr["J"][t, i] else 0.0)
        self.play(
            Morph(self.arrows, {i: self.arrow(i, int(a[i]), cols[i]) for i in np.flatnonzero(ctrl)}), run_time=step
        )
        # 3. the balance tips
        S = float(np.dot(w, a))
        angle = -MAX_TILT * S / float(w.sum())  # positive S tips the +1 (right) side down
        self.w_minus.set_value(float(w[a < 0].sum()))
        self.w_plus.set_value(float(w[a > 0].sum()))
        self.play(Rotate(self.beam, angle - self.tilt, about_point=PIVOT), run_time=step)
        self.tilt = angle
        # 4. d is revealed, z and the verdict
        self.swap([self.d_texts[d], self.z_texts[z], self.verdicts[z == d]], step)

    def flow(self, tr, t: int):
        """5. the weights flow (w (1 + eta) for advice d, w (1 - eta) otherwise) and the gauge follows."""
        R = len(tr["d"])
        step = self.round_time(t, [0, self.peak, R - 1]) / 5
        w = tr["weights"][t]
        cols = [self.role_colour(tr, t, i) for i in range(len(w))]
        w1 = tr["weights"][t + 1]
        corrupt = tr["corrupted"][t]
        # the share of this round's corrupted experts in the new weights (next round's captures count from then)
        share1 = (
            float(tr["corrupted_share"][t + 1]) if (corrupt == tr["corrupted"][t + 1]).all() else share_of(w1, corrupt)
        )
        self.shown_share = share1
        self.share.set_value(100 * share1)
        self.bring_to_front(self.experts, self.rings)
        self.play(
            Morph(
                self.experts,
                {i: expert(bool(corrupt[i]), self.radius(w1[i]), [self.xs[i], ROW_Y], cols[i]) for i in range(len(w))},
            ),
            Morph(self.fill_group, {0: self.gauge_fill(share1)}),
            run_time=step,
        )
        self.swap([self.d_texts[0]], step * 0.5)


class AdaptiveCoinAdversary(GlobalCoinAdversary):
    """The adaptive act: no expert corrupted at first; captures (for good) and volatile flips (one round)."""

    trace_spec = TraceSpec(
        "coin_run", seed=2, params={"n": 16, "tau": 2, "adversary": "adaptive", "volatile": 1, "max_rounds": 60}
    )
    draws = {"n": (2, 20), "max_rounds": (1, 200), "volatile": (-2, 10)}  # what the scene can draw (StudioScene.draws)
    key_frames = ("initial", "first_round", "peak_share", "final")
    heading = "Adaptive adversary: captures and flips"
    # other seeds, a larger capture budget, two volatile experts a round, none at all
    claim_checks = (
        {"seed": 5},
        {"n": 16, "tau": 4, "seed": 8},
        {"volatile": 2, "seed": 3},
        {"volatile": 0, "tau": 3, "seed": 12},
    )

    def volatile_budget(self, tr) -> int:
        from sim.coin.adaptive import volatile_budget

        return volatile_budget(int(tr.params["n"]), int(tr.params["volatile"]))

    @staticmethod
    def captured(tr, t: int) -> np.ndarray:
        """The experts that turn corrupted in round t (shown as the round begins)."""
        k = tr["corrupted"]
        return k[t] & ~k[t - 1] if t > 0 else k[0].copy()

    def opening_claim(self, tr) -> Claim:
        p, w0, k, vol = tr.params, tr["weights"][0], tr["corrupted"], tr["volatile"]
        v = self.volatile_budget(tr)
        vals = dict(n=p["n"], w=f"{float(w0[0]):g}", f=p["tau"], v=v, experts="expert" if v == 1 else "experts")
        start = (
            "{n} experts of weight {w}, none corrupted yet. The adversary may capture up to f = {f} of them for good"
        )

        def within() -> bool:
            return (
                bool((w0 == w0[0]).all())
                and not bool(self.initial_corrupted(tr).any())
                and int(k[-1].sum()) <= p["tau"]
                and int(vol.sum(axis=1).max()) <= v
            )

        return first_true(
            Claim(
                start + ", and set the advice of up to {v} good {experts} each round (volatile).",
                holds=lambda: v > 0 and within(),
                says="nobody corrupted at the start; captures within f and volatile experts within the budget",
                **vals,
            ),
            Claim(
                start + "; no volatile experts here.",
                holds=lambda: v == 0 and within() and not bool(vol.any()),
                says="nobody corrupted at the start; captures within f; no volatile expert",
                **vals,
            ),
        )

    def opening_prompt(self, tr) -> Claim:
        if self.volatile_budget(tr) > 0:
            return plain(
                "Read the symbols once. Unlike the last scene, nobody is corrupted yet: watch for triangles "
                "appearing and for the volatile colour."
            )
        return plain("Read the symbols once. Unlike the last scene, nobody is corrupted yet: watch for triangles.")

    def round_caption_due(self, tr, t: int) -> bool:
        """A capture is told as it happens once the last caption has been read; otherwise the usual rhythm."""
        if self.captured(tr, t).any() and self._caption is not None:
            text, t0 = self._caption
            return self._now() - t0 >= reading_time(text)
        return self.caption_due()

    def round_claim(self, tr, t: int) -> Claim:
        new, k, vol = self.captured(tr, t), tr["corrupted"][t], tr["volatile"][t]
        m, c, v = int(new.sum()), int(k.sum()), int(vol.sum())
        vals = dict(r=t + 1, m=m, c=c, f=tr.params["tau"], v=v)
        vals.update(experts="expert" if m == 1 else "experts", vexperts="expert" if v == 1 else "experts")
        return first_true(
            Claim(
                "Round {r}: the adversary captures {m} more {experts}: {c} of f = {f} corrupted now",
                holds=lambda: m > 0 and c <= tr.params["tau"],
                says="m experts turn corrupted in round t, c in all",
                **vals,
            ),
            Claim(
                "Round {r}: the adversary sets the advice of {v} volatile {vexperts}; {c} captured",
                holds=lambda: v > 0 and m == 0,
                says="v volatile experts in round t, no capture",
                **vals,
            ),
            super().round_claim(tr, t),
        )

    def first_round_claim(self, tr) -> Claim:
        m = int(self.captured(tr, 0).sum())
        told = super().first_round_claim(tr)
        return first_true(
            Claim(
                "Round {r}: the adversary captures {m} {experts} at once; " + told.template.removeprefix("Round {r}: "),
                holds=lambda: m > 0 and told.check(),
                says="captures in round 1, and " + (told.says or "the round as told"),
                m=m,
                experts="expert" if m == 1 else "experts",
                **told.values,
            ),
            told,
        )

    def first_round_prompt(self, tr) -> Claim:
        vol = tr["volatile"][0]
        return first_true(
            Claim(
                "Point at the expert in the volatile colour: a good expert whose advice the adversary sets for this "
                "round only. Ringed: chosen to advise d.",
                holds=lambda: bool(vol.any()),
                says="a volatile expert in round 1",
            ),
            super().first_round_prompt(tr),
        )

    def conclusion(self, tr) -> Claim:
        z, d = tr["z"].astype(int), tr["d"].astype(int)
        R, ended = len(d), not bool(tr.meta["censored"])
        c, rv = int(tr["corrupted"][-1].sum()), int(tr["volatile"].any(axis=1).sum())
        vals = dict(c=c, f=tr.params["tau"], rv=count(rv, "round"), R=R, rounds=count(R, "round"))
        return first_true(
            Claim(
                "Captured {c} of f = {f}, volatile advice in {rv}; still z = d in round {R}",
                holds=lambda: ended and rv > 0 and z[-1] == d[-1] and bool((z[:-1] != d[:-1]).all()),
                says="c captured, volatile experts in rv rounds, the run ended in round R",
                **vals,
            ),
            Claim(
                "Captured {c} of f = {f}, no volatile experts; still z = d in round {R}",
                holds=lambda: ended and rv == 0 and z[-1] == d[-1] and bool((z[:-1] != d[:-1]).all()),
                says="c captured, no volatile expert, the run ended in round R",
                **vals,
            ),
            Claim(
                "With {c} of f = {f} captured, z ≠ d for all {rounds}, up to the cap",
                holds=lambda: not ended and bool((z != d).all()),
                says="censored with z != d in every round",
                **vals,
            ),
            Claim("It captured {c} of f = {f} in {rounds}", holds=lambda: True, **vals),
        )

    def conclusion_prompt(self, tr) -> Claim:
        return plain("Next: many tasks learned at once, with the same question of whom to trust.")
