"""sim.mw.verification (the knowlson_verification sweep): grid validation, Wilson intervals, theoretical T,
one cell against brute force (through the engine too), the line fit, the trace kind."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.errors import ParamError
from sim.core.kinds import simulate
from sim.core.sweeps import get_sweep, parse_values, run_serial
from sim.core.sweeps import make_grid as make_sweep_grid
from sim.mw.mw_engine import NEVER
from sim.mw.verification import (
    AXIS_PARAMS,
    SWEEP,
    CellResult,
    cell_results,
    draw_reports,
    exact_T,
    first_below,
    fit_line,
    mw_weights,
    theoretical_T,
    wilson,
)


def make_grid(**sets):
    return make_sweep_grid(SWEEP, sets)


def results(**sets) -> list[CellResult]:
    return cell_results(run_serial(SWEEP, **sets))


# --------------------------------------------------------------------------- grid validation
@pytest.mark.parametrize(
    "kw, name",
    [
        ({"eta": "1.5"}, "eta"),
        ({"eta": [0.0]}, "eta"),
        ({"eta": "0.1,1"}, "eta"),
        ({"tau": "0"}, "tau"),
        ({"tau": [1.2]}, "tau"),
        ({"eta": "abc"}, "eta"),
        ({"tau": "0.1,x"}, "tau"),
        ({"eta": ""}, "eta"),
        ({"eta": []}, "eta"),
        ({"tau": "0.1:0.2:0"}, "tau"),
        ({"eta": "0.1:0.2:-3"}, "eta"),
        ({"eta": "0.1:0.2:ten"}, "eta"),
        ({"tau": "0.01:0.1"}, "tau"),
        ({"trials": 0}, "trials"),
        ({"rounds": "1.5"}, "rounds"),
        ({"n_sources": "1"}, "n_sources"),
        ({"loss": "nope"}, "loss"),
        ({"estimator": "no_such_estimator"}, "estimator"),
        ({"byz_fraction": 0.5}, "byz_fraction"),
        ({"c": -1}, "c"),
        ({"delta": 1}, "delta"),
        ({"seed": -3}, "seed"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_invalid_grid_names_the_parameter(kw, name):
    with pytest.raises(ParamError) as e:
        make_grid(**kw)
    assert str(e.value).startswith(f"{name}:")


@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: not 0 < v < 1))
def test_eta_outside_unit_interval_rejected(v):
    with pytest.raises(ParamError, match=r"^eta: must be a number in \[1e-06, 1\)"):
        make_grid(eta=[v])


def test_range_syntax_is_linspace():
    eta = next(p for p in AXIS_PARAMS if p.name == "eta")
    n = next(p for p in AXIS_PARAMS if p.name == "n_sources")
    assert np.allclose(parse_values(eta, "0.01:0.1:10"), np.linspace(0.01, 0.1, 10))
    assert parse_values(eta, "0.1, 0.2,0.3") == (0.1, 0.2, 0.3)
    assert parse_values(n, "10:30:3") == (10, 20, 30)
    g = make_grid(eta="0.05", tau="0.01:0.1:4", n_sources="10,20", loss="clipped")
    assert g.n_cells == 8 and len(g.cells()) == 8
    # eta x tau are the innermost axes: cell i runs over tau fastest, then eta, then n_sources
    assert [(c["n_sources"], c["tau"]) for c in g.cells()][:5] == [(10, t) for t in np.linspace(0.01, 0.1, 4)] + [
        (20, 0.01)
    ]


# --------------------------------------------------------------------------- statistics
def test_wilson_known_values():
    lo, hi = wilson(0, 10)
    assert lo == 0 and hi == pytest.approx(0.2775, abs=1e-4)  # textbook value, z = 1.96
    lo, hi = wilson(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)
    assert all(math.isnan(v) for v in wilson(0, 0))


@given(
    st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
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


def test_engine_cell_counts_match_a_direct_computation(tmp_path):
    """The engine's per-cell counts (through checkpoints and CSV) equal a direct computation: the cell's own
    SeedSequence child, the reports drawn by hand, Algorithm 1 as a plain loop (no engine code)."""
    from studio.sweep import read_csv, run

    sets = {"eta": "0.2,0.35", "tau": "0.2", "n_sources": "10,7", "rounds": 12, "c": 1.0}
    g = make_sweep_grid(SWEEP, sets, trials=13, seed=5)
    res = run(SWEEP, g, "direct", root=tmp_path, workers=1, progress=False)
    again = run(SWEEP, g, "direct", root=tmp_path, workers=1, progress=False)  # from the checkpoints
    assert res.computed == 4 and again.reused == 4
    rows = read_csv(tmp_path / "direct" / "cells.csv")
    for i, ss in enumerate(np.random.SeedSequence(5).spawn(4)):
        eta, n = (0.2, 0.35, 0.2, 0.35)[i], (10, 10, 7, 7)[i]  # n_sources outer, eta inner
        assert (g.cells()[i]["n_sources"], g.cells()[i]["eta"]) == (n, eta)
        nb = math.floor(0.3 * n + 1e-9)
        nh = n - nb
        x = np.random.Generator(np.random.PCG64(ss)).standard_normal((13, 12, n, 1))
        x[:, :, nh:] += 5.0
        W, B = _brute(x, eta, 0.2, 1.0)
        black = B != NEVER
        avg = W[:, :, nh:].mean(-1)
        want = {
            "honest_blacklisted": int(black[:, :nh].sum()),
            "honest_any": int(black[:, :nh].any(1).sum()),
            "byz_blacklisted": int(black[:, nh:].sum()),
            "byz_all": int(black[:, nh:].all(1).sum()),
        }
        t_emp = [next((t for t in range(1, 13) if avg[k, t] < 0.2), NEVER) for k in range(13)]
        for out in (res, again):
            rec = out.records[i]
            assert {k: int(rec[k]) for k in want} == want
            assert rec["T_emp"].tolist() == t_emp
            assert np.allclose(rec["mean_honest"], W[:, :, :nh].mean(-1).mean(0))
            assert np.array_equal(rec["example_black"], B[0])
        assert int(rows[i]["n_honest"]) == nh and float(rows[i]["p_honest"]) == want["honest_blacklisted"] / (13 * nh)
        assert float(rows[i]["p_byz"]) == want["byz_blacklisted"] / (13 * nb)


@given(st.floats(0.02, 0.5), st.floats(0.01, 0.5))
@settings(max_examples=15, deadline=None)
def test_far_byzantine_blacklisted_at_exact_T(eta, tau):
    """Byzantine reports far beyond c have loss 1 every round, so w = (1 - eta)^t: T_emp is exact_T in every trial."""
    (r,) = results(eta=[eta], tau=[tau], trials=5, rounds=60, byz_distance=[1e4], byz_spread=0.0, n_sources=[9])
    T = exact_T(eta, tau)
    if T <= 60:
        assert set(r.T_emp.tolist()) == {T} and r.p_byz == 1.0
    else:
        assert set(r.T_emp.tolist()) == {NEVER} and r.p_byz == 0.0
    assert np.allclose(r.mean_byz[: min(T, 60) + 1], (1 - eta) ** np.arange(min(T, 60) + 1))


def test_cell_is_a_function_of_its_seed():
    from sim.core.sweeps import compute_cell

    g = make_grid(eta="0.05,0.1", tau=[0.05], trials=30, rounds=20)
    (c0, _c1), (s0, s1) = g.cells(), g.seeds()
    a, b = compute_cell(SWEEP, c0.params, s0), compute_cell(SWEEP, c0.params, s0)
    for k in a:
        assert np.array_equal(a[k], b[k], equal_nan=a[k].dtype.kind == "f"), k
    assert CellResult.from_record(0, c0.params, a).record() == CellResult.from_record(0, c0.params, b).record()
    # another child seed draws other data
    assert not np.array_equal(compute_cell(SWEEP, c0.params, s1)["example_w"], a["example_w"])


def test_targets_and_first_below():
    assert first_below(np.array([[1.0, 0.5, 0.2, 0.05]]), 0.1).tolist() == [3]
    assert first_below(np.array([[1.0, 0.5]]), 0.1).tolist() == [NEVER]
    (r,) = results(eta=[0.1], tau=[0.1], trials=20, rounds=50)
    rec = r.record()
    assert rec["honest_target"] == pytest.approx(0.1 / 14)
    assert rec["meets_targets"] == (rec["p_honest"] <= 0.1 / 14 and rec["p_byz"] >= 0.8)
    assert rec["p_honest_lo"] <= rec["p_honest"] <= rec["p_honest_hi"]
    assert rec["T_theory"] == math.ceil(10 * math.log(10))


# --------------------------------------------------------------------------- the line fit
def test_line_fit_on_verification_grid():
    res = results(trials=10, byz_spread=0.0)
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
    res = results(eta=[0.1], tau="0.05,0.1", trials=5, rounds=50)
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
            assert np.all(w[i, black[i] :] == w[i, black[i]])  # blacklisted weights are frozen
        else:
            assert w[i, -1] >= 0.06
    assert np.allclose(t["avg_byzantine"], w[byz].mean(0))
    assert t.meta["T_emp_trial"] == int(first_below(t["avg_byzantine"][None], 0.06)[0])
    assert t.meta["T_theory"] == math.ceil(math.log(1 / 0.06) / 0.1)
    with pytest.raises(ParamError, match="^byz_fraction"):
        simulate("blacklisting_cell", 1, {"byz_fraction": 0.0})


def test_check_record_rejects_counts_that_do_not_add_up():
    sw = get_sweep(SWEEP)
    out = run_serial(SWEEP, eta="0.3", tau="0.2", n_sources=10, rounds=15, trials=8)
    p, rec = dict(out.cells[0].params), out.records[0]
    from sim.core.sweeps import validate_record

    assert validate_record(sw, p, rec) is None
    for field, value in (
        ("honest_any", rec["honest_blacklisted"] + 1),
        ("byz_all", np.int64(9)),
        ("byz_blacklisted", np.int64(8 * 3 + 1)),
        ("T_emp", np.zeros(8, np.int64)),
        ("is_byz", ~rec["is_byz"]),
        ("example_black", np.full(10, 3, np.int64)),
    ):
        bad = {**rec, field: np.asarray(value, dtype=rec[field].dtype)}
        assert validate_record(sw, p, bad) is not None, field
