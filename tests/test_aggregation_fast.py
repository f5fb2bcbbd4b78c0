"""The rules' plain paths against their general paths; extreme finite values; the pairwise size cap; the ranges.

Plain path: no mask and plainly fine input (robust.PLAIN / SQ_SAFE), the per-call fast path of issue 25. It
must compute the general path's numbers bit for bit (aggregates and shares): the general path runs when the
same stack comes with an explicit all-True mask. Extreme finite values (issue 24): every rule and estimator
gives a finite answer where the math gives one, and the same answer as on the stack scaled into the middle
of the float range.
"""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.aggregation import rules
from sim.aggregation.aggregators import (
    AGGREGATORS,
    CenteredClippingAggregator,
    KrumAggregator,
    TrimmedMeanAggregator,
    make_aggregator,
)
from sim.aggregation.config import RobustnessConfig
from sim.core.errors import ParamError
from sim.stats import robust

F_RULES = ("krum", "multi_krum", "mean_around_median", "minimum_diameter_averaging")


def rule_kw(name: str, n: int) -> dict:
    if name in ("krum", "multi_krum"):
        return {"f": max(0, (n - 3) // 2)}
    if name == "mean_around_median":
        return {"f": n // 3}
    if name == "minimum_diameter_averaging":
        return {"f": min(2, n - 1)}
    if name == "trimmed_mean":
        return {"trim": 0.2}
    return {}


@st.composite
def plain_stacks(draw):
    """Stacks (..., n, d) of the kinds that stress exactness: ties, zeros of both signs, offsets, long rows."""
    n = draw(st.integers(1, 11))
    d = draw(st.sampled_from([1, 2, 3, 5, 9, 300]))
    batch = draw(st.sampled_from([(), (), (3,)]))
    kind = draw(st.sampled_from(["normal", "ties", "signed zeros", "offset", "tiny", "big"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = (*batch, n, d)
    x = rng.standard_normal(shape)
    if kind == "ties":
        x = rng.integers(-2, 3, shape).astype(float)
    elif kind == "signed zeros":
        x = np.where(rng.random(shape) < 0.5, -0.0, 0.0) * (rng.random(shape) < 0.7) + (rng.random(shape) < 0.2)
    elif kind == "offset":
        x = x + 1e8
    elif kind == "tiny":
        x = x * 1e-300
    elif kind == "big":
        x = x * 1e90
    return x


def outcome(fn, *a, **kw):
    """fn's result, or its exception as (type, message): both paths must agree on errors too."""
    try:
        return fn(*a, **kw)
    except (ParamError, robust.EstimatorError) as e:
        return type(e), str(e)


def assert_same(a, b, what):
    if isinstance(a, tuple) and len(a) == 2 and isinstance(a[0], type):
        assert a == b, what
        return
    if not isinstance(a, (tuple, list)):
        a, b = (a,), (b,)
    assert len(a) == len(b), what
    for u, v in zip(a, b):
        if u is None or v is None:
            assert u is v, what
            continue
        u, v = np.asarray(u), np.asarray(v)
        assert u.shape == v.shape and u.dtype == v.dtype, what
        assert np.array_equal(u, v, equal_nan=True), f"{what}: max |diff| {np.nanmax(np.abs(u - v))}"


# --------------------------------------------------------------------------- plain path == general path
@settings(max_examples=150, deadline=None)
@given(x=plain_stacks(), name=st.sampled_from(sorted(rules.RULES)), track=st.booleans())
def test_plain_path_is_the_general_path_bit_for_bit(x, name, track):
    n = x.shape[-2]
    if name == "minimum_diameter_averaging" and x.ndim > 2 and n > 9:
        return
    kw = rule_kw(name, n)
    ones = np.ones(x.shape[:-1], bool)
    fast = outcome(rules.RULES[name], x, None, None, track=track, **kw)
    general = outcome(rules.RULES[name], x, ones, None, track=track, **kw)
    assert_same(fast, general, name)


@settings(max_examples=100, deadline=None)
@given(x=plain_stacks())
def test_plain_estimators_are_the_general_estimators_bit_for_bit(x):
    n = x.shape[-2]
    ones = np.ones(x.shape[:-1], bool)
    for name, fn, kw in [
        ("median", robust.median, {}),
        ("trimmed_mean", robust.trimmed_mean, {"trim": 0.2, "return_cuts": True}),
        ("mean_around_median", robust.mean_around_median, {"f": n // 3}),
        ("krum_scores", robust.krum_scores, {"f": max(0, n - 4)}),
        ("pairwise_sq_distances", robust.pairwise_sq_distances, {}),
    ]:
        assert_same(outcome(fn, x, mask=None, **kw), outcome(fn, x, mask=ones, **kw), name)
    if x.ndim == 2:  # the Weiszfeld plain loop is for one stack
        assert_same(outcome(robust.geometric_median, x), outcome(robust.geometric_median, x, ones), "gm")
    r = np.abs(x[..., 0])
    assert_same(robust.nonneg_median(r), robust.nonneg_median(r, np.ones(r.shape, bool)), "nonneg_median")


@pytest.mark.parametrize("block_bytes", [None, 1])
def test_plain_krum_and_mda_match_the_general_path_in_column_blocks(monkeypatch, block_bytes):
    """Stacks wider than one Gram block (and a caller's centre): the plain Krum is the general Krum."""
    if block_bytes is not None:
        monkeypatch.setattr(robust, "_GRAM_BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(3)
    for shape in [(9, 700), (12, 300), (3, 8, 600)]:
        x = rng.standard_normal(shape) + 5.0
        ones = np.ones(shape[:-1], bool)
        for m in (1, 3):
            assert_same(rules.krum(x, f=2, m=m), rules.krum(x, ones, f=2, m=m), f"krum {shape}")
        centre = x.mean(-2)
        assert_same(robust.krum_scores(x, 2, centre=centre), robust.krum_scores(x, 2, ones, centre=centre), "centre")
        assert_same(rules.minimum_diameter_averaging(x, f=2), rules.minimum_diameter_averaging(x, ones, f=2), "mda")


@pytest.mark.parametrize("kind", ["normal", "ties", "signed zeros", "offset", "tiny"])
def test_column_blocked_sort_is_the_general_path_bit_for_bit(monkeypatch, kind):
    """A large 2-D stack is sorted by columns in cached blocks (robust.sorted_columns, issue 25), made small here:
    the median's and the trimmed mean's numbers and shares are the general path's, block edges included (a
    last block of one column joins the one before), and a non-finite or huge entry leaves the blocked path."""
    monkeypatch.setattr(robust, "_BLOCKED", 0)
    monkeypatch.setattr(robust, "_BLOCK", 64 * 12)  # blocks of 64 columns at n = 12, of 768 // n wider below
    rng = np.random.default_rng(25)
    for n, d in [(12, 16), (12, 129), (12, 300), (5, 307), (2, 154), (11, 1000)]:
        x = plain_stacks_kind(rng, kind, (n, d))
        assert robust.blocked(x)
        ones = np.ones(n, bool)
        for track in (False, True):
            for trim in (0.1, 0.2, 0.45):
                fast = rules.trimmed_mean(x, trim=trim, track=track)
                assert_same(fast, rules.trimmed_mean(x, ones, trim=trim, track=track), f"trimmed {n}x{d} {trim}")
            fast = rules.coordinate_median(x, track=track)
            assert_same(fast, rules.coordinate_median(x, ones, track=track), f"median {n}x{d}")
        got = robust.trimmed_mean(x, trim=0.2, return_cuts=True)
        assert_same(got, robust.trimmed_mean(x, ones, trim=0.2, return_cuts=True), "estimator")
        assert_same(robust.median(x), robust.median(x, ones), "estimator median")
        s = np.sort(x, axis=0)
        rows, total = robust.sorted_columns(x, (0, n // 2, n - 1), (1, n - 1))
        assert rows.tobytes() == s[[0, n // 2, n - 1]].tobytes()
        assert total.tobytes() == np.add.reduce(s[1 : n - 1], axis=0, initial=0.0).tobytes()
        for bad in (np.nan, np.inf, -np.inf, 2 * robust.PLAIN):
            y = x.copy()
            y[rng.integers(n), rng.integers(d)] = bad
            assert robust.sorted_columns(y, (0,)) == (None, None)
            assert_same(outcome(rules.trimmed_mean, y), outcome(rules.trimmed_mean, y, ones), f"bad {bad}")
            assert_same(outcome(rules.coordinate_median, y), outcome(rules.coordinate_median, y, ones), f"bad {bad}")


def plain_stacks_kind(rng, kind, shape):
    """One stack of plain_stacks' kind ``kind`` (without hypothesis)."""
    x = rng.standard_normal(shape)
    if kind == "ties":
        return rng.integers(-2, 3, shape).astype(float)
    if kind == "signed zeros":
        return np.where(rng.random(shape) < 0.5, -0.0, 0.0) * (rng.random(shape) < 0.7) + (rng.random(shape) < 0.2)
    return {"offset": x + 1e8, "tiny": x * 1e-300}.get(kind, x)


def test_plain_shares_of_long_vectors_match_the_general_path(monkeypatch):
    """Rows longer than TRACK_COORDS: shares measured on every s-th coordinate, the same on both paths."""
    monkeypatch.setattr(rules, "TRACK_COORDS", 7)
    rng = np.random.default_rng(8)
    x = rng.standard_normal((9, 40))
    x[2] *= 30
    ones = np.ones(9, bool)
    for name in ("coordinate_median", "trimmed_mean", "mean_around_median"):
        kw = rule_kw(name, 9)
        assert_same(rules.RULES[name](x, **kw), rules.RULES[name](x, ones, **kw), name)


def test_aggregator_classes_take_the_plain_path_with_the_general_numbers():
    """aggregate() on clients that all sent finite vectors equals the rule's general path on the stack."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((11, 6))
    x[3] *= 40.0
    ones = np.ones((1, 11), bool)
    for name, cls in AGGREGATORS.items():
        f = 2 if name in rules.NEEDS_F else None
        agg, st_ = (
            cls(num_byzantine=2, num_samples_per_client=None) if f else cls(num_samples_per_client=None)
        ).aggregate(list(x))
        kw = {"f": f} if f else {"trim": 0.1} if name == "trimmed_mean" else {}
        ref, w = rules.RULES[name](x[None], ones, **kw)
        assert_same(agg, ref, name)
        assert_same(st_["shares"], w[0], name)
        assert st_["excluded"] == [int(i) for i in np.flatnonzero(w[0] <= 1e-12)], name


def test_one_aggregator_called_round_after_round_gives_each_rounds_general_numbers():
    """The work block a class keeps between calls (Krum's centred stack) carries nothing from one call to the
    next: rounds of one shape, of a new shape, and the first shape again, each equal to the general path."""
    rng = np.random.default_rng(8)
    ones = {}
    for name in ("krum", "multi_krum"):
        agg_obj = AGGREGATORS[name](num_byzantine=2, num_samples_per_client=None)
        for shape in ((12, 30), (12, 30), (9, 5), (12, 30)):
            x = rng.standard_normal(shape) * rng.uniform(0.1, 50.0)
            mask = ones.setdefault(shape[0], np.ones((1, shape[0]), bool))
            agg, st_ = agg_obj.aggregate(list(x))
            ref, w = rules.RULES[name](x[None], mask, f=2)
            assert_same(agg, ref, name)
            assert_same(st_["shares"], w[0], name)


def test_aggregator_plain_route_still_drops_nonfinite_clients():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((9, 4))
    for name in ("coordinate_median", "trimmed_mean", "krum"):
        ups = list(x.copy())
        ups[5] = ups[5].copy()
        ups[5][2] = np.nan
        agg, st_ = make_aggregator(name, num_byzantine=1, num_samples_per_client=None).aggregate(ups)
        assert st_["dropped_nonfinite"] == [5] and st_["num_kept"] == 8 and np.isfinite(agg).all()
        keep = np.delete(x, 5, axis=0)
        kw = {"f": 0} if name == "krum" else {"trim": 0.1} if name == "trimmed_mean" else {}
        assert np.array_equal(agg[0], rules.RULES[name](keep, **kw)[0]), name


# --------------------------------------------------------------------------- extreme finite values (issue 24)
def extreme_floats():
    """Finite floats up to ±1.7e308 with mixed magnitudes (and exact zeros), never below 1e-100 in magnitude
    (so that scaling by 2^-700 stays exact: the reference is the same stack scaled into the middle range)."""
    mag = st.one_of(
        st.floats(1e300, 1.7e308),
        st.floats(1e150, 1e300),
        st.floats(1e-100, 1e100),
        st.just(0.0),
        st.just(1.7976931348623157e308),
    )
    return st.tuples(mag, st.booleans()).map(lambda t: -t[0] if t[1] else t[0])


@st.composite
def extreme_stacks(draw):
    n = draw(st.integers(3, 9))
    d = draw(st.integers(1, 4))
    vals = draw(st.lists(extreme_floats(), min_size=n * d, max_size=n * d))
    return np.array(vals, dtype=float).reshape(n, d)


SCALE = 700  # the reference: the rule on x 2^-700 (all entries then lie between 1e-311 and 1e97), times 2^700


@settings(max_examples=120, deadline=None)
@given(x=extreme_stacks(), name=st.sampled_from(sorted(rules.RULES)))
def test_every_rule_is_finite_and_scale_equivariant_on_extreme_finite_values(x, name):
    """Every rule's aggregate lies in the stack's bounding box, so it is finite; it matches the scaled stack's."""
    kw = rule_kw(name, x.shape[0])
    if name == "minimum_diameter_averaging":
        kw = {"f": 1}
    agg, w = rules.RULES[name](x, None, None, **kw)
    assert np.isfinite(agg).all(), (name, x, agg)
    lo, hi = x.min(0), x.max(0)
    # the box, widened by a hair: per coordinate for the coordinate-wise rules; for the vector rules by a hair of
    # the largest entry (their accuracy is Euclidean: a 1e-100 beside a 1e300 is below their rounding)
    coordinatewise = name in ("coordinate_median", "trimmed_mean", "mean_around_median", "mean")
    span = np.abs(hi) / 2 + np.abs(lo) / 2 if coordinatewise else np.abs(x).max()
    with np.errstate(over="ignore"):  # the widened box may pass the largest float: then it is inf
        assert np.all(agg >= lo - 1e-9 * span) and np.all(agg <= hi + 1e-9 * span), (name, agg, lo, hi)
    assert np.isfinite(w).all() and abs(w.sum() - 1) < 1e-9
    if coordinatewise:
        ref = np.ldexp(rules.RULES[name](np.ldexp(x, -SCALE), None, None, **kw)[0], SCALE)
        assert np.allclose(agg, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max()), (name, agg, ref)
    elif name != "krum" and name != "multi_krum":  # Krum-type: near-tied scores may pick another (valid) row
        # distance rules square differences, so the reference stack is scaled only as far as needed to keep
        # its squares in range (2^500 at most; 2^-700 would underflow the squares of its small entries); equal up
        # to rounding at the scale of the data (clipping can cancel +-radius pulls of 1e300s down to noise)
        q = max(0, math.frexp(np.abs(x).max())[1] - 500)
        ref = np.ldexp(rules.RULES[name](np.ldexp(x, -q), None, None, **kw)[0], q)
        assert np.allclose(agg, ref, rtol=1e-6, atol=1e-9 * np.abs(x).max()), (name, agg, ref)


@settings(max_examples=60, deadline=None)
@given(x=extreme_stacks(), step=st.sampled_from(sorted(rules.PRE)))
def test_pre_aggregation_steps_are_finite_on_extreme_finite_values(x, step):
    """NNM, bucketing and norm clipping mix rows into points inside the rows' bounding box (clipping: towards 0)."""
    pts, mask, M = rules.PRE[step](x, None, np.random.default_rng(0), **({"f": 1} if step == "nnm" else {}))
    assert np.isfinite(pts).all() and np.isfinite(M).all(), (step, x, pts)
    lo, hi = np.minimum(x.min(0), 0.0), np.maximum(x.max(0), 0.0)
    with np.errstate(over="ignore"):
        assert np.all(pts >= lo - 1e-9 * np.abs(lo)) and np.all(pts <= hi + 1e-9 * np.abs(hi)), (step, pts)
    agg, w = rules.run_pipeline(f"{step}+trimmed_mean", x, None, np.random.default_rng(0), f=1, trim=0.2)
    assert np.isfinite(agg).all() and np.isfinite(w).all()


@settings(max_examples=80, deadline=None)
@given(x=extreme_stacks())
def test_estimators_are_finite_where_the_math_is_on_extreme_finite_values(x):
    rng = np.random.default_rng(0)
    for name, fn in robust.ESTIMATORS.items():
        est = fn(x, None, rng=np.random.default_rng(1))
        assert np.isfinite(est).all(), (name, x, est)  # every location estimate lies in the bounding box
        ref = np.ldexp(fn(np.ldexp(x, -SCALE), None, rng=np.random.default_rng(1)), SCALE)
        assert np.allclose(est, ref, rtol=1e-6, atol=1e-6 * np.abs(ref).max()), (name, est, ref)
    mm = robust.mean_around_median(x, f=1)
    assert np.isfinite(mm).all()
    assert np.allclose(mm, np.ldexp(robust.mean_around_median(np.ldexp(x, -SCALE), f=1), SCALE), rtol=1e-12)
    # MAD: finite exactly where the exact MAD is (below the largest float; the scaled stack's MAD, scaled back)
    mad = robust.mad(x)
    exact = np.ldexp(robust.mad(np.ldexp(x, -SCALE)), SCALE)  # inf where the true MAD exceeds the float range
    sure = np.abs(np.ldexp(robust.mad(np.ldexp(x, -SCALE)), SCALE - 1)) < np.finfo(float).max / 2 * (1 - 1e-12)
    assert np.all(np.isfinite(mad)[sure]) and np.allclose(mad[sure], exact[sure], rtol=1e-12)
    # robust z-scores are scale-free: finite exactly where the scaled stack's are
    z, zs = robust.robust_zscores(x[:, 0]), robust.robust_zscores(np.ldexp(x[:, 0], -SCALE))
    assert np.array_equal(np.isfinite(z), np.isfinite(zs)) and np.allclose(z[np.isfinite(z)], zs[np.isfinite(zs)])
    del rng


@settings(max_examples=40, deadline=None)
@given(x=extreme_stacks(), name=st.sampled_from(sorted(AGGREGATORS)))
def test_aggregators_are_finite_on_extreme_finite_values(x, name):
    f = rule_kw(name, x.shape[0]).get("f", 0)
    agg, st_ = make_aggregator(name, num_byzantine=f, num_samples_per_client=None).aggregate(list(x))
    assert np.isfinite(agg).all() and st_["dropped_nonfinite"] == [] and np.isfinite(st_["shares"]).all(), name


def test_the_reported_extreme_cases():
    """Issue 24's reports: centered clipping gave NaN, the trimmed mean 'nothing finite left'."""
    x = np.array([[1e308, -1e308], [1.5e308, 1e308], [-1.7e308, 1.2e308], [1.1e308, -1e308], [1.2e308, 9e307]])
    for name in rules.RULES:
        agg = rules.RULES[name](x, **({"f": 1} if name in F_RULES else {}))[0]
        assert np.isfinite(agg).all(), name
    tm = rules.trimmed_mean(x, trim=0.2)[0]
    assert np.allclose(tm, np.ldexp(np.sort(np.ldexp(x, -8), 0)[1:4].sum(0) / 3, 8), rtol=1e-15)
    cc, _ = CenteredClippingAggregator(num_samples_per_client=None).aggregate(list(x))
    assert np.isfinite(cc).all()


# --------------------------------------------------------------------------- pairwise distances: bounded memory
@pytest.mark.parametrize(
    "call",
    [
        lambda x: rules.krum(x, f=1),
        lambda x: rules.multi_krum(x, f=1),
        lambda x: rules.minimum_diameter_averaging(x, f=1),
        lambda x: rules.nearest_neighbour_mixing(x, f=1),
        lambda x: rules.run_pipeline("nnm+mean", x, f=1),
        lambda x: robust.pairwise_sq_distances(x),
        lambda x: robust.krum_scores(x, 1),
        lambda x: KrumAggregator(num_byzantine=1, num_samples_per_client=None).aggregate(list(x)),
    ],
)
def test_pairwise_rules_refuse_50000_clients_before_allocating(call):
    """Krum on 50,000 two-dimensional clients needs 18.6 GiB per distance matrix: one ParamError line, at once."""
    x = np.random.default_rng(0).standard_normal((50_000, 2))
    for xs in (x, np.where(np.arange(50_000)[:, None] == 7, np.nan, x)):  # plain, and with a NaN client
        tracemalloc.start()
        try:
            with pytest.raises(ParamError) as e:
                call(xs)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        msg = str(e.value)
        assert msg.startswith("x: pairwise distances of 5") and "\n" not in msg and "GiB" in msg
        assert peak < 64 * 2**20, f"allocated {peak / 2**20:.0f} MiB before refusing"


def test_pairwise_cap_is_the_boundary():
    n = math.isqrt(robust.PAIRWISE_MAX_CELLS)
    robust.check_pairwise_size((n, 2))
    with pytest.raises(ParamError, match="^x: pairwise distances"):
        robust.check_pairwise_size((n + 1, 2))
    with pytest.raises(ParamError, match="^x: pairwise distances"):
        robust.check_pairwise_size((2, n, 2))  # batches count


# --------------------------------------------------------------------------- the ranges, each declared once
@pytest.mark.parametrize(
    "make, text",
    [
        (lambda: rules.krum(np.zeros((6, 2)), f=-1), "f: must be an integer in [0, inf), got -1"),
        (lambda: rules.krum(np.zeros((6, 2)), f=1.5), "f: must be an integer in [0, inf), got 1.5"),
        (lambda: rules.krum(np.zeros((6, 2)), m=7), "m: must be an integer in [1, 6], got 7"),
        (lambda: rules.krum(np.zeros((6, 2)), neighbours=0), "neighbours: must be an integer in [1, inf), got 0"),
        (lambda: rules.centered_clipping(np.zeros((6, 2)), iters=0), "iters: must be an integer in [1, inf), got 0"),
        (lambda: rules.centered_clipping(np.zeros((6, 2)), radius=-1.0), "radius: must be a number in (0, inf)"),
        (lambda: rules.norm_clipping(np.zeros((6, 2)), radius=float("inf")), "radius: must be a number in (0, inf)"),
        (lambda: rules.trimmed_mean(np.zeros((6, 2)), trim=0.5), "trim: must be a number in (0, 0.5), got 0.5"),
        (lambda: rules.bucketing(np.zeros((6, 2)), None, np.random.default_rng(0), bucket_size=0), "bucket_size:"),
        (lambda: rules.geometric_median(np.zeros((6, 2)), max_iter=0), "max_iter: must be an integer in [1, inf)"),
        (lambda: rules.geometric_median(np.zeros((6, 2)), tol=0.0), "tol: must be a number in (0, inf), got 0.0"),
        (lambda: robust.median_of_means(np.zeros((6, 2)), rng=np.random.default_rng(0), buckets=0), "buckets:"),
        (lambda: KrumAggregator(num_byzantine=-2), "num_byzantine: must be an integer in [0, inf), got -2"),
        (lambda: KrumAggregator(m=0), "m: must be an integer in [1, inf), got 0"),
        (lambda: TrimmedMeanAggregator(trim_fraction=0.7), "trim_fraction: must be a number in (0, 0.5), got 0.7"),
        (lambda: KrumAggregator(num_samples_per_client=0), "num_samples_per_client: must be an integer in [1, inf)"),
        (lambda: KrumAggregator(seed=-1), "seed: must be an integer in [0, inf), got -1"),
        (lambda: RobustnessConfig(enabled=True, trim_fraction=0.7), "trim_fraction: must be a number in (0, 0.5)"),
        (lambda: RobustnessConfig(enabled=True, num_byzantine=-2), "num_byzantine: must be an integer in [0, inf)"),
    ],
)
def test_range_errors_are_one_line_naming_the_parameter_and_range(make, text):
    with pytest.raises(ParamError) as e:
        make()
    assert str(e.value).startswith(text) and "\n" not in str(e.value)


def test_the_aggregators_ranges_are_the_rules_ranges():
    """trim_fraction and num_byzantine are the rules' trim and f, renamed: one range each."""
    from sim.aggregation import aggregators

    assert (aggregators.TRIM_FRACTION.low, aggregators.TRIM_FRACTION.high) == (robust.TRIM.low, robust.TRIM.high)
    assert aggregators.NUM_BYZANTINE.range_text() == robust.F.range_text()
