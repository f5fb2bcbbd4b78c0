"""RobustAggregation: a scaled attacker drags the mean; the median and trimmed mean hold; z-scores are masked.

Replays an ``aggregation_demo`` trace (the aggregation module's scaling attack on 2-D
client updates): the Byzantine clients' arrows grow step by step, the mean
follows them while the coordinate median and the trimmed mean stay with the
honest clients; on the right, the module's z-score never reaches its threshold
(masking: |z| <= sqrt(n - 1)), while the median/MAD z-score flags the attackers.

The plane draws the trace's list of aggregators (``SET="aggregators=mean,median,my_rule"``; a plugin's rule
too), each in its theme colour and marker (kit.theme.styles: a name the theme does not know gets the next
spare colour and marker); the captions name the ones the trace says held and the ones it says moved.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, ORIGIN, RIGHT, UP, Arrow, DashedLine, Line, Rectangle, RoundedRectangle, Transform, VGroup

from kit.theme import current_theme, styles
from kit.traces import TraceSpec
from scenes.base import Pace, StudioScene
from scenes.pieces import (
    COLORS,
    FS,
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

PLANE_CENTER = np.array([-4.5, -0.55, 0])
PLANE_SIZE = 4.6
Z_LEFT, Z_RIGHT = -1.5, 3.55  # the z-score panels
# a single-column paper figure (larger text, the side column underneath): a smaller plane, wider panels
SINGLE = {"center": np.array([-5.0, -0.55, 0]), "size": 3.7, "z": (-2.75, 4.1)}
Z_MAX = 6.0  # z-bars are clipped here (values are printed)
BAR_H = 1.5  # screen height of Z_MAX
MARKER_SIZES = {3: (0.16, 0.15, 0.085)}  # nested: overlapping estimates stay visible (others: decreasing)
NUMBERS = ("no", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve")


def _count(n: int) -> str:
    return NUMBERS[n] if n < len(NUMBERS) else str(n)


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

    def construct(self):
        tr = self.trace
        self.build(tr)
        short, held = tr.meta["short_labels"], tr.meta["held"]
        kept = [n for n, h in zip(short, held) if h]
        moved = [n for n, h in zip(short, held) if not h]
        n_byz = int(np.sum(tr["is_byzantine"]))
        self.opening(notes=f"{_count(len(self.byz))} clients send 2-D updates; the {_and(short)} agree.")
        T = len(tr["scale"])
        for t in range(1, T):
            self.step(tr, t)
            if t == 1:
                what = f"the {moved[0]} starts to move" if moved else "the estimates hold"
                self.key_frame("attack", notes=f"{_count(n_byz)} clients scale their updates: {what}.")
                self.hold()
        dragged = f"The {_and(moved)} {'is' if len(moved) == 1 else 'are'} dragged away" if moved else "Nothing moves"
        self.key_frame(
            "dragged",
            notes=f"{dragged}; {_and(kept) + ' hold' if kept else 'none holds'}. "
            "The seed's z-score stays below 3; the median/MAD score flags both.",
        )
        self.hold()
        follow = f"The {_and(moved)} follow{'s' if len(moved) == 1 else ''} the attackers" if moved else "The attackers"
        self.conclude(
            f"{follow} and mask{'s' if len(moved) == 1 else ''} their z-scores; "
            f"{', '.join(kept) + ' and ' if kept else ''}median/MAD z-scores hold."
        )
        self.key_frame("final")

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
        side(scale_row, key)
        # z-score panels
        n = len(self.byz)
        zw = z_right - z_left
        self.zx = z_left + 0.15 + (np.arange(n) + 0.5) * ((zw - 0.15) / n)
        mid = (z_left + z_right) / 2
        self.panels = {}
        static = [head, xa, ya, axes_lbl, key, scale_row[0]]
        for name, y0, thr, caption in (
            ("classic", 0.75, tr.meta["threshold_classic"], "classic mean/std z-score"),
            ("robust", -2.1, tr.meta["threshold_robust"], "median/MAD z-score"),
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
                static += [bline, blbl]
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
        self.add(self.arrows, self.marks, self.scale_num)
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
        h = max(min(float(z), Z_MAX) / Z_MAX * BAR_H, 0.01)
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
