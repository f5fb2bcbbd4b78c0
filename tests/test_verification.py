"""sim.knowlson.verification: grid validation, Wilson intervals, theoretical T, one cell against brute force, the line fit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.errors import ParamError
from sim.core.kinds import simulate
from sim.knowlson.mw_engine import NEVER
from sim.knowlson.verification import (cell_seeds, compute_cell, draw_reports, exact_T, first_below, fit_line,
                              grid_cells, make_grid, mw_weights, parse_axis, theoretical_T, wilson)


# --------------------------------------------------------------------------- grid validation
@pytest.mark.parametrize("kw, name", [
    ({"eta": "1.5"}, "eta"), ({"eta": [0.0]}, "eta"), ({"eta": "0.1,1"}, "eta"), ({"tau": "0"}, "tau"),
    ({"tau": [1.2]}, "tau"), ({"eta": "abc"}, "eta"), ({"tau": "0.1,x"}, "tau"), ({"eta": ""}, "eta"),
    ({"eta": []}, "eta"), ({"tau": "0.1:0.2:0"}, "tau"), ({"eta": "0.1:0.2:-3"}, "eta"),
    ({"eta": "0.1:0.2:ten"}, "eta"), ({"tau": "0.01:0.1"}, "tau"), ({"trials": 0}, "trials"),
    ({"rounds": "1.5"}, "rounds"), ({"n_sources": "1"}, "n_sources"), ({"loss": "nope"}, "loss"),
    ({"estimator": "no_such_estimator"}, "estimator"), ({"byz_fraction": 0.5}, "byz_fraction"), ({"c": -1}, "c"),
    ({"delta": 1}, "delta"), ({"seed": -3}, "seed"), ({"bogus": 1}, "bogus"),
])
def test_invalid_grid_names_the_parameter(kw, name):
    with pytest.raises(ParamError) as e:
        make_grid(**kw)
    assert str(e.value).startswith(f"{name}:")


@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: not 0 < v < 1))
def test_eta_outside_unit_interval_rejected(v):
    with pytest.raises(ParamError, match=r"^eta: must be numbers in \[1e-06, 1\)"):
        make_grid(eta=[v])


def test_range_syntax_is_linspace():
    want = np.linspace(0.01, 0.1, 10)
    for text in ("0.01:0.1:10", "linspace(0.01, 0.1, 10)", "0.01,0.1,10".replace(",", ":")):
        assert np.allclose(parse_axis("eta", text), want)
    assert parse_axis("eta", "0.1, 0.2 0.3") == (0.1, 0.2, 0.3)
    assert parse_axis("n_sources", "10:30:3", integer=True) == (10, 20, 30)
    g = make_grid(eta="0.05", tau="0.01:0.1:4", n_sources="10,20", loss="clipped")
    assert g.n_cells == 8 and len(grid_cells(g)) == 8


# --------------------------------------------------------------------------- statistics
def test_wilson_known_values():
    lo, hi = wilson(0, 10)
    assert lo == 0 and hi == pytest.approx(0.2775, abs=1e-4)     # textbook value, z = 1.96
    lo, hi = wilson(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)
    assert all(math.isnan(v) for v in wilson(0, 0))


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_contains_p_and_is_symmetric(kn, conf):
    k, n = kn
    lo, hi = wilson(k, n, conf)
    assert 0 <= lo <= k / n <= hi <= 1
    lo2, hi2 = wilson(n - k, n, conf)
    assert lo == pytest.approx(1 - hi2, abs=1e-12) and hi == pytest.approx(1 - lo2, abs=1e-12)
    assert wilson(k, n, 0.5)[1] - wilson(k, n, 0.5)[0] <= hi - lo + 1e-12


@given(st.floats(1e-3, 0.9), st.floats(1e-4, 0.99))
def test_theoretical_T_bounds_exact_T(eta, tau):
    T = exact_T(eta, tau)
    assert (1 - eta) ** T < tau * (1 + 1e-12)
    assert T == 1 or (1 - eta) ** (T - 1) >= tau * (1 - 1e-12)
    # log(1 - eta) <= -eta, so the paper's bound is never below the exact round (up to the ceiling)
    assert T <= theoretical_T(eta, tau) + 1


# --------------------------------------------------------------------------- one cell
def _brute(x, eta, tau, c):
    """Plain per-trial, per-source Algorithm 1 (median centre, clipped loss, blacklisting)."""
    trials, rounds, n, _ = x.shape
    W = np.ones((trials, rounds + 1, n))
    B = np.full((trials, n), NEVER)
    for k in range(trials):
        w = np.ones(n)
        alive = [True] * n
        for t in range(rounds):
            act = [i for i in range(n) if alive[i]]
            if act:
                mu = float(np.median([x[k, t, i, 0] for i in act]))
                for i in act:
                    w[i] *= 1 - eta * min(1.0, abs(x[k, t, i, 0] - mu) / c)
                    if w[i] < tau:
                        alive[i] = False
                        B[k, i] = t + 1
            W[k, t + 1] = w
    return W, B


@pytest.mark.parametrize("eta, tau, c", [(0.1, 0.3, 1.5), (0.3, 0.5, 1.0), (0.6, 0.7, 0.05)])
def test_engine_weights_match_brute_force(eta, tau, c):
    """Includes a case (c tiny) where every source is blacklisted and the engine's fallback is used."""
    rng = np.random.default_rng(11)
    x = draw_reports(7, 9, 8, 2, 5.0, 1.0, 1.0, rng)
    W, B = mw_weights(x, eta=eta, tau=tau, c=c, loss="clipped", estimator="median", rng=rng)
    Wb, Bb = _brute(x, eta, tau, c)
    assert np.array_equal(B, Bb)
    assert np.allclose(W, Wb, rtol=1e-12, atol=0)


