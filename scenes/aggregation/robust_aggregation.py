"""RobustAggregation: a scaled attacker drags the mean; with few clients the classic z-test can never fire.

Replays an ``aggregation_demo`` trace (the aggregation module's scaling attack on 2-D
client updates): the Byzantine clients' arrows grow step by step, the mean
follows them while the coordinate median and the trimmed mean stay with the
honest clients. On the right, the classic (mean/std) z-score of n clients can never exceed √(n−1)
(Samuelson's inequality; 2.45 for n = 7, below the flag at 3): the test cannot fire, attack or not. The
median/MAD z-score does not have that bound; the closing line says what it flagged in this run.

The plane draws the trace's list of aggregators (``SET="aggregators=mean,median,my_rule"``; a plugin's rule
too), each in its theme colour and marker (kit.theme.styles: a name the theme does not know gets the next
spare colour and marker); the captions name the ones the trace says held and the ones it says moved.
"""

from __future__ import annotations

import math

import numpy as np
from manim import DOWN, LEFT, ORIGIN, RIGHT, UP, Arrow, DashedLine, Line, Rectangle, RoundedRectangle, Transform, VGroup

from kit.theme import current_theme, styles
from kit.traces import TraceSpec
from scenes.base import Pace, StudioScene
from scenes.claims import Claim, first_true, plain
from scenes.pieces import (
    COLORS,
    FS,
    FadeOutPlace,
    Hatch,
    Number,
    label,
    legend,
    marker,
    side,
    single_column,
    swatch_box,
    swatch_line,
    title,
)
from scenes.pieces.layout import MAIN_LEFT

PLANE_CENTER = np.array([-4.5, -0.55, 0])
PLANE_SIZE = 4.6
Z_LEFT, Z_RIGHT = -1.5, 3.55  # the z-score panels
# a single-column paper figure (larger text, the side column underneath): a smaller plane, wider and taller panels
# (the largest possible classic score and the flag line a printed line width apart), the attack factor under
# the plane it describes
SINGLE = {"center": np.array([-5.0, -0.55, 0]), "size": 3.7, "z": (-2.75, 4.1), "bar_h": 2.4, "y0": (0.2, -3.55)}
Z_MAX = 6.0  # z-bars are clipped here (values are printed)
BAR_H_TALK = 1.5  # screen height of Z_MAX
MARKER_SIZES = {3: (0.16, 0.15, 0.085)}  # nested: overlapping estimates stay visible (others: decreasing)


def _plural(k: int, word: str) -> str:
    return word if k == 1 else word + "s"


def _scale_verb(f: int) -> str:
    return "client scales its update" if f == 1 else "clients scale their updates"


def _and(words) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


