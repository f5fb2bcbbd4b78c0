"""Committee download (sim.consensus.committee): properties from the protocol's math."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.consensus.committee import BY_MAJORITY, BY_VOTE, committee_size, tolerated, vote_threshold
from sim.consensus.presets import preset
from sim.consensus.strategies import SILENT
from sim.core.kinds import simulate

STRATEGIES = ("flip", "equivocate", "silent", "worst")


def _h(t):
    return ~np.asarray(t["is_byzantine"])


def test_committee_size_rules():
    # the seed's 6 peers, f = floor(6 / 3) = 2: floor(2.5 ln 6) = 4
    assert committee_size(6, 2, 2.5, "seed") == 5
    assert committee_size(6, 2, 2.5, "safe") == 6
    assert committee_size(6, 2, 2.5, "whp") == 4
    assert committee_size(100, 5, 2.5, "whp") == math.floor(2.5 * math.log(100))
    assert committee_size(3, 0, 2.5, "seed") == 3
    for k in range(3, 60):
        for f in range(0, tolerated(k) + 1):
            s = committee_size(k, f, 2.5, "safe")
            assert s - f >= vote_threshold(s), "every committee has ceil(2s/3) honest members, whatever the draw"
            assert s - f > f, "and an honest majority for the outsiders"


def test_seed_presets_run():
    for name in ("seed_committee", "seed_committee_safe"):
        kind, params = preset(name)
        t = simulate(kind, 0, params)
        assert t["bits"].shape == (6,) and t["is_byzantine"].sum() == 2
        assert t["committees"].shape == (6, 5 if name == "seed_committee" else 6)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("k,n", [(6, 6), (9, 12), (16, 10)])
def test_below_the_bound_agreement_validity_no_honest_blacklisted(strategy, k, n):
    f = tolerated(k)
    for seed in range(3):
        t = simulate(
            "committee_download",
            seed,
            {
                "n_cells": n,
                "n_peers": k,
                "byz_fraction": f / k,
                "strategy": strategy,
                "committee_rule": "safe",
                "oracle": "perfect",
            },
        )
        h = _h(t)
        d = t["decision"][h]
        assert (d == t["bits"][None, :]).all()
        bl = t["blacklisted_at"]
        assert (bl[np.ix_(h, h)] == -1).all(), "an honest peer is never blacklisted"
        assert (bl[~h] == -1).all()  # Byzantine observers are not simulated


def test_flipping_members_are_blacklisted_by_everyone_who_heard_them():
    t = simulate("committee_download", 1, {"n_cells": 10, "n_peers": 9, "byz_fraction": 3 / 9, "strategy": "flip"})
    h = _h(t)
    C = t["committees"]
    for b in np.flatnonzero(~h):
        cells = np.flatnonzero((C == b).any(axis=1))
        if cells.size:
            assert (t["blacklisted_at"][h, b] == cells[0]).all(), "caught at its first committee"


def test_above_the_bound_the_vote_fails():
    # safe rule, k = 6, f = 3 > floor(6 / 3): s = 6, 3 honest members < V = 4: no honest peer can decide
    t = simulate("committee_download", 0, {"n_cells": 6, "n_peers": 6, "byz_fraction": 0.5, "strategy": "flip"})
    assert t.meta["committee_size"] == 6 and t.meta["vote_threshold"] == 4
    assert (t["decision"][_h(t)] == -1).all()
    # the seed's rule on the seed's network: s = 5, V = 4; a committee holding both Byzantine peers while
    # nobody has blacklisted them has 3 honest members < V: its members stall (outsiders still get it right)
    kind, params = preset("seed_committee_safe")
    found = 0
    for seed in range(10):
        t = simulate(kind, seed, {**params, "committee_rule": "seed"})
        h = _h(t)
        byz = np.flatnonzero(~h)
        for c in range(6):
            members = t["committees"][c]
            fresh = (t["blacklisted_at"][:, byz] == -1) | (t["blacklisted_at"][:, byz] >= c)
            if np.isin(byz, members).all() and fresh.all():
                found += 1
                honest_members = members[h[members]]
                assert (t["decision"][honest_members, c] == -1).all(), "3 honest < V = 4: the members stall"
                outsiders = np.setdiff1d(np.flatnonzero(h), members)
                assert (t["decision"][outsiders, c] == t["bits"][c]).all(), "the honest majority reaches outsiders"
    assert found >= 1


def test_a_dishonest_majority_committee_blacklists_honest_peers():
    # whp rule, 50% Byzantine: some committee has a flipping majority; outsiders adopt the wrong bit and
    # blacklist the honest members who told the truth
    t = simulate(
        "committee_download",
        0,
        {"n_cells": 30, "n_peers": 12, "byz_fraction": 0.5, "strategy": "flip", "committee_rule": "whp"},
    )
    h = _h(t)
    d = t["decision"][h]
    assert ((d >= 0) & (d != t["bits"])).any()
    assert (t["blacklisted_at"][np.ix_(h, h)] >= 0).any()


@pytest.mark.parametrize("oracle,queries", [("perfect", 1), ("randomized", 1), ("randomized", 5)])
def test_query_cost_formula(oracle, queries):
    for k, n, rule in [(6, 6, "seed"), (12, 20, "whp"), (9, 7, "safe")]:
        t = simulate(
            "committee_download",
            2,
            {"n_cells": n, "n_peers": k, "committee_rule": rule, "oracle": oracle, "queries": queries},
        )
        s = t.meta["committee_size"]
        in_committees = np.array([(t["committees"] == p).sum() for p in range(k)])
        assert (t["query_cost"] == queries * in_committees).all()
        assert t["query_cost"].sum() == n * s * queries
        assert t["raw_answers"].shape == (n, s, queries)
        # each committee has s distinct members
        assert all(len(set(row)) == s for row in t["committees"])


def test_reports_votes_and_adoption_recount():
    t = simulate(
        "committee_download",
        4,
        {
            "n_cells": 12,
            "n_peers": 9,
            "byz_fraction": 3 / 9,
            "strategy": "equivocate",
            "oracle": "randomized",
            "p_correct": 0.8,
            "queries": 3,
        },
    )
    V = t.meta["vote_threshold"]
    h = _h(t)
    bl_at = t["blacklisted_at"]
    for c in range(12):
        members = t["committees"][c]
        rep = t["reports"][c]
        for r in np.flatnonzero(h):
            heard = [
                (j, rep[j, r]) for j, q in enumerate(members) if rep[j, r] != SILENT and not (0 <= bl_at[r, q] < c)
            ]
            cnt = [sum(1 for _, v in heard if v == w) for w in (0, 1)]
            if r in members:
                j = list(members).index(r)
                cnt[t["answers"][c, j]] += 1
                listened = sum(1 for q in members if not (0 <= bl_at[r, q] < c))
                V_eff = math.ceil(2 * listened / 3)
                assert V_eff <= V
                want = next((w for w in (0, 1) if cnt[w] >= V_eff), -1)
                assert t["decided_by"][r, c] == (BY_VOTE if want >= 0 else 0)
            else:
                want = -1 if cnt[0] == cnt[1] else int(cnt[1] > cnt[0])
                assert t["decided_by"][r, c] == (BY_MAJORITY if want >= 0 else 0)
            assert t["decision"][r, c] == want
            assert list(t["support"][c, r]) == cnt
        # honest members report the majority of their own answers
        ans = t["answers"][c]
        raw = t["raw_answers"][c]
        assert (ans == (raw.sum(axis=1) * 2 > raw.shape[1])).all()


def test_noisy_oracle_gets_honest_peers_blacklisted():
    """The seed's randomized oracle (a fresh random bit per query): honest members disagree and blacklist
    each other -- why Sec. III.B queries each source many times."""
    kind, params = preset("seed_committee")
    hits = 0
    for seed in range(5):
        t = simulate(kind, seed, params)
        h = _h(t)
        hits += int((t["blacklisted_at"][np.ix_(h, h)] >= 0).any())
    assert hits >= 3
