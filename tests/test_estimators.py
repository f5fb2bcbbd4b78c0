"""Robust estimators: breakdown, equivariance, invariance, known results of robust statistics."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from sim.core.errors import ParamError
from sim.stats.robust import (
    ESTIMATORS,
    EstimatorError,
    breakdown_point,
    geometric_median,
    mad,
    mean,
    median,
    median_of_means,
    trimmed_mean,
)

ROBUST = ("median", "trimmed_mean", "median_of_means", "geometric_median")


def run(name, x, mask=None, seed=0, **kw):
    return ESTIMATORS[name](x, mask, rng=np.random.default_rng(seed), **kw)


def tolerated(name: str, n: int, kw: dict) -> int:
    """Number of arbitrary rows an estimator tolerates with a bounded output."""
    if name == "trimmed_mean":
        return int(np.floor(kw["trim"] * n))
    if name == "median_of_means":
        return int(np.ceil(min(kw["buckets"], n) / 2) - 1)
    return int(np.ceil(n / 2) - 1)


KW = {"median": {}, "trimmed_mean": {"trim": 0.2}, "median_of_means": {"buckets": 7}, "geometric_median": {}}

honest_sets = st.integers(0, 2**31).map(lambda s: np.random.default_rng(s))
attack_values = st.sampled_from([1e12, -1e12, 1e300, np.nan, np.inf, -np.inf, 37.0])


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(ROBUST),
    rng=honest_sets,
    n=st.integers(3, 30),
    d=st.integers(1, 3),
    val=attack_values,
    frac=st.floats(0, 1),
)
def test_bounded_under_any_corruption_below_breakdown(name, rng, n, d, val, frac):
    kw = KW[name]
    b = int(frac * tolerated(name, n, kw))
    honest = rng.normal(size=(n, d))
    x = honest.copy()
    bad = rng.permutation(n)[:b]
    x[bad] = val
    if np.isfinite(val):
        x[bad[: len(bad) // 2]] = -val  # outliers on both sides
    out = run(name, x, **kw)
    assert np.all(np.isfinite(out))
    keep = np.setdiff1d(np.arange(n), bad)
    h = honest[keep]
    if name == "geometric_median":
        # ||GM - y|| <= 2 (k - b) r / (k - 2b) when the k - b honest points lie within r of y
        y = h.mean(0)
        r = np.linalg.norm(h - y, axis=1).max()
        assert np.linalg.norm(out - y) <= 2 * (n - b) * r / (n - 2 * b) + 1e-6
    else:
        # coordinate-wise estimators stay inside the honest range
        assert np.all(out >= h.min(0) - 1e-9) and np.all(out <= h.max(0) + 1e-9)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(ROBUST + ("mean",)),
    rng=honest_sets,
    n=st.integers(1, 25),
    d=st.integers(1, 3),
    a=st.floats(0.1, 10) | st.floats(-10, -0.1),
    b=st.floats(-100, 100),
)
def test_translation_and_scale_equivariance(name, rng, n, d, a, b):
    kw = KW.get(name, {})
    x = rng.normal(size=(2, n, d)) * rng.uniform(0.5, 3)
    shift = np.full(d, b)
    lhs = run(name, a * x + shift, seed=5, **kw)
    rhs = a * run(name, x, seed=5, **kw) + shift
    np.testing.assert_allclose(lhs, rhs, rtol=1e-6, atol=1e-6 * (1 + abs(b) + abs(a)))


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(("median", "trimmed_mean", "geometric_median", "mean")),
    rng=honest_sets,
    n=st.integers(1, 25),
    d=st.integers(1, 3),
)
def test_permutation_invariance(name, rng, n, d):
    x = rng.normal(size=(n, d))
    mask = rng.random(n) < 0.8
    mask[0] = True
    p = rng.permutation(n)
    np.testing.assert_allclose(
        run(name, x[p], mask[p], **KW.get(name, {})), run(name, x, mask, **KW.get(name, {})), rtol=1e-9, atol=1e-9
    )


def test_median_of_means_is_permutation_invariant_in_distribution_and_at_the_ends():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(9, 2))
    p = rng.permutation(9)
    # one bucket: the mean; one row per bucket: the median -- both permutation invariant
    for b, ref in ((1, mean(x)), (9, median(x))):
        np.testing.assert_allclose(median_of_means(x[p], rng=rng, buckets=b), ref, atol=1e-12)
    # in between the partition is random: permuted data give the same distribution of outputs
    x1 = rng.standard_exponential((31, 1))
    a = median_of_means(np.broadcast_to(x1, (4000, 31, 1)), rng=np.random.default_rng(2), buckets=5)[:, 0]
    b = median_of_means(
        np.broadcast_to(x1[rng.permutation(31)], (4000, 31, 1)), rng=np.random.default_rng(3), buckets=5
    )[:, 0]
    assert abs(a.mean() - b.mean()) < 4 * a.std() / np.sqrt(4000) * np.sqrt(2)


def test_masked_rows_take_no_part():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 12, 2))
    mask = rng.random((3, 12)) < 0.6
    mask[:, 0] = True
    for name in ("median", "trimmed_mean", "geometric_median", "mean"):
        full = run(name, np.where(mask[..., None], x, 1e9), mask, **KW.get(name, {}))
        for t in range(3):
            np.testing.assert_allclose(full[t], run(name, x[t][mask[t]], **KW.get(name, {})), atol=1e-9)


def test_relative_efficiency_of_the_median_is_two_over_pi():
    """var(mean)/var(median) on clean Gaussian data -> 2/pi = 0.637 (the aggregation module quotes 0.64)."""
    x = np.random.default_rng(0).normal(size=(20000, 201, 1))
    eff = mean(x).var() / median(x).var()
    assert abs(eff - 2 / np.pi) < 0.03


def test_geometric_median_matches_brute_force():
    rng = np.random.default_rng(7)
    for _ in range(5):
        x = rng.normal(size=(11, 2)) * [1, 3]
        f = lambda y, x=x: np.linalg.norm(x - y, axis=1).sum()  # noqa: E731
        best = minimize(f, x.mean(0), method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 20000})
        gm = geometric_median(x)
        assert f(gm) <= best.fun + 1e-9
        np.testing.assert_allclose(gm, best.x, atol=1e-5)


def test_geometric_median_on_a_data_point_uses_the_vardi_zhang_fix():
    # three of five points coincide: the minimiser is that point, where plain Weiszfeld divides by zero
    x = np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [4.0, 1.0], [1.0, 5.0]])
    np.testing.assert_allclose(geometric_median(x), [1.0, 1.0], atol=1e-12)
    # collinear points: the middle one
    np.testing.assert_allclose(geometric_median(np.array([[0.0, 0], [1, 0], [5, 0]])), [1.0, 0.0], atol=1e-9)


def test_mad_estimates_sigma_for_gaussians():
    x = np.random.default_rng(4).normal(0, 2.5, size=(50, 801, 2))
    assert abs(mad(x, normalize=True).mean() - 2.5) < 0.05
    y = x.copy()
    y[:, :300] = np.nan  # 37% non-finite: MAD is larger, still finite
    assert np.all(np.isfinite(mad(y)))
    assert np.all(mad(y) > mad(x) * 1.2)


def test_plain_mean_goes_non_finite_and_robust_ones_do_not():
    x = np.random.default_rng(5).normal(size=(21, 2))
    x[3] = [np.nan, 0.0]
    x[8] = [np.inf, -np.inf]
    assert not np.all(np.isfinite(mean(x)))
    for name in ROBUST:
        assert np.all(np.isfinite(run(name, x, **KW[name])))


def test_nothing_finite_left_says_so():
    x = np.full((4, 2), np.nan)
    for name in ROBUST:
        with pytest.raises(EstimatorError, match="nothing finite left"):
            run(name, x, **KW[name])
    with pytest.raises(EstimatorError, match="nothing finite left"):
        mean(np.ones((3, 2)), np.zeros(3, bool))


def test_breakdown_points_and_bad_parameters():
    assert breakdown_point("mean", 10) == 0
    assert breakdown_point("median", 11) == 5 / 11
    assert breakdown_point("median_of_means", 40, buckets=5) == 2 / 40
    with pytest.raises(ParamError, match="trim"):
        trimmed_mean(np.ones((3, 1)), trim=0.5)
    with pytest.raises(ParamError, match="buckets"):
        median_of_means(np.ones((3, 1)), rng=np.random.default_rng(0), buckets=0)
    with pytest.raises(ParamError, match="rng"):
        median_of_means(np.ones((3, 1)))
