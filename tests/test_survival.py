"""Kaplan-Meier, Greenwood and log-log intervals (sim/stats/survival.py) against known results."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.stats.survival import kaplan_meier, runs_survival

# Freireich et al. (1963), 6-MP arm, remission weeks; False = censored. The textbook example of Kaplan-Meier
# (Kalbfleisch & Prentice; Klein & Moeschberger, Table 4.1A; Kleinbaum & Klein, Ch. 2).
SIX_MP_T = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
SIX_MP_E = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]


def test_six_mp_textbook_values():
    km = kaplan_meier(SIX_MP_T, np.array(SIX_MP_E, bool))
    assert km.time.tolist() == [6, 7, 10, 13, 16, 22, 23]
    assert km.at_risk.tolist() == [21, 17, 15, 12, 11, 7, 6]
    assert km.events.tolist() == [3, 1, 1, 1, 1, 1, 1]
    np.testing.assert_allclose(km.survival, [0.8571, 0.8067, 0.7529, 0.6902, 0.6275, 0.5378, 0.4482], atol=5e-5)
    np.testing.assert_allclose(km.se, [0.0764, 0.0869, 0.0963, 0.1068, 0.1141, 0.1282, 0.1346], atol=5e-5)
    # log-log 95% limits as R's survfit(conf.type = "log-log") prints them
    np.testing.assert_allclose(km.low, [0.620, 0.563, 0.503, 0.432, 0.368, 0.268, 0.188], atol=5e-4)
    np.testing.assert_allclose(km.high, [0.952, 0.923, 0.889, 0.849, 0.805, 0.747, 0.680], atol=5e-4)
    assert km.median() == (23.0, 13.0, math.inf)
    assert (km.n, km.censored, km.last_time) == (21, 12, 35.0)


def test_without_censoring_it_is_the_empirical_survival_function_and_greenwood_is_binomial():
    rng = np.random.default_rng(0)
    t = rng.integers(1, 30, size=200).astype(float)  # many ties
    km = kaplan_meier(t, np.ones(t.size, bool))
    emp = np.array([(t > u).mean() for u in km.time])
    np.testing.assert_allclose(km.survival, emp, atol=1e-12)
    ok = emp > 0
    np.testing.assert_allclose(km.se[ok], np.sqrt(emp * (1 - emp) / t.size)[ok], rtol=1e-9)
    S, lo, hi = km.at([0.5, 10.5, 100.0])
    assert S[0] == 1.0 and S[1] == pytest.approx((t > 10.5).mean()) and math.isnan(S[2])


@pytest.mark.filterwarnings("ignore:The confidence interval is undefined")
@pytest.mark.parametrize("seed", range(6))
def test_agrees_with_scipy_ecdf_on_random_censored_data(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 120))
    T = rng.geometric(0.05, size=n).astype(float)
    C = rng.geometric(0.04, size=n).astype(float)
    t, e = np.minimum(T, C), T <= C  # ties: the event first
    km = kaplan_meier(t, e)
    ref = stats.ecdf(stats.CensoredData(uncensored=t[e], right=t[~e])).sf
    ci = ref.confidence_interval(method="log-log")
    np.testing.assert_allclose(km.at(ref.quantiles)[0], ref.probabilities, atol=1e-12)
    keep = (ref.probabilities > 0) & np.isin(ref.quantiles, km.time)
    np.testing.assert_allclose(km.low[np.isin(km.time, ref.quantiles[keep])], ci.low.probabilities[keep], atol=1e-9)
    np.testing.assert_allclose(km.high[np.isin(km.time, ref.quantiles[keep])], ci.high.probabilities[keep], atol=1e-9)


def test_a_censoring_at_an_event_time_is_at_risk_there():
    km = kaplan_meier([2, 2, 3], [True, False, True])
    assert km.at_risk.tolist() == [3, 1] and km.survival.tolist() == pytest.approx([2 / 3, 0.0])


def test_log_log_interval_covers_the_truth_about_95_percent():
    """Exponential times (rate 1) censored by exponential times (rate 0.5), n = 80: coverage of S(1) = e^-1."""
    rng = np.random.default_rng(1)
    hits, reps = 0, 600
    for _ in range(reps):
        T, C = rng.exponential(1.0, 80), rng.exponential(2.0, 80)
        km = kaplan_meier(np.minimum(T, C), T <= C)
        _, lo, hi = km.at([1.0])
        hits += bool(lo[0] <= math.exp(-1) <= hi[0])
    # binomial sd at 0.95 over 600 runs is 0.009: 0.92 is more than 3 sd below
    assert 0.92 <= hits / reps <= 0.98


def test_runs_survival_reads_the_cap_plus_one_convention():
    # three runs ended at 1, 4, 4; two censored at the cap 10 (recorded as 11)
    km = runs_survival([1, 4, 11, 4, 11], [False, False, True, False, True])
    assert km.time.tolist() == [1, 4] and km.censored == 2 and km.last_time == 10
    S, _, _ = km.at([0, 1, 4, 10])
    assert S.tolist() == pytest.approx([1.0, 0.8, 0.4, 0.4])
    assert km.median()[0] == 4.0  # S(1) = 0.8 > 1/2 >= S(4) = 0.8 * 2/4


def test_bad_input():
    with pytest.raises(ValueError, match="time"):
        kaplan_meier([1.0, math.nan], [True, True])
    with pytest.raises(ValueError, match="shapes"):
        kaplan_meier([1.0, 2.0], [True])