def test_cell_counts_match_brute_force():
    g = make_grid(eta=[0.2], tau=[0.2], n_sources=[10], trials=13, rounds=12, c=1.0, seed=5)
    cell, ss = grid_cells(g)[0], cell_seeds(g)[0]
    r = compute_cell(g, cell, ss)
    rng = np.random.Generator(np.random.PCG64(ss))
    x = draw_reports(13, 12, 10, 3, 5.0, 1.0, 1.0, rng)
    W, B = _brute(x, 0.2, 0.2, 1.0)
    nh = 7
    assert r.honest_blacklisted == int((B[:, :nh] != NEVER).sum())
    assert r.byz_blacklisted == int((B[:, nh:] != NEVER).sum())
    assert r.honest_any == int((B[:, :nh] != NEVER).any(1).sum())
    avg = W[:, :, nh:].mean(-1)
    want = [next((t for t in range(1, 13) if avg[k, t] < 0.2), NEVER) for k in range(13)]
    assert r.T_emp.tolist() == want
    assert np.allclose(r.mean_honest, W[:, :, :nh].mean(-1).mean(0))


@given(st.floats(0.02, 0.5), st.floats(0.01, 0.5))
@settings(max_examples=15, deadline=None)
def test_far_byzantine_blacklisted_at_exact_T(eta, tau):
    """Byzantine reports far beyond c have loss 1 every round, so w = (1 - eta)^t: T_emp is exact_T in every trial."""
    g = make_grid(eta=[eta], tau=[tau], trials=5, rounds=60, byz_distance=[1e4], byz_spread=0.0, n_sources=[9])
    r = compute_cell(g, grid_cells(g)[0], cell_seeds(g)[0])
    T = exact_T(eta, tau)
    if T <= 60:
        assert set(r.T_emp.tolist()) == {T} and r.p_byz == 1.0
    else:
        assert set(r.T_emp.tolist()) == {NEVER} and r.p_byz == 0.0
    assert np.allclose(r.mean_byz[: min(T, 60) + 1], (1 - eta) ** np.arange(min(T, 60) + 1))


