"""The coin scenes' words on runs where the old ones were false (no video, no manim scene: the claims only).

Before issue 19 the global-coin scenes said "their peak" at the largest share between the first and the last
round, "the vote follows the good experts ... the coin is out" at the last round and "z = d in the end" in the
conclusion, whatever the run did. On a run cut at its cap (seed 105, n = 20, f = 4, 12 rounds) the share is
largest in the last round and z never equals d: the predicates must reject all three, and the scene must say
what the run did instead.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from scenes.coin.global_coin import AdaptiveCoinAdversary, GlobalCoinAdversary, lost_anyway
from sim.api import simulate


def run(seed: int, **params):
    p = {"n": 20, "tau": 4, "adversary": "nonadaptive", "max_rounds": 60, **params}
    return simulate("coin_run", seed, p)


@pytest.fixture(scope="module")
def capped():
    tr = run(105, max_rounds=12)
    assert tr.meta["censored"] and tr.meta["stop"] == 1  # the run the old words were wrong about
    return tr


def test_the_old_peak_words_are_rejected_where_the_share_is_largest_at_the_end(capped):
    share = capped["corrupted_share"]
    old = GlobalCoinAdversary.peak_round(share)  # the old trigger: the largest share between first and last
    assert 0 < old < len(share) - 1 and share[-1] > share[old]  # so "their peak" was false there
    said = GlobalCoinAdversary.peak_claim(None, capped, old)
    assert said.check() and "their most" not in said.text
    assert "in round 1" in said.text  # the true thing instead: the share then and in round 1


def test_the_old_ending_words_are_rejected_on_a_censored_run(capped):
    final = GlobalCoinAdversary.final_claim(None, capped)
    assert final.check() and "the cap" in final.text and "z = d" not in final.text.replace("z ≠ d", "")
    scene = SimpleNamespace(peak=GlobalCoinAdversary.peak_round(capped["corrupted_share"]))
    end = GlobalCoinAdversary.conclusion(scene, capped)
    assert end.check() and "up to the cap" in end.text and "outgrew" not in end.text


def test_the_ending_words_hold_on_ended_runs():
    for seed in (29, 7, 3):
        tr = run(seed, n=30, tau=3)
        assert not tr.meta["censored"]
        final = GlobalCoinAdversary.final_claim(None, tr)
        assert final.check() and "even with all the adversary's experts on −d" in final.text


@pytest.mark.parametrize("seed", range(8))
def test_a_round_ends_exactly_when_the_adversary_cannot_prevent_it(seed):
    """The non-adaptive adversary is exact: a round ends (z = d) iff even all its experts advising -d give z = d
    (docs/coin.md: if J = {} gives z = d, no choice works; any J that works, J = {} works too)."""
    tr = run(seed, n=12, tau=3)
    z, d = tr["z"].astype(int), tr["d"].astype(int)
    assert [lost_anyway(tr, t) for t in range(len(d))] == list(z == d)


def test_the_adaptive_opening_shows_nobody_corrupted_and_the_budgets():
    tr = simulate("coin_run", 12, {"n": 16, "tau": 3, "adversary": "adaptive", "volatile": 0, "max_rounds": 60})
    assert tr["corrupted"][0].any()  # captures in round 1: the opening shows the state before them
    assert not AdaptiveCoinAdversary.initial_corrupted(tr).any()
    scene = SimpleNamespace(
        volatile_budget=lambda t: 0, initial_corrupted=AdaptiveCoinAdversary.initial_corrupted, trace=tr
    )
    said = AdaptiveCoinAdversary.opening_claim(scene, tr)
    assert said.check() and "no volatile experts" in said.text and "f = 3" in said.text
    assert np.isclose(tr["corrupted_share"][0], tr["weights"][0][tr["corrupted"][0]].sum() / tr["weights"][0].sum())
