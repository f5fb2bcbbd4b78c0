"""The non-adaptive adversary's solvers (Aggarwal et al. 2017, Sec. 2): exact = brute force, approximation within its
certified factor, greedy never above the optimum, every choice feasible."""

from __future__ import annotations

import numpy as np
import pytest

from sim.coin import approx_solver, brute_force, exact_solver, greedy_solver
from sim.coin.knapsack import APPROX_DP, APPROX_GREEDY, EXACT, GREEDY, Problem, assign, make_problem
from sim.coin.nonadaptive import solve


def _instance(rng, tau_max=16, structured=True):
    tau = int(rng.integers(1, tau_max + 1))
    if structured:  # weights (1 + eta)^a (1 - eta)^(r - a): few classes
        r = int(rng.integers(0, 12))
        eta = float(rng.uniform(0.01, 0.49))
        ups = rng.integers(0, r + 1, tau)
        w = (1 + eta) ** ups * (1 - eta) ** (r - ups)
    else:  # arbitrary positive weights: every class a singleton
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
        assert problem.feasible(sol.X)  # z != d with this J
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
            ap = approx_solver.solve(problem, eps, max_states=10**7, certificate=cert)
            assert ap.found == ex.found
            if not ex.found:
                continue
            assert problem.feasible(ap.X)
            assert ap.X <= ex.X * (1 + 1e-12) + 1e-15
            assert ap.X >= (1 - eps) * ex.X - 1e-12
            assert ap.bound >= ex.X * (1 - 1e-12)  # the recorded bound is a true upper bound on OPT


def test_approximation_on_many_classes_against_exact():
    """Hundreds of corrupted experts in a few classes: the exact MITM and the approximation agree to 1e-3."""
    rng = np.random.default_rng(11)
    for _ in range(30):
        C = int(rng.integers(2, 5))
        values = np.sort(rng.uniform(0.2, 3.0, C))[::-1]
        counts = rng.integers(1, 60, C)
        W = float(np.dot(values, counts))
        problem = Problem(values, counts, float(rng.uniform(-0.8, 0.8) * W), int(rng.choice([-1, 1])))
        ex = exact_solver.solve(problem, max_states=10**7)
        ap = approx_solver.solve(problem, 1e-3, max_states=10**7, certificate=False)
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
    assert max(gaps) > 0  # greedy is a heuristic: it does miss the optimum sometimes


def test_no_choice_when_even_all_minus_d_loses():
    """d = +1 and the good vote alone outweighs K: no J makes z != d."""
    p = Problem(np.array([1.0]), np.array([3]), G=3.0, d=1)  # S = 3 + (2X - 3) >= 0 for every X
    for s in ("exact", "approx", "greedy", "brute"):
        assert not solve(p, s).found
    p = Problem(np.array([1.0]), np.array([3]), G=-3.0, d=-1)  # d = -1: S = -3 - (2X - 3) >= 0 iff X = 0
    for s in ("exact", "approx", "greedy", "brute"):
        sol = solve(p, s)
        assert sol.found and sol.X == 0.0


def test_exact_refuses_beyond_its_budget():
    p = Problem(np.linspace(2.0, 1.0, 12), np.full(12, 50), G=0.0, d=1)
    assert exact_solver.solve(p, max_states=1000) is None
    sol = solve(p, "auto")  # falls back to the certified approximation
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


# --- the certified approximation's later stages: U*, local search, windowed DP (approx_solver docstring) ---


def _late_round(rng):
    """Shaped like the late rounds that greedy could not certify: exponents spread by ~sqrt(r), so a few weights
    are comparable to the cap (one often above it) and the rest form a long tail; OPT is often below the cap."""
    tau, r, eta = int(rng.integers(12, 21)), int(rng.integers(100, 400)), float(rng.uniform(0.05, 0.12))
    a = rng.binomial(r, 0.5, tau)
    w = (1 + eta) ** a * (1 - eta) ** (r - a)
    w = w / w.max()
    d = int(rng.choice([-1, 1]))
    cap = float(rng.uniform(0.6, 3.0))  # c_r in units of the largest weight
    return make_problem(w, d * (w.sum() - 2 * cap), d, a)[0]


def _early_round(rng):
    """Shaped like the early rounds that greedy could not certify: 3-4 classes of nearly equal weights and
    hundreds of experts; OPT is the cap to 1e-5 but greedy stops about one weight short."""
    C, tau, eta = int(rng.integers(3, 5)), int(rng.integers(150, 500)), float(rng.uniform(0.02, 0.1))
    a = rng.binomial(C - 1, 0.5, tau)
    w = (1 + eta) ** a * (1 - eta) ** (C - 1 - a)
    d = int(rng.choice([-1, 1]))
    return make_problem(w, float(rng.normal(0, 0.1 * w.sum())), d, a)[0]