class RobustAggregation(StudioScene):
    trace_spec = TraceSpec("aggregation_demo", seed=1, params={})
    draws = {
        "n_clients": (3, 30),
        "n_byzantine": (0, 14),
        "steps": (1, 20),
        "max_scale": (1, 100),
        "mu_x": (-10, 10),
        "mu_y": (-10, 10),
        "sigma": (0, 10),
    }  # what the scene can draw (StudioScene.draws)
    key_frames = ("initial", "attack", "dragged", "final")
    paper_stills = ("dragged",)
    pace = Pace(round=1.9, event_round=2.4, key_hold=2.5, intro_hold=2.5, end_hold=3.5)
    # other runs the words are checked on (tests/test_scenes_narration.py): other seeds (one where even the
    # robust estimates move more than one honest spread), more clients under a stronger attack, the fewest clients
    # with one attacker, and enough clients (n = 15: √(n−1) > 3) that the classic test can fire
    claim_checks = (
        {"seed": 2},
        {"seed": 7, "n_clients": 9, "max_scale": 10.0},
        {"seed": 3, "n_clients": 5, "n_byzantine": 1, "trim_fraction": 0.25},
        {"seed": 4, "n_clients": 15, "n_byzantine": 3},
    )

    def construct(self):
        tr = self.trace
        self.build(tr)
        T = len(tr["scale"])
        self.opening(caption=self.opening_claim(tr), prompt=self.opening_prompt(tr))
        self.hold()
        for t in range(1, T):
            self.step(tr, t)
            if t == 1:
                self.key_frame("attack", self.attack_claim(tr), prompt=self.attack_prompt(tr))
                self.hold()
        self.key_frame("dragged", self.dragged_claim(tr), prompt=self.dragged_prompt(tr))
        self.hold()
        self.caption(self.classic_claim(tr))
        self.show_bound()
        self.hold(self.pace.key_hold)
        self.caption(self.robust_claim(tr))
        self.hold(self.pace.key_hold)
        end = self.conclusion(tr)
        if not single_column():  # the conclusion's band covers the row of definitions: it leaves first
            self.play(FadeOutPlace(self.defs), run_time=self.seconds(0.6))
        self.conclude(end, prompt=self.conclusion_prompt(tr))
        self.key_frame("final", end, prompt=plain("Next: instead of testing each round, weigh every source over time."))

    # -- the words, each bound from the trace with what it asserts --------------------------------------------
    @staticmethod
    def facts(tr) -> dict:
        """What the words cite: clients, attackers, the classic bound and threshold, drifts, flags."""
        n = int(len(tr["is_byzantine"]))
        byz = np.asarray(tr["is_byzantine"], dtype=bool)
        est = np.asarray(tr["estimates"], dtype=float)
        mu = np.asarray(tr.meta["mu"], dtype=float)
        return {
            "n": n,
            "f": int(byz.sum()),
            "byz": byz,
            "bound": math.sqrt(n - 1),  # Samuelson: no mean/std z-score of n values exceeds √(n−1)
            "thr": float(tr.meta["threshold_classic"]),
            "thr_r": float(tr.meta["threshold_robust"]),
            "zc": np.asarray(tr["z_classic"], dtype=float),
            "zr": np.asarray(tr["z_robust"], dtype=float),
            "fc": np.asarray(tr["flag_classic"], dtype=bool),
            "fr": np.asarray(tr["flag_robust"], dtype=bool),
            "drift": np.linalg.norm(est - est[0], axis=-1),  # (step, aggregator): how far the attack moved it
            "off": np.linalg.norm(est - mu, axis=-1),  # (step, aggregator): distance from μ
            "names": list(tr.meta["short_labels"]),
            "held": list(tr.meta["held"]),
            "scale": np.asarray(tr["scale"], dtype=float),
            "sigma": float(tr.params["sigma"]),
        }

    def opening_claim(self, tr) -> Claim:
        F = self.facts(tr)
        d = math.ceil(100 * float(F["off"][0].max())) / 100
        return Claim(
            "n = {n} clients send {dim}-D updates, f = {f} of them Byzantine. Unattacked, every estimate is within "
            "{d:.2f} of the honest mean μ.",
            n=F["n"],
            f=F["f"],
            d=d,
            dim=int(np.shape(tr["updates"])[-1]),
            holds=lambda: bool(F["off"][0].max() <= d) and int(F["byz"].sum()) == F["f"],
            says="every estimate at the clean step within d of mu",
        )

    @staticmethod
    def opening_prompt(tr) -> Claim:
        return plain("Point at the arrows: solid ones honest, dashed ones Byzantine. The star is μ, the honest mean.")

    def attack_claim(self, tr) -> Claim:
        F = self.facts(tr)
        d = F["drift"][1]
        hi, lo = int(np.argmax(d)), int(np.argmin(d))
        vals = dict(
            f=F["f"],
            who=_scale_verb(F["f"]),
            s=float(F["scale"][1]),
            a=round(float(d[hi]), 2),
            b=round(float(d[lo]), 2),
        )
        return first_true(
            Claim(
                "The f = {f} Byzantine {who} ×{s:.1f}: the {hi} moves {a:.2f}, the {lo} {b:.2f}.",
                hi=F["names"][hi],
                lo=F["names"][lo],
                holds=lambda: F["f"] > 0 and hi != lo and d[hi] > d[lo],
                says="the first aggregator moved most at the first attack step, the second least",
                **vals,
            ),
            Claim(
                "The f = {f} Byzantine {who} ×{s:.1f}; every estimate moves {a:.2f} at most.",
                holds=lambda: bool(d.max() <= vals["a"] + 5e-3),
                says="largest move at the first attack step",
                **vals,
            ),
        )

    @staticmethod
    def attack_prompt(tr) -> Claim:
        return plain("Point at the attack factor, then at the markers as they leave the star.")

    def dragged_claim(self, tr) -> Claim:
        F = self.facts(tr)
        d = F["drift"][-1]
        moved = [i for i, h in enumerate(F["held"]) if not h]
        kept = [i for i, h in enumerate(F["held"]) if h]
        s = float(F["scale"][-1])
        worst = int(np.argmax(d))
        if kept:
            b = math.ceil(100 * float(d[kept].max())) / 100
            return Claim(
                "At ×{s:.1f} the {worst} has moved {a:.2f}; the {kept} moved at most {b:.2f}, less than one honest "
                "spread ({sig:g}).",
                s=s,
                worst=F["names"][worst],
                a=float(d[worst]),
                kept=_and(F["names"][i] for i in kept),
                b=b,
                sig=F["sigma"],
                holds=lambda: bool(d[kept].max() <= b <= F["sigma"]) and worst in moved,
                says="the held aggregators moved at most b <= sigma; the one that moved most is not among them",
            )
        best = int(np.argmin(d))
        return Claim(
            "At ×{s:.1f} every estimate has moved more than one honest spread ({sig:g}): the {worst} {a:.2f}, the "
            "{best} {b:.2f}.",
            s=s,
            sig=F["sigma"],
            worst=F["names"][worst],
            best=F["names"][best],
            a=float(d[worst]),
            b=float(d[best]),
            holds=lambda: bool(d.min() > F["sigma"]) and d[worst] >= d[best],
            says="every aggregator moved more than sigma at the last step",
        )

    def dragged_prompt(self, tr) -> Claim:
        F = self.facts(tr)
        return first_true(
            Claim(
                "Now look right: the classic scores stay under the dotted line, which sits below the flag at {thr:g}.",
                thr=F["thr"],
                holds=lambda: F["bound"] < F["thr"] and bool((F["zc"] <= F["bound"] + 1e-9).all()),
                says="classic z <= sqrt(n-1) < threshold",
            ),
            plain("Now look right: the classic scores on top, the median/MAD scores below, each with its flag line."),
        )

    def classic_claim(self, tr) -> Claim:
        F = self.facts(tr)
        zmax = float(F["zc"].max())
        vals = dict(n=F["n"], b=F["bound"], thr=F["thr"], z=math.ceil(100 * zmax) / 100)
        capped = lambda: bool((F["zc"] <= F["bound"] + 1e-9).all())  # noqa: E731
        return first_true(
            Claim(
                "Classic z-scores never pass {z:.2f}: with n = {n} clients no mean/std z-score can exceed "
                "√(n−1) = {b:.2f}, below the flag at {thr:g}.",
                holds=lambda: capped() and zmax <= vals["z"] and F["bound"] < F["thr"] and not F["fc"].any(),
                says="every classic z <= z <= sqrt(n-1) < threshold, no classic flag",
                **vals,
            ),
            Claim(
                "Classic z-scores reach {z:.2f}: with n = {n} clients the bound √(n−1) = {b:.2f} lies above the flag "
                "at {thr:g}, so the classic test can fire.",
                holds=lambda: capped() and zmax <= vals["z"] and F["bound"] >= F["thr"],
                says="every classic z <= sqrt(n-1), and sqrt(n-1) >= threshold",
                **vals,
            ),
        )

    def robust_claim(self, tr) -> Claim:
        F = self.facts(tr)
        fr, byz = F["fr"], F["byz"]
        caught = fr[:, byz].all(axis=1)
        honest_flags = int(fr[:, ~byz].any(axis=0).sum())
        k_end = int(fr[-1, byz].sum())
        vals = dict(
            f=F["f"],
            thr=F["thr_r"],
            h=honest_flags,
            att=_plural(F["f"], "attacker"),
            hc=_plural(honest_flags, "client"),
        )
        if F["f"] and caught.any():
            t0 = int(np.argmax(caught))
            return first_true(
                Claim(
                    "The median/MAD score flags all f = {f} {att} from ×{s:.1f} on (flag at {thr:g}), and no "
                    "honest client.",
                    s=float(F["scale"][t0]),
                    holds=lambda: bool(caught[t0:].all()) and honest_flags == 0,
                    says="all Byzantine flagged by the robust test from step t0 on, no honest client ever",
                    **vals,
                ),
                Claim(
                    "The median/MAD score flags all f = {f} {att} from ×{s:.1f} on, but also {h} honest {hc}.",
                    s=float(F["scale"][t0]),
                    holds=lambda: bool(caught[t0:].all()) and honest_flags > 0,
                    says="all Byzantine flagged from t0 on, h honest clients flagged at some step",
                    **vals,
                ),
                Claim(
                    "The median/MAD score flags all f = {f} {att} at ×{s:.1f}, not at every step after.",
                    s=float(F["scale"][t0]),
                    holds=lambda: bool(caught[t0]),
                    says="all Byzantine flagged at step t0",
                    **vals,
                ),
            )
        return Claim(
            "The median/MAD score flags {k} of the f = {f} {att} at the end (flag at {thr:g}).",
            k=k_end,
            holds=lambda: int(fr[-1, byz].sum()) == k_end,
            says="k Byzantine flagged by the robust test at the last step",
            **vals,
        )

    def conclusion(self, tr) -> Claim:
        F = self.facts(tr)
        fr, byz = F["fr"], F["byz"]
        never = lambda: bool((F["zc"] <= F["bound"] + 1e-9).all()) and not F["fc"].any()  # noqa: E731
        all_caught = bool(F["f"]) and bool(fr[-1, byz].all())
        clean = not bool(fr[:, ~byz].any())
        vals = dict(n=F["n"], b=F["bound"], thr=F["thr"], f=F["f"])
        return first_true(
            Claim(
                "With n = {n} clients no mean/std z-score can exceed √(n−1) = {b:.2f} < {thr:g}: the classic test "
                "can never fire, attack or not. Median/MAD flags all f = {f}, no honest client.",
                holds=lambda: F["bound"] < F["thr"] and never() and all_caught and clean,
                says="sqrt(n-1) < threshold, no classic z above it or flagged; robust flags every attacker, no honest",
                **vals,
            ),
            Claim(
                "With n = {n} clients no mean/std z-score can exceed √(n−1) = {b:.2f} < {thr:g}: the classic test "
                "can never fire, attack or not. Median/MAD flags {k} of the f = {f}.",
                k=int(fr[-1, byz].sum()),
                holds=lambda: F["bound"] < F["thr"] and never(),
                says="sqrt(n-1) < threshold, no classic z above it or flagged",
                **vals,
            ),
            Claim(
                "With n = {n} clients √(n−1) = {b:.2f} ≥ {thr:g}: the classic test can fire, and flagged {c} of "
                "f = {f} at some step; median/MAD flags {k} at the end.",
                c=int(F["fc"][:, byz].any(axis=0).sum()),
                k=int(fr[-1, byz].sum()),
                holds=lambda: F["bound"] >= F["thr"] and bool((F["zc"] <= F["bound"] + 1e-9).all()),
                says="sqrt(n-1) >= threshold; classic z <= sqrt(n-1)",
                **vals,
            ),
        )

    def conclusion_prompt(self, tr) -> Claim:
        F = self.facts(tr)
        m = math.ceil(F["thr"] ** 2 + 1)  # the fewest clients whose bound √(n−1) reaches the threshold
        return first_true(
            Claim(
                "Say it slowly: √(n−1) = {b:.2f} is below {thr:g}, so no attack makes the classic test fire; only "
                "n ≥ {m} clients could.",
                b=F["bound"],
                thr=F["thr"],
                m=m,
                holds=lambda: F["bound"] < F["thr"] <= math.sqrt(m - 1) and math.sqrt(m - 2) < F["thr"],
                says="sqrt(n-1) < threshold; m is the least number of clients with sqrt(m-1) >= threshold",
            ),
            plain("Compare the two panels: the bound belongs to the mean and the spread, not to the attack."),
        )

    def show_bound(self):
        """The ruler of the conclusion: the bound's line and its label leave the muted colour."""
        self.play(
            self.bound_line.animate.set_stroke(COLORS.text, width=3.5),
            self.bound_label.animate.set_color(COLORS.text),
            run_time=self.seconds(0.8),
        )

    # ------------------------------------------------------------------ layout
    def to_screen(self, v) -> np.ndarray:
        return self.center + np.array([(v[0] - self.c0[0]) * self.k, (v[1] - self.c0[1]) * self.k, 0])

    def build(self, tr):
        ups = tr["updates"]
        lo = np.minimum(ups.min(axis=(0, 1)), 0.0) - 0.3
        hi = ups.max(axis=(0, 1)) + 0.3
        single = single_column()
        self.center = SINGLE["center"] if single else PLANE_CENTER
        self.k = (SINGLE["size"] if single else PLANE_SIZE) / float(max(hi - lo))
        z_left, z_right = SINGLE["z"] if single else (Z_LEFT, Z_RIGHT)
        self.bar_h = BAR_H = SINGLE["bar_h"] if single else BAR_H_TALK
        y_classic, y_robust = SINGLE["y0"] if single else (0.75, -2.1)
        self.c0 = (lo + hi) / 2
        head = title("Robust aggregation: a scaled attacker")
        o = self.to_screen((0.0, 0.0))
        xa = Line(self.to_screen((lo[0], 0)), self.to_screen((hi[0], 0)), color=COLORS.grid, stroke_width=2)
        ya = Line(self.to_screen((0, lo[1])), self.to_screen((0, hi[1])), color=COLORS.grid, stroke_width=2)
        axes_lbl = label("client updates (2-D)", FS.small, COLORS.muted).next_to(VGroup(xa, ya), UP, buff=0.12)
        mu = np.array(tr.meta["mu"])
        truth = marker("true_value", COLORS.true_value, 0.1).move_to(self.to_screen(mu))
        self.byz = tr["is_byzantine"]
        self.arrows = VGroup(*[self.arrow(o, u, b) for u, b in zip(ups[0], self.byz)])
        aggs = tr.meta["aggregators"]
        self.styles = [styles(aggs, current_theme())[a] for a in aggs]
        k = len(aggs)
        self.sizes = MARKER_SIZES.get(k) or (tuple(np.linspace(0.17, 0.07, k)) if k > 1 else (0.12,))
        self.marks = VGroup(*[self.marker(i, tr["estimates"][0, i]) for i in range(k)])
        names = tr.meta["estimator_labels"]
        key = legend(
            [
                (
                    "honest client",
                    VGroup(swatch_line(COLORS.honest), swatch_box(COLORS.honest)).arrange(RIGHT, buff=0.08),
                ),
                (
                    "Byzantine client",
                    VGroup(swatch_line(COLORS.byzantine, True), swatch_box(COLORS.byzantine, True)).arrange(
                        RIGHT, buff=0.08
                    ),
                ),
                (r"honest mean $\mu$", marker("true_value", COLORS.true_value, 0.07)),
            ]
            + [(names[i], marker(None, self.styles[i][0], 0.07, code=self.styles[i][1])) for i in range(k)]
            + [("flag threshold", swatch_line(COLORS.threshold, True))],
            FS.tiny,
        )
        self.scale_num = Number(1.0, places=1, size=FS.label, color=COLORS.byzantine)
        scale_row = VGroup(label("attack ×", FS.label, COLORS.byzantine), self.scale_num).arrange(RIGHT, buff=0.1)
        self.scale_num.align_to(scale_row[0], DOWN)
        self.scale_row = scale_row
        self.defs = self.define("n", "f", "μ", size=FS.tiny)
        if single_column():
            scale_row.next_to(VGroup(xa, ya), DOWN, buff=0.3).align_to(VGroup(xa, ya), LEFT)
            side(key, self.defs)
        else:  # a row under the plane and the panels (the side column is too narrow for the glossary's words)
            side(scale_row, key)
            self.defs.arrange(RIGHT, buff=0.6).move_to([MAIN_LEFT + 0.1, -3.15, 0], aligned_edge=LEFT)
        # z-score panels
        n = len(self.byz)
        zw = z_right - z_left
        self.zx = z_left + 0.15 + (np.arange(n) + 0.5) * ((zw - 0.15) / n)
        mid = (z_left + z_right) / 2
        self.panels = {}
        static = [head, xa, ya, axes_lbl, key, scale_row[0]]
        for name, y0, thr, caption in (
            ("classic", y_classic, tr.meta["threshold_classic"], "classic mean/std z-score"),
            ("robust", y_robust, tr.meta["threshold_robust"], "median/MAD z-score"),
        ):
            base = Line([z_left, y0, 0], [z_right, y0, 0], color=COLORS.muted, stroke_width=2)
            thr_y = y0 + min(thr, Z_MAX) / Z_MAX * BAR_H
            thr_line = DashedLine(
                [z_left, thr_y, 0], [z_right, thr_y, 0], color=COLORS.threshold, stroke_width=2.5, dash_length=0.1
            )
            thr_lbl = (
                label(f"flag at {thr:g}", FS.tiny, COLORS.threshold)
                .next_to(thr_line, UP, buff=0.05)
                .align_to(thr_line, RIGHT)
            )
            cap = label(caption, FS.small, COLORS.text).move_to([mid, y0 + BAR_H + 0.38, 0])
            ids = VGroup(
                *[label(f"{i}", FS.tiny, COLORS.muted).move_to([x, y0 - 0.2, 0]) for i, x in enumerate(self.zx)]
            )
            static += [base, thr_line, thr_lbl, cap, ids]
            if name == "classic":
                bnd = tr.meta["z_bound"]
                by = y0 + bnd / Z_MAX * BAR_H
                bline = DashedLine(
                    [z_left, by, 0], [z_right, by, 0], color=COLORS.muted, stroke_width=2, dash_length=0.05
                )
                blbl = label(
                    rf"dotted: largest possible $|z| = \sqrt{{n-1}}$ = {bnd:.2f}", FS.tiny, COLORS.muted
                ).move_to([mid, y0 + BAR_H + 0.02, 0])
                if blbl.get_top()[1] + 0.06 > cap.get_bottom()[1]:  # larger paper text: the panel's title goes up
                    cap.next_to(blbl, UP, buff=0.08)
                self.bound_line, self.bound_label = bline, blbl  # drawn, then lit up as the conclusion's ruler
            z = tr[f"z_{name}"][0]
            bars = VGroup(*[self.bar(x, y0, zi, b) for x, zi, b in zip(self.zx, z, self.byz)])
            hatches = VGroup(*[Hatch(bars[i], 0.1) for i in range(n) if self.byz[i]])
            nums = VGroup(
                *[
                    Number(
                        min(zi, 99.9),
                        places=1,
                        size=FS.small,
                        edge=ORIGIN,
                        color=COLORS.byzantine if b else COLORS.muted,
                    ).move_to([x, y0 - 0.52, 0])
                    for x, zi, b in zip(self.zx, z, self.byz)
                ]
            )
            flags = VGroup(
                *[
                    RoundedRectangle(
                        corner_radius=0.12,
                        width=0.035 * FS.small,
                        height=0.018 * FS.small,
                        color=COLORS.threshold,
                        stroke_width=3,
                    )
                    .move_to([x, y0 - 0.53, 0])
                    .set_stroke(opacity=0.0)
                    for x in self.zx
                ]
            )
            self.panels[name] = (y0, bars, nums, flags, hatches)
        static += [truth]
        self.add(*static)
        self.freeze_background(*static)
        self.add(self.arrows, self.marks, self.scale_num, self.bound_line, self.bound_label, self.defs)
        for _, bars, nums, flags, hatches in self.panels.values():
            self.add(bars, hatches, nums, flags)

    def arrow(self, o, u, byz):
        """A client's update: an honest solid arrow, a Byzantine dashed one."""
        end = self.to_screen(u)
        color = COLORS.byzantine if byz else COLORS.honest
        if not byz:
            return Arrow(
                o, end, buff=0, color=color, stroke_width=4, max_tip_length_to_length_ratio=0.12, tip_length=0.18
            )
        a = DashedLine(o, end, color=color, stroke_width=4, dash_length=0.14, dashed_ratio=0.6)
        return a.add_tip(tip_length=0.18, tip_width=0.18)

    def marker(self, i: int, v):
        """Aggregator i in its theme colour and marker; nested sizes keep overlapping estimates visible."""
        colour, code = self.styles[i]
        m = marker(None, colour, self.sizes[i], code=code).move_to(self.to_screen(v))
        return m.set_stroke(COLORS.background, 1.5, family=True) if i < len(self.sizes) - 1 else m

    def bar(self, x: float, y0: float, z: float, byz: bool) -> Rectangle:
        h = max(min(float(z), Z_MAX) / Z_MAX * self.bar_h, 0.01)
        return Rectangle(
            width=0.42,
            height=h,
            fill_color=COLORS.byzantine if byz else COLORS.honest,
            fill_opacity=0.9,
            stroke_width=0,
        ).move_to([x, y0 + h / 2, 0])

    # ------------------------------------------------------------------ one attack step
    def step(self, tr, t: int):
        o = self.to_screen((0.0, 0.0))
        anims = []
        for i, b in enumerate(self.byz):
            if b:
                anims.append(Transform(self.arrows[i], self.arrow(o, tr["updates"][t, i], True)))
        for i in range(len(self.marks)):
            anims.append(self.marks[i].animate.move_to(self.to_screen(tr["estimates"][t, i])))
        self.scale_num.set_value(float(tr["scale"][t]))
        for name, (y0, bars, nums, flags, _) in self.panels.items():
            z = tr[f"z_{name}"][t]
            fl = tr[f"flag_{name}"][t]
            for i in range(len(z)):
                anims.append(Transform(bars[i], self.bar(self.zx[i], y0, z[i], self.byz[i])))
                nums[i].set_value(min(float(z[i]), 99.9))
                flags[i].set_stroke(opacity=1.0 if fl[i] else 0.0)
        self.play(*anims, run_time=self.round_time(t, events=(1,), near=0))
