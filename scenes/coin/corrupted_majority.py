"""CoinCorruptedMajority: a run of the global coin that crosses into "corrupted > good" and cannot end there.

Replays a ``coin_run`` trace like GlobalCoinAdversary (n = 20, tau = 4, seed 105: the corrupted experts'
weight passes the good experts' at the start of round 11 and stays above it up to the cap, round 16). From
the crossing on, the two totals and the argument are on screen: any good vote is at most the good weight
W_G, so when the corrupted weight W_K exceeds it, the corrupted experts all advising -d outvote whatever the
good experts say -- z != d is always possible and the round cannot end (docs/coin.md, Lemma 1). The rounds
in that state are the trace's ``corrupted_above_good``; the scene checks that none of them has z = d and
words its closing line from what the trace did afterwards (stayed to the cap, or fell back and ended).
"""

from __future__ import annotations

import numpy as np
from manim import RIGHT, Line, VGroup

from kit.traces import TraceSpec
from scenes.base import Pace
from scenes.coin.global_coin import GAUGE_H, GAUGE_X, GAUGE_Y0, FadeOutPlace, GlobalCoinAdversary
from scenes.pieces import COLORS, FS, FadeInPlace, Number, label

STATE_Y, ARGUMENT_Y, ROW_X = -2.98, -3.46, 0.75


class CoinCorruptedMajority(GlobalCoinAdversary):
    trace_spec = TraceSpec(
        "coin_run", seed=105, params={"n": 20, "tau": 4, "adversary": "nonadaptive", "max_rounds": 16}
    )
    key_frames = ("initial", "crossing", "final")
    pace = Pace(round=1.0, event_round=2.6, key_hold=2.5, intro_hold=2.0, end_hold=3.5)
    heading = "When the corrupted outweigh the good"
    gauge_top = 1.0  # the whole share: the 50% mark is where corrupted = good
    shows_volatile = False  # no volatile experts without the adaptive adversary

    def opening_notes(self, tr) -> str:
        p = tr.params
        return (
            f"{p['n']} experts, {p['tau']} of them corrupted. Watch the gauge: above 50% the corrupted experts "
            f"outweigh all the good ones."
        )

    def construct(self):
        tr = self.trace
        inside = np.asarray(tr["corrupted_above_good"], dtype=bool)
        d, z = tr["d"].astype(int), tr["z"].astype(int)
        R = len(d)
        if not inside.any():
            raise ValueError(f"{type(self).__name__}: this trace never reaches corrupted > good; choose another seed")
        if (inside & (z == d)).any():  # Lemma 1: cannot happen; a trace that shows it is wrong, not the scene
            raise AssertionError("a round that began with corrupted > good ended the run")
        fc = int(np.argmax(inside))  # 0-based: the first round that begins in the state
        self.peak = fc  # the event rounds of the pacing: the start, the crossing, the end
        self.build(tr)
        self.build_state(tr)
        self.opening(notes=self.opening_notes(tr))
        for t in range(R):
            if t == fc:
                self.show_state(tr, t)
                self.key_frame("crossing", notes=self.crossing_notes(tr, t))
                self.hold()
            self.play_round(tr, t)
            if t == R - 1:
                break
            if t + 1 != fc:
                self.slide_break()
            self.set_totals(tr, t + 1)  # the numbers change as the weights and the gauge flow
            self.flow(tr, t)
            self.update_state(tr, t + 1)
        stayed = bool(inside[fc:].all())
        k = int(inside.sum())
        if tr.meta["censored"]:
            notes = f"Round {R}, the cap: z ≠ d in all {k} rounds with corrupted > good."
        else:
            notes = f"Round {R}: corrupted fell back below good; only then z = d."
        self.key_frame("final", notes=notes)
        self.hold(4.0)
        self.conclude(self.conclusion(tr, k, stayed, R))

    def conclusion(self, tr, k: int, stayed: bool, R: int) -> str:
        if tr.meta["censored"] and stayed:
            return f"Corrupted > good: no round can end. Here {k} in a row, none did"
        return f"No round with corrupted > good can end: {k} here; z = d came only after it"

    def crossing_notes(self, tr, t: int) -> str:
        wk, wg = self.totals(tr, t)
        return (
            f"Round {t + 1}: corrupted {wk:.1f} > good {wg:.1f}. A good vote is at most {wg:.1f}, so the "
            f"corrupted can always outvote it: the round cannot end."
        )

    # -- the two totals and the argument -------------------------------------------------------------
    @staticmethod
    def totals(tr, t: int) -> tuple[float, float]:
        wk = float(tr["corrupted_weight"][t])
        return wk, float(tr["weights"][t].sum()) - wk

    def build_state(self, tr):
        self.solver_texts = {}  # the bottom rows carry the totals and the argument instead
        wk, wg = self.totals(tr, 0)
        self.wk = Number(wk, places=1, size=FS.small, color=COLORS.byzantine, edge=RIGHT)
        self.wg = Number(wg, places=1, size=FS.small, color=COLORS.honest, edge=RIGHT)
        head_k = label("corrupted weight", FS.small, COLORS.byzantine)
        head_g = label("good weight", FS.small, COLORS.honest)
        self.cmp = {False: label("<", FS.small, COLORS.text), True: label(">", FS.small, COLORS.threshold)}
        row = VGroup(head_k, self.wk, self.cmp[False], head_g, self.wg).arrange(RIGHT, buff=0.22)
        row.move_to([ROW_X, STATE_Y, 0])
        self.cmp[True].move_to(self.cmp[False])
        self.argument = label(
            "a good vote is at most the good weight, so z ≠ d is always possible", FS.tiny, COLORS.threshold
        ).move_to([ROW_X, ARGUMENT_Y, 0])
        half = GAUGE_Y0 + 0.5 * GAUGE_H
        self.half_line = Line([GAUGE_X - 0.27, half, 0], [GAUGE_X + 0.27, half, 0], color=COLORS.threshold)
        self.half_line.set_stroke(width=3)
        static = [head_k, head_g]
        self.thaw_background()
        self.layout += static
        self.add(*self.layout)
        self.freeze_background(*self.layout)
        self.add(self.wk, self.wg, self.cmp[False], self.half_line)
        self.inside_now = self.argument_seen = False
        self.cmp_shown = self.cmp[False]

    def show_state(self, tr, t: int):
        """Round t begins with corrupted > good: the counter moves on, the comparison turns, the argument appears."""
        self.round.number.set_value(t + 1)
        self.set_comparison(True, with_argument=True)

    def set_totals(self, tr, t: int):
        """The two totals at the start of round t."""
        wk, wg = self.totals(tr, t)
        self.wk.set_value(wk)
        self.wg.set_value(wg)

    def update_state(self, tr, t: int):
        """After the flow into round t: the comparison follows the trace's record of the state (the first crossing
        is the key frame's, in :meth:`show_state`)."""
        inside = bool(tr["corrupted_above_good"][t])
        if inside != self.inside_now and (not inside or self.argument_seen):
            self.set_comparison(inside, with_argument=inside)

    def set_comparison(self, inside: bool, with_argument: bool = False):
        new = self.cmp[inside]
        anims = [FadeOutPlace(self.cmp_shown), FadeInPlace(new)]
        if with_argument:
            anims.append(FadeInPlace(self.argument))
            self.argument_seen = True
        elif not inside and self.argument in self.mobjects:
            anims.append(FadeOutPlace(self.argument))
        self.play(*anims, run_time=self.seconds(0.6))
        self.cmp_shown, self.inside_now = new, inside