def _check_against_exact(problem, sol, ex, eps=approx_solver.EPS):
    """Feasible by the exact predicate, never above OPT, the bound >= OPT, and the factor whenever certified."""
    assert sol.found == ex.found
    if not ex.found:
        return
    assert problem.feasible(sol.X) and problem.feasible(problem.value(sol.x))
    assert np.all((0 <= sol.x) & (sol.x <= problem.counts))
    assert sol.X <= ex.X * (1 + 1e-12) + 1e-15
    assert sol.bound >= ex.X * (1 - 1e-12)  # the recorded bound is a true upper bound on OPT
    if sol.solver in (EXACT, APPROX_GREEDY, APPROX_DP):
        assert sol.X >= (1 - eps) * ex.X - 1e-12


@pytest.mark.parametrize("shape", [_late_round, _early_round])
def test_failed_shapes_are_certified_within_the_factor(shape):
    """Stage 2 (small exact) off, so stages 3-5 decide; each is compared with the exact optimum."""
    rng = np.random.default_rng(31 if shape is _late_round else 32)
    codes, beyond_greedy = [], 0
    for _ in range(120):
        p = shape(rng)
        ex = exact_solver.solve(p, max_states=10**6)
        sol = approx_solver.solve(p, exact_states=0)
        _check_against_exact(p, sol, ex)
        g = greedy_solver.solve(p)
        beyond_greedy += ex.found and g.X < (1 - approx_solver.EPS) * p.upper_bound()
        codes.append(sol.solver)
    codes = np.array(codes)
    assert beyond_greedy >= 40  # these shapes do defeat the plain greedy certificate
    assert np.all(codes != GREEDY)  # and every one of them is certified now
    if shape is _late_round:
        assert np.sum(codes == APPROX_DP) >= 40  # OPT below the LP bound: the DP's proof is needed


@pytest.mark.parametrize("structured", [True, False])
def test_every_stage_within_the_factor_on_random_instances(structured):
    rng = np.random.default_rng(77 + structured)
    for _ in range(400):
        w, ups, G, d = _instance(rng, structured=structured)
        p, _ = make_problem(w, G, d, ups)
        ex = solve(p, "exact")
        _check_against_exact(p, approx_solver.solve(p, exact_states=0), ex)
        _check_against_exact(p, approx_solver.solve(p), ex)


def test_limits_and_the_lp_bound_by_brute_force():
    """u_k is the largest count of class k that is feasible alone, and U* = min(c_r, sum u_k v_k) >= OPT."""
    rng = np.random.default_rng(41)
    for k in range(300):
        w, ups, G, d = _instance(rng, tau_max=12, structured=k % 2 == 0)
        p, _ = make_problem(w, G, d, ups)
        u = approx_solver.limits(p)
        assert np.all((0 <= u) & (u <= p.counts))
        for q, v, c in zip(u, p.values, p.counts):
            assert q == 0 or p.feasible(q * v)
            assert q == c or not p.feasible((q + 1) * v)
        J, X = brute_force.solve_items(w, G, d)
        if J is not None:
            assert approx_solver.lp_bound(p, u) >= X * (1 - 1e-12)
            assert approx_solver.lp_bound(p, u) <= p.upper_bound()


def test_local_search_keeps_feasibility_and_never_loses():
    rng = np.random.default_rng(43)
    improved = 0
    for _ in range(150):
        p = _early_round(rng) if rng.random() < 0.5 else _late_round(rng)
        g = greedy_solver.solve(p)
        if not g.found:
            continue
        u = approx_solver.limits(p)
        x, X = approx_solver.improve(p, g.x, g.X, u, target=np.inf)
        ex = exact_solver.solve(p, max_states=10**6)
        assert np.all((0 <= x) & (x <= u)) and X == p.value(x) and p.feasible(X)
        assert g.X <= X <= ex.X * (1 + 1e-12)
        improved += X > g.X
    assert improved >= 30


@pytest.mark.parametrize("lb_is_opt", [False, True])
def test_windowed_dp_alone(lb_is_opt):
    """The DP with LB = greedy, and with LB = OPT itself (the tightest window the proof allows)."""
    rng = np.random.default_rng(45 + lb_is_opt)
    done = 0
    for _ in range(150):
        p = _late_round(rng)
        ex = exact_solver.solve(p, max_states=10**6)
        g = greedy_solver.solve(p)
        if not ex.found or g.X <= 0:
            continue
        res = approx_solver.trimmed_dp(p, approx_solver.limits(p), ex.X if lb_is_opt else g.X)
        assert res is not None  # these lists stay far below the budget
        x, X = res
        assert p.feasible(X) and X == p.value(x)
        assert (1 - approx_solver.EPS / 2) * ex.X - 1e-12 <= X <= ex.X * (1 + 1e-12)
        done += 1
    assert done >= 100


def _real_programmes(monkeypatch, n, tau, runs, seed):
    """Every programme the approx solver met in real runs (the fast path's own Problems, scale included)."""
    from sim.coin import nonadaptive
    from sim.coin.coin_mwu import default_eta, run_coin

    seen = []
    real = nonadaptive.solve

    def spy(problem, solver="auto", eps=approx_solver.EPS, *args):
        seen.append(problem)
        return real(problem, solver, eps, *args)

    monkeypatch.setattr(nonadaptive, "solve", spy)
    run_coin(n, tau, default_eta(n), runs, np.random.default_rng(seed), adversary="nonadaptive", solver="approx")
    monkeypatch.undo()
    return seen


