"""The fast non-adaptive path of run_coin and the scalar greedy fill change no result (Aggarwal et al. 2017, Sec. 2).

The fast path (``run_coin(..., fast=True)``, the default for the non-adaptive adversary without records)
must give the same runs as the general loop (``fast=False``: RoundView -> nonadaptive_move, the
reference): same rounds, same corrupted weight and share per round, for every solver, from the same seed.
The greedy fill is checked against the array-based reference it replaced (kept below, verbatim in logic)
on random structured and unstructured programmes, both directions of d, and on exact ties.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.coin import greedy_solver
from sim.coin.coin_mwu import default_eta, run_coin
from sim.coin.knapsack import Problem, make_problem


def _runs(n, tau, runs, seed, solver, fast, horizon=40, max_rounds=20_000):
    return run_coin(
        n,
        tau,
        default_eta(n),
        runs,
        np.random.default_rng(seed),
        adversary="nonadaptive",
        solver=solver,
        horizon=horizon,
        max_rounds=max_rounds,
        fast=fast,
    )


@pytest.mark.parametrize(
    "n,runs,solver",
    [
        (10, 20, "approx"),
        (30, 20, "auto"),
        (50, 12, "exact"),
        (100, 10, "brute"),
        (120, 12, "greedy"),
        (300, 12, "approx"),
        (1000, 4, "approx"),
    ],
)
def test_fast_path_gives_the_reference_runs(n, runs, solver):
    tau = n // 10 if solver != "brute" else 10
    for seed in (n, n + 1):
        ref = _runs(n, tau, runs, seed, solver, fast=False)
        new = _runs(n, tau, runs, seed, solver, fast=True)
        assert np.array_equal(new.rounds, ref.rounds)
        assert np.array_equal(new.censored, ref.censored)
        assert np.array_equal(new.corrupted_weight, ref.corrupted_weight, equal_nan=True)
        assert np.array_equal(new.corrupted_share, ref.corrupted_share, equal_nan=True)
        for name in ("stop", "first_cross", "state_rounds", "exits", "peak_share"):  # the survival record too
            assert np.array_equal(getattr(new, name), getattr(ref, name)), name
        assert ref.rounds.max() > 1  # the adversary did act in these runs


def test_fast_path_censoring_and_no_corruption():
    ref = _runs(200, 20, 6, 3, "approx", fast=False, max_rounds=15)
    new = _runs(200, 20, 6, 3, "approx", fast=True, max_rounds=15)
    assert new.censored.any()  # some runs outlast 15 rounds at n = 200
    assert np.array_equal(new.rounds, ref.rounds) and np.array_equal(new.censored, ref.censored)
    ref = _runs(40, 0, 10, 4, "approx", fast=False)
    new = _runs(40, 0, 10, 4, "approx", fast=True)
    assert np.array_equal(new.rounds, ref.rounds)


def _fill_reference(problem, start, values, counts):
    """The greedy fill as first written (numpy scalars, Problem.feasible): the reference for the fast one."""
    x = np.zeros(len(values), dtype=np.int64)
    C = len(values)
    if C == 0:
        return x, float(start)
    P = np.concatenate(([0.0], np.cumsum(counts * values)))
    feas = problem.feasible
    cap = problem.cap
    s, k0 = float(start), 0
    tiny = greedy_solver.STOP * abs(cap)
    while k0 < C and cap - s > tiny:
        k = int(np.searchsorted(P, cap - s + P[k0] + abs(cap) * 1e-12, side="right")) - 1
        k = min(max(k, k0), C)
        while k > k0 and not feas(float(s + (P[k] - P[k0]))):
            k -= 1
        while k < C and feas(float(s + (P[k + 1] - P[k0]))):
            k += 1
        if k > k0:
            x[k0:k] = counts[k0:k]
            s = float(s + (P[k] - P[k0]))
        if k >= C:
            break
        v = float(values[k])
        q = int(min(counts[k], max(math.floor((cap - s) / v), 0)))
        while q > 0 and not feas(s + q * v):
            q -= 1
        while q + 1 <= counts[k] and feas(s + (q + 1) * v):
            q += 1
        x[k] = q
        s = s + q * v
        k0 = max(k + 1, int(np.searchsorted(-values, -(cap - s) * (1 + 1e-12), side="left")))
    return x, s


def _problem(rng):
    if rng.random() < 0.6:  # structured: few classes of power products
        tau = int(rng.integers(1, 400))
        r = int(rng.integers(0, 60))
        eta = float(rng.uniform(0.01, 0.3))
        ups = rng.integers(0, r + 1, tau)
        w = (1 + eta) ** ups * (1 - eta) ** (r - ups)
    else:
        ups = None
        w = rng.lognormal(0, 1.5, int(rng.integers(1, 200)))
    G = float(rng.normal(0, 1.5 * np.sqrt(w.sum())))
    d = int(rng.choice([-1, 1]))
    return make_problem(w, G, d, ups, float(w.sum() + abs(G) * rng.random()))[0]


def test_fill_equals_the_reference_fill():
    rng = np.random.default_rng(12)
    partial = 0
    for _ in range(600):
        p = _problem(rng)
        start = 0.0 if rng.random() < 0.7 else float(rng.uniform(0, max(p.cap, 0.0) + 1e-9))
        x_new, s_new = greedy_solver.fill(p, start, p.values, p.counts)
        x_ref, s_ref = _fill_reference(p, start, p.values, p.counts)
        assert np.array_equal(x_new, x_ref) and s_new == s_ref
        partial += int(((x_new > 0) & (x_new < p.counts)).any())
    assert partial > 50  # the partial-class branch was exercised


def test_fill_equals_the_reference_on_exact_ties():
    eta = 0.1  # G = 6 eta against one (1 + eta) and six (1 - eta)
    for d in (1, -1):
        p = Problem(np.array([1 + eta, 1 - eta]), np.array([1, 6]), d * 6 * eta, d)
        for start in (0.0, 1 - eta):
            x_new, s_new = greedy_solver.fill(p, start, p.values, p.counts)
            x_ref, s_ref = _fill_reference(p, start, p.values, p.counts)
            assert np.array_equal(x_new, x_ref) and s_new == s_ref


@pytest.mark.parametrize("solver", ["greedy", "exact", "approx"])
def test_fast_path_gives_the_reference_survival_record_when_the_state_is_visited(solver):
    """tau = 0.4 n: many runs reach corrupted > good and some leave it again, so the state fields are exercised."""
    ref = run_coin(20, 8, default_eta(20), 40, np.random.default_rng(9), solver=solver, max_rounds=300, fast=False)
    new = run_coin(20, 8, default_eta(20), 40, np.random.default_rng(9), solver=solver, max_rounds=300, fast=True)
    assert (ref.first_cross > 0).sum() >= 5 and ref.exits.sum() >= 5
    for name in ("rounds", "stop", "first_cross", "state_rounds", "exits", "peak_share"):
        assert np.array_equal(getattr(new, name), getattr(ref, name)), name
