"""Error-bounded blacklisting (Sec. III.B): the triangle argument, the just-inside attack, the sweeps."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.consensus.error_bounded import (
    Attack,
    draw_estimates,
    p_any_outside,
    p_outside,
    queries_per_source,
    run_trial,
    union_bound,
)
from sim.consensus.presets import preset
from sim.consensus.sweeps import committee_loads, committee_of
from sim.core.errors import ParamError
from sim.core.kinds import simulate
from sim.core.sweeps import all_sweeps, make_grid, run_serial

EB_SWEEPS = ("eb_honest_blacklisted", "eb_byzantine_caught", "eb_final_error", "eb_queries")


def test_queries_per_source_formula():
    for n, k, eps, C, c in [(6, 6, 0.5, 18, 1), (10_000, 100, 0.1, 1, 2), (2, 2, 1.0, 0.01, 1)]:
        m = queries_per_source(n, k, eps, C, c)
        assert m == max(1, math.ceil(C * (c * math.log(n) + math.log(k)) / eps**2))
    t = simulate("error_bounded", 0, {})
    assert (t["queries"] == 6 * queries_per_source(6, 6, 0.5, 18.0)).all()


def _within(rng, h, n, eps, boundary=False):
    mu = rng.random(n)
    if boundary:  # exactly at +-eps/3 (eps = 0.75: eps/3 = 0.25, 2 eps/3 = 0.5, all exact in binary)
        return mu, mu + np.where(rng.random((h, n)) < 0.5, -eps / 3, eps / 3)
    return mu, mu + rng.uniform(-eps / 3, eps / 3, (h, n))


def test_triangle_inequality_no_honest_pair_exceeds_two_thirds_eps():
    rng = np.random.default_rng(1)
    for trial in range(50):
        eps = 0.75 if trial % 2 else float(rng.uniform(0.05, 2))
        mu, E = _within(rng, int(rng.integers(2, 12)), int(rng.integers(1, 30)), eps, boundary=trial % 2 == 1)
        if trial % 2:
            mu = np.round(mu * 4) / 4  # dyadic: exact arithmetic
            E = mu + np.where(E > mu, 0.25, -0.25)
        r = run_trial(mu, E, 0, Attack("shift", eps), rng)
        assert not r.honest_bl.any()
        assert (np.abs(r.final - mu) <= eps / 3 + 1e-12).all()


def test_just_inside_is_never_blacklisted_and_its_bias_is_bounded():
    rng = np.random.default_rng(2)
    for _trial in range(40):
        eps = float(rng.uniform(0.05, 1.5))
        h, f, n = int(rng.integers(2, 10)), int(rng.integers(1, 6)), int(rng.integers(1, 40))
        m = int(rng.integers(1, 50))
        mu = rng.random(n)
        E = draw_estimates(mu, h, m, rng)  # not necessarily within eps / 3
        margin = float(rng.uniform(1e-6, 2 * eps / 3 * 0.9))
        att = Attack("just_inside", eps, margin=margin, direction=float(rng.choice([-1.0, 1.0])))
        r = run_trial(mu, E, f, att, rng)
        assert not r.byz_bl.any(), "the just-inside attacker survives every honest peer"
        keep = ~r.honest_bl
        S = keep.sum(axis=1) + f
        echo = (keep.astype(float) @ E + f * E) / S[:, None]  # had the attackers echoed p's own estimate
        bias = r.final - echo
        # what the attack buys at each observer is exactly f / |S_p| (2 eps / 3 - margin), in its direction
        assert np.allclose(bias, att.direction * (f / S)[:, None] * (2 * eps / 3 - margin), atol=1e-12)
        assert (np.abs(bias) < 2 * eps / 3).all()
        # and when every honest estimate is within eps / 3, the final error stays within eps
        mu2, E2 = _within(rng, h, n, eps)
        r2 = run_trial(mu2, E2, f, att, rng)
        assert not r2.byz_bl.any() and (np.abs(r2.final - mu2) <= eps + 1e-12).all()


def test_with_honest_estimates_within_a_third_the_final_error_is_at_most_eps():
    rng = np.random.default_rng(3)
    for strategy in ("shift", "random", "equivocate", "just_inside"):
        for _trial in range(10):
            eps = float(rng.uniform(0.1, 1))
            mu, E = _within(rng, 7, 15, eps)
            r = run_trial(mu, E, 3, Attack(strategy, eps, shift=float(rng.uniform(0, 2)), margin=0.01), rng)
            assert not r.honest_bl.any()
            assert (np.abs(r.final - mu) <= eps + 1e-12).all()


def test_shift_beyond_eps_is_always_caught_by_everybody():
    rng = np.random.default_rng(4)
    eps = 0.6
    mu, E = _within(rng, 8, 20, eps)
    r = run_trial(mu, E, 4, Attack("shift", eps, shift=1.01 * eps), rng)
    assert r.byz_bl.all()
    r = run_trial(mu, E, 4, Attack("equivocate", eps, shift=1.01 * eps), rng)
    assert r.byz_bl.all()


def test_non_finite_reports_are_blacklisted_not_crashes():
    rng = np.random.default_rng(5)
    mu, E = _within(rng, 5, 6, 0.5)
    R = np.tile(mu, (3, 1))
    R[0, 2], R[1, 0], R[2, 5] = np.nan, np.inf, -np.inf
    r = run_trial(mu, E, 3, Attack("shift", 0.5), rng, byz_reports=R)
    assert r.byz_bl.all() and np.isfinite(r.final).all()


def test_exact_law_agrees_with_drawing_queries_one_by_one():
    """The mean of m draws of N(mu, 1) is N(mu, 1/m): both samplers against that law and each other."""
    mu = np.array([0.0, 0.3, 1.0])
    for m in (1, 7, 40):
        a = draw_estimates(mu, 3000, m, np.random.default_rng(10 + m), exact=True)
        b = draw_estimates(mu, 3000, m, np.random.default_rng(20 + m), exact=False)
        for i in range(mu.size):
            for x in (a[:, i], b[:, i]):
                assert stats.kstest(x, "norm", args=(mu[i], 1 / math.sqrt(m))).pvalue > 1e-3
            assert stats.ks_2samp(a[:, i], b[:, i]).pvalue > 1e-3
    # and a wrong law is detected at this sample size (the check can fail)
    c = draw_estimates(mu, 3000, 10, np.random.default_rng(1), exact=False)
    assert stats.kstest(c[:, 0], "norm", args=(0.0, 1 / math.sqrt(5))).pvalue < 1e-3


def test_trace_matches_a_brute_force_recomputation():
    kind, params = preset("seed_blacklisting")
    t = simulate(kind, 3, params)
    k, n = t["estimates"].shape
    thr = t.meta["threshold"]
    h = ~t["is_byzantine"]
    for a in range(len(t.meta["strategies"])):
        for o in np.flatnonzero(h):
            md = np.abs(t["reports"][a, o] - t["estimates"][o]).max(axis=1)
            bl = md > thr
            bl[o] = False
            assert (t["blacklist"][a, o] == bl).all()
            assert np.allclose(t["final"][a, o], t["reports"][a, o, ~bl].mean(axis=0))
        assert np.isnan(t["final"][a, ~h]).all()
    # shift 0.5 > eps / 3 + 2 eps / 3 -> caught; just_inside -> never
    assert t["blacklist"][0][np.ix_(h, ~h)].all() and not t["blacklist"][1][np.ix_(h, ~h)].any()


def test_trace_parameters_are_checked():
    with pytest.raises(ParamError, match="strategies"):
        simulate("error_bounded", 0, {"strategies": "shift,lie"})
    with pytest.raises(ParamError, match="margin"):
        simulate("error_bounded", 0, {"eps": 0.3, "margin": 0.25})
    with pytest.raises(ParamError, match="work"):
        simulate("error_bounded", 0, {"n_sources": 100_000, "n_peers": 100})


def test_probability_helpers():
    assert p_outside(9, 3.0) == pytest.approx(2 * stats.norm.sf(3.0))
    assert p_any_outside(9, 3.0, 1) == pytest.approx(p_outside(9, 3.0))
    assert union_bound(9, 3.0, 10) >= p_any_outside(9, 3.0, 10)


@pytest.mark.parametrize("name", EB_SWEEPS)
def test_sweeps_are_declared_and_their_smoke_grids_run(name):
    sw = all_sweeps()[name]
    from studio.figures import sweep_figures

    assert [f.__module__ for f in sweep_figures(name)] == ["studio.figures.consensus.error_bounded"]
    if name != "eb_queries":
        assert sw.trials >= 1000
    out = run_serial(name, **sw.smoke)
    for row in out.rows():
        for key, _v in row.items():
            if key.endswith("_lo"):
                stem = key[:-3]
                assert row[key] <= row[stem] <= row[stem + "_hi"]
                if stem.startswith("p_"):
                    assert 0 <= row[key] and row[stem + "_hi"] <= 1


def test_measured_premise_failures_match_the_exact_probability():
    out = run_serial("eb_honest_blacklisted", C=18.0, eps=0.5, trials=1000)
    row = out.rows()[0]
    assert row["p_outside_lo"] <= row["p_outside_exact"] <= row["p_outside_hi"]
    assert row["p_any_wrong"] <= row["p_outside"]  # wrong blacklisting needs a broken premise
    assert row["union_bound"] >= row["p_outside_exact"]


def test_just_inside_bias_in_the_sweep_is_the_predicted_one():
    out = run_serial("eb_final_error", strategy="just_inside", eps=0.5, trials=200)
    row = out.rows()[0]
    assert row["bias"] == pytest.approx(row["predicted_bias"], rel=0.02)
    assert row["p_within_eps"] == 1.0


def test_queries_sweep_counts():
    rng = np.random.default_rng(0)
    for n, k, s in [(50, 10, 4), (30, 5, 5), (7, 20, 3)]:
        load = committee_loads(n, k, s, rng)
        assert load.sum() == n * s and load.max() <= n
    out = run_serial("eb_queries", n_sources=(100, 1000), n_peers=10, trials=5)
    for c, rec in zip(out.cells, out.records):
        n, k = c["n_sources"], c["n_peers"]
        m, s = int(rec["m"]), committee_of(n, k, c["a"])
        assert rec["all_peers"] == n * m
        assert np.allclose(rec["committee_mean"], n * s * m / k)


def test_sweep_work_cap():
    with pytest.raises(ParamError, match="work"):
        make_grid("eb_final_error", {"n_sources": 1_000_000, "n_peers": 1000})


@pytest.mark.parametrize("strategy", ["shift", "random", "equivocate", "just_inside"])
def test_vectorised_trial_equals_brute_force_per_report(strategy):
    """run_trial's shortcuts (shared reports, one just-inside comparison, sign sums) against report-by-report."""
    import copy

    from sim.consensus.error_bounded import receiver_reports, shared_reports

    rng = np.random.default_rng(8)
    for _trial in range(5):
        h, f, n, eps = 6, 3, 9, 0.4
        mu = rng.random(n)
        E = draw_estimates(mu, h, int(rng.integers(5, 60)), rng)
        att = Attack(strategy, eps, shift=float(rng.uniform(0.05, 0.6)), margin=0.01)
        twin = copy.deepcopy(rng)
        r = run_trial(mu, E, f, att, rng)
        R = shared_reports(att, mu, f, twin)
        if R is not None:
            reports = [np.broadcast_to(R[b], E.shape) for b in range(f)]
        elif strategy == "just_inside":
            reports = [receiver_reports(att, mu, E, twin)] * f  # the same report from every attacker
        else:
            reports = [receiver_reports(att, mu, E, twin) for b in range(f)]
        for p in range(h):
            kept = [E[q] for q in range(h) if q == p or np.abs(E[q] - E[p]).max() <= 2 * eps / 3]
            for b in range(f):
                caught = np.abs(reports[b][p] - E[p]).max() > 2 * eps / 3
                assert r.byz_bl[p, b] == caught
                if not caught:
                    kept.append(reports[b][p])
            assert np.allclose(r.final[p], np.mean(kept, axis=0), atol=1e-12)