def test_cell_is_a_function_of_its_seed():
    g = make_grid(eta="0.05,0.1", tau=[0.05], trials=30, rounds=20)
    c0, c1 = grid_cells(g)
    s0, s1 = cell_seeds(g)
    a, b = compute_cell(g, c0, s0), compute_cell(g, c0, s0)
    assert a.record() == b.record() and np.array_equal(a.T_emp, b.T_emp)
    assert np.array_equal(a.example_w, b.example_w)
    # another child seed draws other data
    assert not np.array_equal(compute_cell(g, c0, s1).example_w, a.example_w)


def test_targets_and_first_below():
    assert first_below(np.array([[1.0, 0.5, 0.2, 0.05]]), 0.1).tolist() == [3]
    assert first_below(np.array([[1.0, 0.5]]), 0.1).tolist() == [NEVER]
    g = make_grid(eta=[0.1], tau=[0.1], trials=20, rounds=50)
    r = compute_cell(g, grid_cells(g)[0], cell_seeds(g)[0])
    rec = r.record()
    assert rec["honest_target"] == pytest.approx(0.1 / 14)
    assert rec["meets_targets"] == (rec["p_honest"] <= 0.1 / 14 and rec["p_byz"] >= 0.8)
    assert rec["p_honest_lo"] <= rec["p_honest"] <= rec["p_honest_hi"]
    assert rec["T_theory"] == math.ceil(10 * math.log(10))


# --------------------------------------------------------------------------- the line fit
def test_line_fit_on_verification_grid():
    g = make_grid(trials=10, byz_spread=0.0)
    res = [compute_cell(g, c, s) for c, s in zip(grid_cells(g), cell_seeds(g))]
    f = fit_line(res)
    assert set(f.included) | {i for i, _ in f.excluded} == set(range(100))
    assert not set(f.included) & {i for i, _ in f.excluded}
    for i, why in f.excluded:
        r = res[i]
        assert why and (r.reached < r.trials or not r.meets_targets)
        if why.startswith("censored"):
            assert r.reached < r.trials
    # every used cell has T_emp = exact_T = log(tau)/log(1-eta) rounded up: slope just under 1, R^2 near 1
    for i in f.included:
        assert res[i].T_stats()["T_emp_mean"] == exact_T(res[i].cell.eta, res[i].cell.tau)
    assert 0.95 < f.slope < 1.0 and f.r2 > 0.99 and f.n_points >= 20


def test_fit_needs_three_points():
    g = make_grid(eta=[0.1], tau="0.05,0.1", trials=5, rounds=50)
    res = [compute_cell(g, c, s) for c, s in zip(grid_cells(g), cell_seeds(g))]
    f = fit_line(res)
    assert math.isnan(f.slope) and "too few" in f.note


# --------------------------------------------------------------------------- trace kind
def test_blacklisting_cell_trace():
    t = simulate("blacklisting_cell", 4, {"eta": 0.1, "tau": 0.06, "rounds": 50, "trials": 40})
    w, black, byz = t["weights"], t["blacklisted_at"], t["is_byzantine"]
    assert np.all(np.diff(w, axis=1) <= 0) and np.all(w[:, 0] == 1)
    for i in range(w.shape[0]):
        if black[i] != NEVER:
            assert w[i, black[i]] < 0.06 <= w[i, black[i] - 1]
            assert np.all(w[i, black[i]:] == w[i, black[i]])     # blacklisted weights are frozen
        else:
            assert w[i, -1] >= 0.06
    assert np.allclose(t["avg_byzantine"], w[byz].mean(0))
    assert t.meta["T_emp_trial"] == int(first_below(t["avg_byzantine"][None], 0.06)[0])
    assert t.meta["T_theory"] == math.ceil(math.log(1 / 0.06) / 0.1)
    with pytest.raises(ParamError, match="^byz_fraction"):
        simulate("blacklisting_cell", 1, {"byz_fraction": 0.0})
