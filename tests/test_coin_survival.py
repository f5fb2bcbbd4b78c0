"""The coin's runs as survival data (issue 23): the state "corrupted > good", the stop reasons, the records.

Proved in docs/coin.md and checked here on the simulator: a round that begins with the corrupted weight above the
good experts' total cannot end the run (Lemma 1); whether a round ends depends only on (W_K, G, d), not on the
solver; in a round that does not end the good total moves by exactly eta d G and the total weight never grows
(Lemma 2).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.coin import approx_solver, exact_solver, greedy_solver
from sim.coin.adaptive import HALF_SQRT, SQRT, volatile_budget
from sim.coin.coin_mwu import CAP, ENDED, FLOAT_LIMIT, default_eta, round_limit, run_coin
from sim.coin.knapsack import TIE, Problem, corrupted_exceeds_good
from sim.coin.nonadaptive import solve
from sim.coin.sweeps import all_runs_weight_curve, mean_weight_curve
from sim.core.kinds import simulate
from sim.core.sweeps import get_sweep, make_grid, run_serial, validate_record


def _in_state(tr) -> np.ndarray:
    W = tr["weights"].sum(1)
    return np.array([corrupted_exceeds_good(k, t) for k, t in zip(tr["corrupted_weight"], W)])


@pytest.mark.parametrize("solver", ["greedy", "exact"])
def test_no_round_begun_with_corrupted_above_good_ends_the_run(solver):
    inside_total = ended_after = 0
    for seed in range(12):
        tr = simulate("coin_run", seed, {"n": 20, "tau": 8, "solver": solver, "max_rounds": 300})
        inside = _in_state(tr)
        assert np.array_equal(tr["corrupted_above_good"], inside)  # the trace's own record of the state
        ends = tr["z"] == tr["d"]
        assert not (inside & ends).any()  # Lemma 1
        inside_total += int(inside.sum())
        ended_after += int(inside.any() and not tr.meta["censored"])
        # the meta agrees with the trace
        first = int(np.argmax(inside)) + 1 if inside.any() else 0
        assert tr.meta["first_cross"] == first
        assert tr.meta["state_rounds"] == int(inside.sum())
        assert tr.meta["exits"] == int((inside[:-1] & ~inside[1:]).sum())
        assert tr.meta["stop"] == (ENDED if not tr.meta["censored"] else CAP)
    assert inside_total > 20  # the state was visited: the check above had something to check
    assert ended_after > 0  # and some runs left it and ended: the state is not absorbing


def _problems(rng, count):
    for _ in range(count):
        C = int(rng.integers(1, 6))
        values = np.sort(rng.uniform(0.2, 3.0, C))[::-1]
        counts = rng.integers(1, 4, C)
        W = float(values @ counts)
        G = float(rng.uniform(-1.6, 1.6) * W)
        yield Problem(
            values, counts.astype(np.int64), G, int(rng.choice([-1, 1])), W + abs(G) + float(rng.uniform(0, 5))
        )


def test_whether_a_round_ends_does_not_depend_on_the_solver():
    """Every solver plays on iff J = {} gives z != d (its vote S = G - d W_K is the one furthest towards -d)."""
    rng = np.random.default_rng(3)
    for p in _problems(rng, 400):
        tol = TIE * p.scale
        S0 = p.G - p.d * p.W_K
        plays_on = S0 < -tol if p.d > 0 else S0 >= -tol
        found = [
            greedy_solver.solve(p).found,
            approx_solver.solve(p).found,
            exact_solver.solve(p).found,
            solve(p, "brute").found,
        ]
        assert found == [plays_on] * 4


def test_update_identities_in_rounds_that_do_not_end():
    """W_G' - W_G = eta d G (G the good vote) exactly; W' - W = eta d S <= 0 (z != d); W_K' = (1 - eta) W_K + 2 eta X."""
    checked = 0
    for seed in range(6):
        tr = simulate("coin_run", seed, {"n": 20, "tau": 8, "solver": "exact", "max_rounds": 200})
        eta = tr.meta["eta"]
        w, a, d, K = tr["weights"], tr["advice"].astype(float), tr["d"].astype(float), tr["corrupted"]
        for r in range(len(d) - 1):
            good = ~K[r]
            G = float(w[r][good] @ a[r][good])
            S = float(w[r] @ a[r])
            assert w[r + 1][good].sum() - w[r][good].sum() == pytest.approx(eta * d[r] * G, abs=1e-9 * w[r].sum())
            assert w[r + 1].sum() - w[r].sum() == pytest.approx(eta * d[r] * S, abs=1e-9 * w[r].sum())
            assert d[r] * S <= TIE * w[r].sum()
            WK1 = (1 - eta) * w[r][K[r]].sum() + 2 * eta * tr["X"][r]
            assert w[r + 1][K[r]].sum() == pytest.approx(WK1, rel=1e-9)
            checked += 1
    assert checked > 100