def test_real_programmes_at_tau_100_are_all_certified(monkeypatch):
    """Claim of docs/coin.md: at n = 1000, tau = 100 no round is left uncertified (solver code GREEDY), where
    the greedy certificate and the small exact solve alone (the solver before) left about 16% of them."""
    probs = _real_programmes(monkeypatch, 1000, 100, 6, 2026)
    assert len(probs) >= 500
    sols = [approx_solver.solve(p) for p in probs]
    codes = np.array([s.solver for s in sols])
    old_uncertified = 0
    for p in probs:
        g = greedy_solver.solve(p)
        if g.found and g.X < (1 - approx_solver.EPS) * p.upper_bound():
            old_uncertified += exact_solver.solve(p, max_states=approx_solver.EXACT_STATES) is None
    assert old_uncertified >= 0.08 * len(probs)  # the gap this closes is real in these runs
    assert np.sum(codes == GREEDY) == 0
    checked = 0
    for p, s in zip(probs, sols):  # against exact wherever it is affordable
        if s.solver == EXACT or not s.found or greedy_solver.solve(p).X >= (1 - approx_solver.EPS) * p.upper_bound():
            continue
        ex = exact_solver.solve(p, max_states=300_000)
        if ex is not None:
            _check_against_exact(p, s, ex)
            checked += 1
    assert checked >= 30


def test_real_programmes_at_tau_1000_are_all_certified(monkeypatch):
    """The same claim for one whole run at n = 10,000, tau = 1000 (about 2000 rounds), where greedy and the small
    exact solve alone left about 5% uncertified (late rounds: one weight above the cap; early: near-equal classes)."""
    probs = _real_programmes(monkeypatch, 10_000, 1000, 1, 2027)
    assert len(probs) >= 1000
    codes = np.array([approx_solver.solve(p).solver for p in probs])
    old_uncertified = sum(
        1
        for p in probs
        if greedy_solver.solve(p).X < (1 - approx_solver.EPS) * p.upper_bound()
        and exact_solver.solve(p, max_states=approx_solver.EXACT_STATES) is None
    )
    assert old_uncertified >= 0.02 * len(probs)
    assert np.sum(codes == GREEDY) == 0
    assert np.sum(codes == APPROX_DP) >= 10  # the late rounds needed the DP's proof


def test_dp_on_python_floats_equals_the_array_dp(monkeypatch):
    """Short DP lists are stepped (and filled) on Python floats: the same sums, buckets and choices as arrays."""
    rng = np.random.default_rng(47)
    probs = [(_late_round if k % 2 else _early_round)(rng) for k in range(60)]
    runs = {}
    for py_states in (approx_solver.PY_STATES, 0):
        monkeypatch.setattr(approx_solver, "PY_STATES", py_states)
        out = []
        for p in probs:
            g = greedy_solver.solve(p)
            out.append(approx_solver.trimmed_dp(p, approx_solver.limits(p), g.X) if g.found and g.X > 0 else None)
        runs[py_states] = out
    both = list(zip(*runs.values()))
    assert sum(a is not None for a, _ in both) >= 50
    for a, b in both:
        assert (a is None) == (b is None)
        if a is not None:
            assert a[1] == b[1] and np.array_equal(a[0], b[0])


def test_a_huge_weight_span_neither_overflows_nor_drops_classes():
    """c_r / v_k overflows to inf for a tiny v_k; the usable count must then be c_k (it was cast from inf to a
    negative integer, and the exact solver silently dropped those classes)."""
    w = np.exp(np.linspace(300.0, -300.0, 12))
    for d, G in ((1, 0.0), (-1, 0.0), (1, -w[1])):
        p, _ = make_problem(w, G, d)
        with np.errstate(all="raise"):
            assert np.all(p.usable_counts() >= 0) and np.all(approx_solver.limits(p) >= 0)
        J, X = brute_force.solve_items(w, G, d)
        for s in ("exact", "approx", "auto"):
            assert solve(p, s).X == pytest.approx(X, rel=1e-12)


def test_exact_refuses_a_programme_beyond_its_budget_at_once():
    """solver=exact on 60 corrupted experts of distinct weights (2^60 count vectors): one line naming the
    solver, not hours and tens of GB (it took 10**9 states per half before, issue 24)."""
    from sim.core.errors import ParamError

    w = 1.0 + np.arange(60) / 64.0
    problem, _ = make_problem(w, 0.5 * w.sum(), 1)
    with pytest.raises(ParamError, match=r"^solver: exact: .* count vectors, more than the exact solver does"):
        solve(problem, "exact")  # refused before the half sums are built (exact_solver.solve returns None)
    assert solve(problem, "auto").found  # auto falls back to the certified approximation
