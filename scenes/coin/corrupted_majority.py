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

import math

import numpy as np
from manim import RIGHT, Line, VGroup

from kit.traces import TraceSpec
from scenes.base import Pace
from scenes.claims import Claim, first_true, plain
from scenes.coin.global_coin import GAUGE_H, GAUGE_X, GAUGE_Y0, FadeOutPlace, GlobalCoinAdversary
from scenes.pieces import COLORS, FS, FadeInPlace, Number, label

STATE_Y, ARGUMENT_Y, ROW_X = -2.98, -3.46, -1.3
CAPTION_EVERY = 7.0  # seconds: a round caption when the last one is older and has been read


def frames(s: float, fps: int = 15) -> float:
    """``s`` rounded up to whole frames (at 15 fps, so also at 30 and 60)."""
    return math.ceil(s * fps - 1e-9) / fps


class CoinCorruptedMajority(GlobalCoinAdversary):
    trace_spec = TraceSpec(
        "coin_run", seed=105, params={"n": 20, "tau": 4, "adversary": "nonadaptive", "max_rounds": 16}
    )
    key_frames = ("initial", "crossing", "final")
    paper_stills = ("crossing", "final")
    # every run time a whole number of frames at 15, 30 and 60 fps (a fifth of a round is one step)
    pace = Pace(round=1.0, event_round=3.0, key_hold=2.0, intro_hold=2.0, end_hold=6.0)
    heading = "When the corrupted outweigh the good"
    gauge_top = 1.0  # the whole share: the 50% mark is where corrupted = good
    shows_volatile = False  # no volatile experts without the adaptive adversary
    rule_text = r"$z$ = sign of the weighted vote $\Sigma\, w a$;   $w \leftarrow w (1 \pm \eta)$"
    # other runs the words are checked on (tests/test_scenes_narration.py): one that stays longer and then
    # leaves the state, other seeds (one never crosses), fewer corrupted experts
    claim_checks = ({"max_rounds": 100}, {"seed": 73, "max_rounds": 30}, {"seed": 3}, {"tau": 2, "seed": 265})

    def construct(self):
        tr = self.trace
        inside = np.asarray(tr["corrupted_above_good"], dtype=bool)
        d, z = tr["d"].astype(int), tr["z"].astype(int)
        share = np.asarray(tr["corrupted_share"], dtype=float)
        R = len(d)
        if (inside & (z == d)).any():  # Lemma 1: cannot happen; a trace that shows it is wrong, not the scene
            raise AssertionError("a round that began with corrupted > good ended the run")
        crossed = bool(inside.any())
        # the key round: the first that begins in the state, else the one with the largest corrupted share
        fc = int(np.argmax(inside)) if crossed else int(np.argmax(share[:-1])) if R > 1 else 0
        self.peak = fc  # the event rounds of the pacing: the start, the key round, the end
        self.build(tr)
        self.build_state(tr)
        p = tr.params
        self.opening(
            caption=Claim(
                "{n} experts, {tau} of them corrupted. Above the gauge's middle line, the corrupted experts "
                "outweigh all the good ones.",
                n=p["n"],
                tau=p["tau"],
                holds=lambda: int(tr["corrupted"][0].sum()) == p["tau"],
                says="tau corrupted experts at the start",
            ),
            prompt=plain("Point at the gauge: its middle line is where corrupted and good weigh the same."),
        )
        for t in range(R):
            if t != fc and t < R - 2 and self.caption_due():  # (the final key frame's caption comes soon after)
                self.caption(self.round_claim(tr, t, fc))
            if t == fc:
                if crossed:
                    self.show_state(tr, t)
                self.key_frame("crossing", self.key_claim(tr, t, crossed), prompt=self.key_prompt(crossed))
                self.hold()
            self.play_round(tr, t)
            if t == R - 1:
                break
            if t + 1 != fc:
                self.slide_break()
            self.set_totals(tr, t + 1)  # the numbers change as the weights and the gauge flow
            self.flow(tr, t)
            self.update_state(tr, t + 1)
        k = int(inside.sum())
        self.key_frame("final", self.final_claim(tr, k), prompt=self.final_prompt(tr, k))
        self.hold(4.0)
        self.clear_bottom()
        self.conclude(self.conclusion(tr, k))

    # -- the words, each bound from the trace with what it asserts --------------------------------------------
    def caption_due(self) -> bool:
        """No caption for CAPTION_EVERY seconds and the last one read to its end."""
        from scenes.base import reading_time

        last = self._caption
        if last is None:
            return True
        text, t0 = last
        since = self._now() - t0
        return since >= self.seconds(CAPTION_EVERY) and since >= reading_time(text)

    def round_claim(self, tr, t: int, fc: int) -> Claim:
        """What round t shows: before the key round the corrupted share, after it the state."""
        return self.share_claim(tr, t) if t < fc else self.still_claim(tr, t)

    def share_claim(self, tr, t: int) -> Claim:
        pct = round(100 * float(tr["corrupted_share"][t]), 1)
        below = Claim(
            "Round {r}: the corrupted experts hold {pct}% of the weight, less than the good ones",
            r=t + 1,
            pct=pct,
            holds=lambda: not bool(tr["corrupted_above_good"][t]),
            says="round t began with corrupted <= good",
        )
        return first_true(below, Claim("Round {r}: the corrupted experts hold {pct}% of the weight", r=t + 1, pct=pct))

    def key_claim(self, tr, t: int, crossed: bool) -> Claim:
        wk, wg = self.totals(tr, t)
        a, b = round(wk, 1), round(wg, 1)
        cross = Claim(
            "Round {r}: corrupted {a} > good {b}. A good vote is at most {b}, so the corrupted can always "
            "outvote it: the round cannot end.",
            r=t + 1,
            a=a,
            b=b,
            holds=lambda: bool(tr["corrupted_above_good"][t]) and int(tr["z"][t]) != int(tr["d"][t]),
            says="round t began with corrupted > good, and z != d in it",
        )
        peak = Claim(
            "Round {r}: the corrupted experts' largest share, {pct}%: corrupted {a} against good {b}, never above.",
            r=t + 1,
            pct=round(100 * float(tr["corrupted_share"][t]), 1),
            a=a,
            b=b,
            holds=lambda: not bool(np.asarray(tr["corrupted_above_good"]).any()),
            says="no round began with corrupted > good",
        )
        return first_true(cross, peak) if crossed else peak

    @staticmethod
    def key_prompt(crossed: bool) -> Claim:
        if crossed:
            return plain("Say why: the good vote adds and subtracts their weights, so it never exceeds their total.")
        return plain("This run never gets there: the corrupted weight stays below the good experts' total.")

    def still_claim(self, tr, t: int) -> Claim:
        wk, wg = self.totals(tr, t)
        vals = dict(r=t + 1, a=round(wk, 1), b=round(wg, 1))
        still = Claim(
            "Round {r}: still corrupted {a} > good {b}, and again z ≠ d",
            holds=lambda: bool(tr["corrupted_above_good"][t]) and int(tr["z"][t]) != int(tr["d"][t]),
            says="round t in the state and z != d",
            **vals,
        )
        inside = np.asarray(tr["corrupted_above_good"], dtype=bool)
        left = Claim(
            "Round {r}: corrupted {a}, good {b}: below the good experts again",
            holds=lambda: not bool(inside[t]) and bool(inside[:t].any()),
            says="round t began with corrupted <= good, after rounds in the state",
            **vals,
        )
        below = Claim(
            "Round {r}: corrupted {a}, good {b}: below the good experts",
            holds=lambda: not bool(inside[t]),
            says="round t began with corrupted <= good",
            **vals,
        )
        return first_true(still, left, below)

    def final_claim(self, tr, k: int) -> Claim:
        inside = np.asarray(tr["corrupted_above_good"], dtype=bool)
        d, z = tr["d"].astype(int), tr["z"].astype(int)
        R = len(d)
        cens = bool(tr.meta["censored"])
        return first_true(
            Claim(
                "Round {R}, the cap: z ≠ d in all {k} rounds with corrupted > good.",
                R=R,
                k=k,
                holds=lambda: cens and k > 0 and not bool((inside & (z == d)).any()),
                says="censored, and no round in the state ended",
            ),
            Claim(
                "Round {R}: corrupted fell back below good; only then z = d.",
                R=R,
                holds=lambda: not cens and k > 0 and not inside[-1] and z[-1] == d[-1],
                says="ended in a round outside the state, after k rounds in it",
            ),
            Claim(
                "Round {R}, the cap: the corrupted never outweighed the good in this run.",
                R=R,
                holds=lambda: cens and k == 0,
                says="censored, never in the state",
            ),
            Claim(
                "Round {R}: z = d, and no round began with corrupted > good.",
                R=R,
                holds=lambda: not cens and k == 0 and z[-1] == d[-1],
                says="ended, never in the state",
            ),
            Claim(
                "Round {R}: no round with corrupted > good ended, in {k} such rounds.",
                R=R,
                k=k,
                holds=lambda: not bool((inside & (z == d)).any()),
                says="Lemma 1 on this run",
            ),
        )

    def final_prompt(self, tr, k: int) -> Claim:
        if tr.meta["censored"]:
            return plain("The run is cut at the cap here; in long simulations most such runs do leave the state.")
        return plain("What let the good experts back: the corrupted weight leaks when no subset matches the vote.")

    def conclusion(self, tr, k: int) -> Claim:
        inside = np.asarray(tr["corrupted_above_good"], dtype=bool)
        d, z = tr["d"].astype(int), tr["z"].astype(int)
        cens = bool(tr.meta["censored"])
        stayed = k > 0 and bool(inside[int(np.argmax(inside)) :].all())
        return first_true(
            Claim(
                "Corrupted > good: no round can end. Here {k} in a row, none did",
                k=k,
                holds=lambda: cens and stayed and not bool((inside & (z == d)).any()),
                says="censored in the state, no round in it ended",
            ),
            Claim(
                "No round with corrupted > good can end: {k} here; z = d came only after it",
                k=k,
                holds=lambda: not cens and k > 0 and not bool((inside & (z == d)).any()),
                says="k rounds in the state, none ended, the run ended later",
            ),
            Claim(
                "A round with corrupted > good could not end; this run never got there",
                holds=lambda: k == 0,
                says="no round in the state",
            ),
            Claim(
                "No round with corrupted > good can end: {k} here, none did",
                k=k,
                holds=lambda: not bool((inside & (z == d)).any()),
                says="Lemma 1 on this run",
            ),
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
        self.state_row = VGroup(head_k, self.wk, head_g, self.wg)  # the sign is swapped on its own
        self.cmp[True].move_to(self.cmp[False])
        self.argument = label(
            r"a good vote is at most the good weight, so $z \neq d$ is always possible", FS.tiny, COLORS.threshold
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
        """The sign turns: the old one fades out, then the new one in (never both at once in one place)."""
        new = self.cmp[inside]
        step = self.seconds(0.4)
        self.play(FadeOutPlace(self.cmp_shown), run_time=step)
        anims = [FadeInPlace(new)]
        if with_argument:
            anims.append(FadeInPlace(self.argument))
            self.argument_seen = True
        elif not inside and self.argument in self.mobjects:
            anims.append(FadeOutPlace(self.argument))
        self.play(*anims, run_time=step)
        self.cmp_shown, self.inside_now = new, inside

    def swap(self, new, run_time):
        """The texts of a round change in place one after the other: the old fade out, then the new in."""
        old = [m for m in self.shown if m not in new]
        fresh = [m for m in new if m not in self.shown]
        self.shown = list(new)
        half = max(frames(run_time / 2), self.seconds(0.2))
        if old:
            self.play(*[FadeOutPlace(m) for m in old], run_time=half)
        if fresh:
            self.play(*[FadeInPlace(m) for m in fresh], run_time=half)

    def clear_bottom(self):
        """The conclusion's band covers the bottom of the frame: what is written there leaves first."""
        self.thaw_background()
        gone = [self.key, self.state_row, self.cmp_shown] + ([self.argument] if self.argument in self.mobjects else [])
        self.play(*[FadeOutPlace(m) for m in gone], run_time=self.seconds(1.0))