def test_stop_reasons():
    n, tau = 20, 8
    eta = default_eta(n)
    short = run_coin(n, tau, eta, 60, np.random.default_rng(0), solver="greedy", max_rounds=5)
    assert set(short.stop[short.censored].tolist()) == {CAP} and (short.stop[~short.censored] == ENDED).all()
    assert short.censored.any()
    long = run_coin(n, tau, eta, 60, np.random.default_rng(0), solver="greedy", max_rounds=100_000)
    assert long.censored.any()  # some runs reach the float limit at n = 20, tau = 8
    assert (long.stop[long.censored] == FLOAT_LIMIT).all()
    assert (long.rounds[long.censored] == round_limit(eta) + 1).all()
    # first_cross within the run; state rounds and exits consistent
    c = long.first_cross > 0
    assert (long.first_cross <= np.minimum(long.rounds, round_limit(eta))).all()
    assert ((long.state_rounds > 0) == c).all() and (long.exits[~c] == 0).all()
    assert (long.peak_share[c] > 0.5).all() and (long.peak_share <= 1).all()


def test_sweep_records_are_checked_across_fields():
    sw = get_sweep("coin_survival")
    out = run_serial("coin_survival", **{**sw.smoke, "n": (20,), "solver": ("greedy",)})
    p, rec = dict(out.cells[0].params), out.records[0]
    assert validate_record(sw, p, rec) is None
    bad = {**rec, "stop": rec["stop"].copy()}
    bad["stop"][0] = FLOAT_LIMIT  # a run that ended, marked censored
    assert "censored" in validate_record(sw, p, bad)
    bad = {**rec, "first_cross": rec["first_cross"].copy()}
    bad["first_cross"][0] = rec["rounds"][0] + 1
    assert "first_cross" in validate_record(sw, p, bad)


def test_survival_rows_count_what_the_records_hold():
    # tau = 8 of 20: the state is common, so the count below is not vacuous whatever the seed
    out = run_serial("coin_survival", n=(20,), solver=("greedy",), tau_fraction=0.4, trials=200, seed=1)
    row = out.rows()[0]
    rec = out.records[0]
    assert row["runs"] == 200 and row["ended"] + row["censored_cap"] + row["censored_float"] == 200
    assert row["crossed"] == int((rec["first_cross"] > 0).sum()) > 0
    assert row["p_cross_low"] <= row["p_cross"] <= row["p_cross_high"]
    assert row["median_rounds"] == float(np.sort(rec["rounds"])[99]) or row["censored_float"] > 0
    tables = out.tables()
    assert len(tables["crossings"][1]) == row["crossed"]


def test_the_two_fig2_averages():
    """all-runs mean (ended = 0) = the mean over the runs going x the fraction going."""
    g = make_grid("coin_weight", {"n": (60,), "horizon": 40}, trials=30, seed=5)
    cw = run_serial("coin_weight", g).records[0]["corrupted_weight"]
    going = np.isfinite(cw).sum(0) / cw.shape[0]
    m, a = mean_weight_curve(cw), all_runs_weight_curve(cw)
    ok = going > 0
    np.testing.assert_allclose(a[ok], (m * going)[ok], rtol=1e-12)
    assert (a[~ok] == 0).all()


def test_volatile_budgets():
    assert [volatile_budget(n, SQRT) for n in (4, 9, 15, 16)] == [2, 3, 3, 4]
    assert [volatile_budget(n, HALF_SQRT) for n in (4, 9, 15, 16)] == [1, 1, 1, 2]
    assert volatile_budget(10, 2) == 2
    with pytest.raises(ValueError):
        volatile_budget(10, -3)


def test_the_scene_shows_what_its_trace_does():
    """CoinCorruptedMajority's claim, on its own trace: the run crosses during the scene, stays in the state to the
    cap, and no round in the state ends."""
    from scenes.coin.corrupted_majority import CoinCorruptedMajority

    spec = CoinCorruptedMajority.trace_spec
    tr = simulate(spec.kind, spec.seed, dict(spec.params))
    inside = tr["corrupted_above_good"]
    fc = int(np.argmax(inside))
    assert inside.any() and fc >= 3  # it crosses during the scene, not at the start
    assert inside[fc:].all() and tr.meta["censored"] and tr.meta["exits"] == 0
    assert not (inside & (tr["z"] == tr["d"])).any()
