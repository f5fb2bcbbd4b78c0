"""Threshold consensus on an oracle (sim.consensus.threshold): properties from the protocol's math."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.consensus.presets import SEED_ORACLE, preset
from sim.consensus.strategies import BIT_BASE, SILENT
from sim.consensus.threshold import (
    ACCEPTED,
    BY_QUERY,
    BY_THRESHOLD,
    VERIFIED,
    query_orders,
    run_threshold,
    threshold,
    tolerated,
)
from sim.core.errors import ParamError
from sim.core.kinds import simulate
from sim.core.trace import to_bytes

STRATEGIES = ("flip", "equivocate", "silent", "worst")


def _honest(t):
    return ~np.asarray(t["is_byzantine"])


def test_threshold_and_bound_formulas():
    assert [threshold(k) for k in (2, 4, 6, 7, 10)] == [1, 2, 4, 4, 6]
    for k in range(2, 40):
        T, f = threshold(k), tolerated(k)
        assert f < T and k - 1 - f >= T  # safe and live at the bound
        assert not (f + 1 < T and k - 1 - (f + 1) >= T)  # and not one beyond it


def test_seed_preset_six_peers_six_bits():
    kind, params = preset("seed_oracle")
    t = simulate(kind, 0, params)
    assert t.meta["threshold"] == 4 and t["bits"].shape == (6,) and t["is_byzantine"].shape == (6,)
    assert (t["decision"] == t["bits"][None, :]).all()
    assert t["state"][-1].min() >= ACCEPTED
    assert t.meta["rounds"] <= 6


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("k,n", [(4, 5), (7, 9), (10, 12)])
def test_below_the_bound_agreement_validity_termination(strategy, k, n):
    f = tolerated(k)
    for seed in range(3):
        t = simulate(
            "oracle_threshold", seed, {"n_cells": n, "n_peers": k, "byz_fraction": f / k, "strategy": strategy}
        )
        assert t.meta["n_byzantine"] == f
        d = t["decision"][_honest(t)]
        assert (d >= 0).all(), "every honest peer decides every cell"
        assert (d == t["bits"][None, :]).all(), "every decision is the oracle bit (so no two honest peers differ)"


def test_above_the_safety_bound_flip_makes_honest_peers_accept_wrong_bits():
    # k = 6: T = 4; f = 4 flipping peers send 4 wrong reports on every cell in round 0
    t = simulate("oracle_threshold", 5, {"n_cells": 6, "n_peers": 6, "byz_fraction": 4 / 6, "strategy": "flip"})
    h = _honest(t)
    wrong = t["decision"][h] != t["bits"][None, :]
    assert wrong.sum() == h.sum() * 5, "all but the cell each honest peer queried first are accepted wrong"
    assert (t["decided_by"][h][wrong] == BY_THRESHOLD).all()


def test_above_the_liveness_bound_silence_forces_every_query():
    # k = 6, f = 2: only 3 honest others < T = 4, so nothing is ever accepted: each peer queries all n
    t = simulate("oracle_threshold", 2, {"n_cells": 6, "n_peers": 6, "byz_fraction": 2 / 6, "strategy": "silent"})
    h = _honest(t)
    assert (t["decided_by"][h] == BY_QUERY).all()
    assert (t["query_cost"][h] == 6).all() and (t["decision"][h] == t["bits"]).all()


@pytest.mark.parametrize("schedule", ["random", "staggered"])
def test_query_cost_formulas(schedule):
    for k, n, f in [(6, 6, 0), (7, 10, 2), (10, 4, 3)]:
        base = {"n_cells": n, "n_peers": k, "byz_fraction": f / k, "schedule": schedule}
        t = simulate("oracle_threshold", 1, {**base, "skip_accepted": False})
        h = _honest(t)
        assert (t["query_cost"][h] == n).all() and (t["query_cost"][~h] == 0).all()  # seed: every peer, every cell
        t = simulate("oracle_threshold", 1, {**base, "skip_accepted": True, "strategy": "silent"})
        h = _honest(t)
        # cost = cells decided by the peer's own query; every cell is verified by >= T honest peers
        assert (t["query_cost"][h] == (t["decided_by"][h] == BY_QUERY).sum(axis=1)).all()
        verifiers = (t["decided_by"][h] == BY_QUERY).sum(axis=0)
        assert (verifiers >= min(threshold(k), h.sum())).all()
        assert t["query_cost"].sum() >= n * min(threshold(k), h.sum())


def test_support_counts_are_distinct_senders_from_the_messages():
    t = simulate("oracle_threshold", 3, {"n_cells": 8, "n_peers": 7, "byz_fraction": 2 / 7, "strategy": "equivocate"})
    msg = np.asarray(t["messages"])
    rnd, snd, rcv, cel, val = msg.T
    assert (snd != rcv).all()
    assert len({(s, r, c) for s, r, c in zip(snd, rcv, cel)}) == len(msg), "one report per sender, receiver, cell"
    for r in range(t["support"].shape[0]):
        m = msg[rnd <= r]
        want = np.zeros((7, 8, 2), dtype=np.int64)
        np.add.at(want, (m[:, 2], m[:, 3], m[:, 4]), 1)
        assert (t["support"][r] == want).all()
    # honest messages carry the true bit, at most one cell per honest sender and round
    hm = msg[~np.asarray(t["is_byzantine"])[snd]]
    assert (hm[:, 4] == t["bits"][hm[:, 3]]).all()


def _naive(bits, is_byz, orders, strat, eq, skip):
    """A direct transcription of the protocol, loops only (reference for the vectorised one)."""
    n, k = len(bits), len(is_byz)
    T = threshold(k)
    sup = {}
    for b in np.flatnonzero(is_byz):
        for r in range(k):
            for c in range(n):
                if r == b:
                    continue
                v = {0: 1 - bits[c], 1: eq[list(np.flatnonzero(is_byz)).index(b), r, c], 2: SILENT}[int(strat[c])]
                if v != SILENT:
                    sup.setdefault((r, c), set()).add((b, int(v)))
    dec, by, cost = {}, {}, [0] * k
    verified = set()
    for _rnd in range(n + 1):
        pend = [
            p
            for p in range(k)
            if not is_byz[p] and any(((p, c) not in dec) if skip else ((p, c) not in verified) for c in range(n))
        ]
        if not pend:
            break
        for p in pend:
            c = next(c for c in orders[p] if (((p, c) not in dec) if skip else ((p, c) not in verified)))
            verified.add((p, c))
            cost[p] += 1
            if (p, c) not in dec:
                dec[(p, c)], by[(p, c)] = int(bits[c]), BY_QUERY
            for r in range(k):
                if r != p:
                    sup.setdefault((r, c), set()).add((p, int(bits[c])))
        for p in range(k):
            for c in range(n):
                if is_byz[p] or (p, c) in dec:
                    continue
                cnt = [sum(1 for s, v in sup.get((p, c), ()) if v == w) for w in (0, 1)]
                if max(cnt) >= T:
                    dec[(p, c)] = 1 if cnt[1] >= T and (cnt[0] < T or cnt[1] > cnt[0]) else 0
                    by[(p, c)] = BY_THRESHOLD
    return dec, by, cost


@pytest.mark.parametrize("skip", [True, False])
def test_vectorised_protocol_equals_a_naive_transcription(skip):
    rng = np.random.default_rng(7)
    for _trial in range(6):
        k, n = int(rng.integers(3, 8)), int(rng.integers(2, 8))
        f = int(rng.integers(0, k))
        bits = rng.integers(0, 2, n).astype(np.int8)
        is_byz = np.zeros(k, bool)
        is_byz[rng.choice(k, f, replace=False)] = True
        orders = query_orders(n, k, "random", rng)
        strat = rng.integers(0, len(BIT_BASE), n).astype(np.int8)
        eq = rng.integers(0, 2, (f, k, n)).astype(np.int8)
        r = run_threshold(bits, is_byz, orders, strat, eq, skip)
        dec, by, cost = _naive(bits, is_byz, orders, strat, eq, skip)
        for p, c in itertools.product(range(k), range(n)):
            assert r.decision[p, c] == dec.get((p, c), -1)
            assert r.decided_by[p, c] == by.get((p, c), 0)
        assert list(r.query_cost) == cost


def test_trace_is_deterministic_and_large_networks_are_capped():
    a = simulate("oracle_threshold", 9, dict(SEED_ORACLE))
    b = simulate("oracle_threshold", 9, dict(SEED_ORACLE))
    assert to_bytes(a) == to_bytes(b)
    big = simulate("oracle_threshold", 1, {"n_cells": 40, "n_peers": 25, "byz_fraction": 0.3, "strategy": "worst"})
    assert (big["decision"][_honest(big)] == big["bits"]).all()  # f = 7 <= floor(24 / 3) = 8
    with pytest.raises(ParamError, match="work"):
        simulate("oracle_threshold", 1, {"n_cells": 5000, "n_peers": 1000})
    with pytest.raises(ParamError, match="strategy"):
        simulate("oracle_threshold", 1, {"strategy": "lie"})


def test_state_codes_match_the_decisions():
    t = simulate("oracle_threshold", 4, {"n_cells": 9, "n_peers": 7, "byz_fraction": 2 / 7})
    h = _honest(t)
    last = t["state"][-1][h]
    assert ((last == VERIFIED) == (t["decided_by"][h] == BY_QUERY)).all()
    assert ((last == ACCEPTED) == (t["decided_by"][h] == BY_THRESHOLD)).all()
    # state never goes back
    assert (np.diff(t["state"][:, h].astype(int), axis=0) >= 0).all()


@pytest.mark.parametrize("name", ["large_oracle", "large_committee"])
def test_larger_networks_are_a_preset_away(name):
    kind, params = preset(name)
    t = simulate(kind, 0, params)
    h = _honest(t)
    assert t.meta["n_byzantine"] <= t.meta["tolerated"]
    assert (t["decision"][h] == t["bits"][None, :]).all()
