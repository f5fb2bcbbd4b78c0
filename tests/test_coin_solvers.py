"""The non-adaptive adversary's solvers (seed 004, Sec. 2): exact = brute force, approximation within its
certified factor, greedy never above the optimum, every choice feasible."""

from __future__ import annotations

import numpy as np
import pytest

from sim.coin import approx_solver, brute_force, exact_solver, greedy_solver
from sim.coin.knapsack import Problem, assign, make_problem
from sim.coin.nonadaptive import solve


def _instance(rng, tau_max=16, structured=True):
    tau = int(rng.integers(1, tau_max + 1))
    if structured:                                    # weights (1 + eta)^a (1 - eta)^(r - a): few classes
        r = int(rng.integers(0, 12))
        eta = float(rng.uniform(0.01, 0.49))
        ups = rng.integers(0, r + 1, tau)
        w = (1 + eta) ** ups * (1 - eta) ** (r - ups)
    else:                                             # arbitrary positive weights: every class a singleton
        ups = None
        w = rng.lognormal(0, 1, tau)
    G = float(rng.normal(0, 1.2 * np.sqrt(w.sum())))
    d = int(rng.choice([-1, 1]))
    return w, ups, G, d


@pytest.mark.parametrize("structured", [True, False])
def test_exact_equals_brute_force(structured):
    rng = np.random.default_rng(2024 + structured)
    found = 0
    for _ in range(250):
        w, ups, G, d = _instance(rng, structured=structured)
        problem, inv = make_problem(w, G, d, ups)
        J_b, X_b = brute_force.solve_items(w, G, d)
        sol = solve(problem, "exact")
        assert sol.found == (J_b is not None)
        if J_b is None:
            continue
        found += 1
        assert sol.X == pytest.approx(X_b, rel=1e-12, abs=1e-12)
        assert sol.bound == pytest.approx(sol.X)
        assert np.all((0 <= sol.x) & (sol.x <= problem.counts))
        J = assign(sol.x, inv)
        assert w[J].sum() == pytest.approx(sol.X, rel=1e-12)
        assert problem.feasible(sol.X)                # z != d with this J
    assert found > 120


def test_brute_solver_matches_items_brute_force():
    rng = np.random.default_rng(5)
    for _ in range(200):
        w, ups, G, d = _instance(rng, tau_max=10)
        problem, _ = make_problem(w, G, d, ups)
        a, b = solve(problem, "brute"), solve(problem, "exact")
        assert a.found == b.found
        if a.found:
            assert a.X == pytest.approx(b.X, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("eps", [0.3, 0.05, 1e-3])
def test_approximation_within_its_certified_factor(eps):
    rng = np.random.default_rng(int(eps * 1e4))
    for k in range(300):
        w, ups, G, d = _instance(rng, structured=k % 2 == 0)
        problem, _ = make_problem(w, G, d, ups)
        ex = solve(problem, "exact")
        for cert in (True, False):
            ap = approx_solver.solve(problem, eps, max_states=10 ** 7, certificate=cert)
            assert ap.found == ex.found
            if not ex.found:
                continue
            assert problem.feasible(ap.X)
            assert ap.X <= ex.X * (1 + 1e-12) + 1e-15
            assert ap.X >= (1 - eps) * ex.X - 1e-12
            assert ap.bound >= ex.X * (1 - 1e-12)     # the recorded bound is a true upper bound on OPT


def test_approximation_on_many_classes_against_exact():
    """Hundreds of corrupted experts in a few classes: the exact MITM and the approximation agree to 1e-3."""
    rng = np.random.default_rng(11)
    for _ in range(30):
        C = int(rng.integers(2, 5))
        values = np.sort(rng.uniform(0.2, 3.0, C))[::-1]
        counts = rng.integers(1, 60, C)
        W = float(np.dot(values, counts))
        problem = Problem(values, counts, float(rng.uniform(-0.8, 0.8) * W), int(rng.choice([-1, 1])))
        ex = exact_solver.solve(problem, max_states=10 ** 7)
        ap = approx_solver.solve(problem, 1e-3, max_states=10 ** 7, certificate=False)
        assert ex is not None and ap.found == ex.found
        if ex.found:
            assert (1 - 1e-3) * ex.X - 1e-9 <= ap.X <= ex.X * (1 + 1e-12) + 1e-12


def test_greedy_is_feasible_and_never_above_the_optimum():
    rng = np.random.default_rng(3)
    gaps = []
    for _ in range(400):
        w, ups, G, d = _instance(rng)
        problem, _ = make_problem(w, G, d, ups)
        ex, gr = solve(problem, "exact"), greedy_solver.solve(problem)
        assert gr.found == ex.found
        if ex.found:
            assert problem.feasible(gr.X)
            assert gr.X <= ex.X * (1 + 1e-12) + 1e-15
            assert gr.bound >= ex.X * (1 - 1e-12)
            if ex.X > 0:
                gaps.append(1 - gr.X / ex.X)
    assert max(gaps) > 0                          # greedy is a heuristic: it does miss the optimum sometimes


def test_no_choice_when_even_all_minus_d_loses():
    """d = +1 and the good vote alone outweighs K: no J makes z != d."""
    p = Problem(np.array([1.0]), np.array([3]), G=3.0, d=1)   # S = 3 + (2X - 3) >= 0 for every X
    for s in ("exact", "approx", "greedy", "brute"):
        assert not solve(p, s).found
    p = Problem(np.array([1.0]), np.array([3]), G=-3.0, d=-1)  # d = -1: S = -3 - (2X - 3) >= 0 iff X = 0
    for s in ("exact", "approx", "greedy", "brute"):
        sol = solve(p, s)
        assert sol.found and sol.X == 0.0


def test_exact_refuses_beyond_its_budget():
    p = Problem(np.linspace(2.0, 1.0, 12), np.full(12, 50), G=0.0, d=1)
    assert exact_solver.solve(p, max_states=1000) is None
    sol = solve(p, "auto")                                     # falls back to the certified approximation
    assert sol.found and sol.X >= (1 - approx_solver.EPS) * sol.bound


def test_exact_ties_count_as_zero_vote():
    """Weights are power products, so S = 0 happens exactly: here J = {one (1 + eta), six (1 - eta)} against
    G = 6 eta gives S = 0, so z = +1 = d and that J is not allowed; every solver must see it the same way."""
    eta = 0.18787615
    vals = np.array([1 + eta, 1 - eta])
    p = Problem(vals, np.array([5, 9]), G=6 * eta, d=1)
    X_tie = vals[0] + 6 * vals[1]
    assert not p.feasible(X_tie)
    res = {s: solve(p, s) for s in ("exact", "approx", "greedy", "brute")}
    for s, sol in res.items():
        assert sol.X < X_tie - 1e-9, s
    assert res["exact"].X == pytest.approx(res["brute"].X, rel=1e-12)


def test_dual_coin_instance_is_the_nonadaptive_adversary():
    """Sec. 4: the generic greedy dual with the coin's objective and F = (z = d) picks the same weight."""
    from sim.coin.dual import CoinState, coin_instance

    rng = np.random.default_rng(8)
    dual = coin_instance()
    for _ in range(150):
        w, ups, G, d = _instance(rng, tau_max=10)
        problem, _ = make_problem(w, G, d, ups)
        ex = solve(problem, "exact")
        mask, choice = dual.choose(CoinState(w, G, d, 0.1))
        if ex.found:
            assert not choice.ends
            assert w[mask].sum() == pytest.approx(ex.X, rel=1e-12, abs=1e-12)
        else:
            assert choice.ends
