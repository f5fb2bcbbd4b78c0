"""Every aggregation rule against a straightforward loop implementation; NaN/inf; breakdown; the bias table."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.aggregation import rules
from sim.aggregation.aggregators import AGGREGATORS, AggregationError, align_updates, make_aggregator
from sim.aggregation.attacks import ATTACKS, alie_z, apply_attack
from sim.aggregation.contamination import bias_table, median_bias, trimmed_mean_bias
from sim.core.errors import ParamError
from sim.core.sweeps import get_sweep, run_serial
from sim.stats import robust


# --------------------------------------------------------------------------- reference implementations (loops)
def ref_median(x):
    n, d = x.shape
    out = np.zeros(d)
    for j in range(d):
        v = sorted(x[:, j])
        out[j] = v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])
    return out


def ref_trimmed(x, trim):
    n, d = x.shape
    g = int(math.floor(trim * n))
    return np.array([np.mean(sorted(x[:, j])[g : n - g]) for j in range(d)])


def ref_meamed(x, f):
    n, d = x.shape
    med = ref_median(x)
    out = np.zeros(d)
    for j in range(d):
        order = sorted(range(n), key=lambda i: (abs(x[i, j] - med[j]), i))
        out[j] = np.mean([x[i, j] for i in order[: n - f]])
    return out


def ref_krum_scores(x, f):
    n = len(x)
    scores = []
    for i in range(n):
        dists = sorted(float(np.sum((x[i] - x[j]) ** 2)) for j in range(n) if j != i)
        scores.append(sum(dists[: n - f - 2]))
    return np.array(scores)


def ref_multi_krum(x, f, m):
    s = ref_krum_scores(x, f)
    return x[np.argsort(s, kind="stable")[:m]].mean(0)


def ref_mda(x, f):
    n = len(x)
    best, arg = np.inf, None
    for sub in itertools.combinations(range(n), n - f):
        diam = max((float(np.sum((x[i] - x[j]) ** 2)) for i in sub for j in sub), default=0.0)
        if diam < best:
            best, arg = diam, sub
    return x[list(arg)].mean(0)


def ref_cc(x, iters):
    v = ref_median(x)
    tau = float(np.median([np.linalg.norm(xi - v) for xi in x]))
    for _ in range(iters):
        v = v + np.mean([(xi - v) * min(1.0, tau / max(np.linalg.norm(xi - v), 1e-12)) for xi in x], axis=0)
    return v


def ref_gm_objective(x, y):
    return sum(np.linalg.norm(xi - y) for xi in x)


def ref_nnm(x, f):
    n = len(x)
    out = np.zeros_like(x)
    for i in range(n):
        d = [float(np.sum((x[i] - x[j]) ** 2)) for j in range(n)]
        nn = np.argsort(d, kind="stable")[: n - f]
        out[i] = x[nn].mean(0)
    return out


@pytest.fixture(scope="module")
def samples():
    rng = np.random.default_rng(11)
    out = []
    for _ in range(12):
        n, d = int(rng.integers(5, 10)), int(rng.integers(1, 6))
        x = rng.standard_normal((n, d)) * rng.uniform(0.5, 3) + rng.normal(size=d)
        out.append(x)
    return out


def test_coordinatewise_rules_match_loops(samples):
    for x in samples:
        n = len(x)
        f = (n - 1) // 3
        assert np.allclose(rules.coordinate_median(x)[0], ref_median(x))
        assert np.allclose(rules.trimmed_mean(x, trim=0.25)[0], ref_trimmed(x, 0.25))
        assert np.allclose(rules.mean_around_median(x, f=f)[0], ref_meamed(x, f))
        assert np.allclose(rules.mean(x)[0], x.mean(0))


def test_vector_rules_match_loops(samples):
    for x in samples:
        n = len(x)
        f = max(0, (n - 3) // 2)
        assert np.allclose(robust.krum_scores(x, f), ref_krum_scores(x, f))
        assert np.allclose(rules.krum(x, f=f)[0], ref_multi_krum(x, f, 1))
        assert np.allclose(rules.multi_krum(x, f=f)[0], ref_multi_krum(x, f, n - f))
        assert np.allclose(rules.minimum_diameter_averaging(x, f=f)[0], ref_mda(x, f))
        assert np.allclose(rules.centered_clipping(x, iters=3)[0], ref_cc(x, 3))
        mixed, _, M = rules.nearest_neighbour_mixing(x, f=f)
        assert np.allclose(mixed, ref_nnm(x, f)) and np.allclose(M.sum(-1), 1)


def test_geometric_median_minimises_sum_of_distances(samples):
    rng = np.random.default_rng(0)
    for x in samples:
        y = rules.geometric_median(x)[0]
        best = ref_gm_objective(x, y)
        for _ in range(20):
            assert best <= ref_gm_objective(x, y + 1e-3 * rng.standard_normal(y.shape)) + 1e-9


def test_rules_are_vectorised_over_batches(samples):
    x = np.stack([s[:5, :1] for s in samples if s.shape[1] >= 1])  # (B, 5, 1)
    rng = np.random.default_rng(0)
    for name, fn in rules.RULES.items():
        kw = {"f": 1} if name in rules.NEEDS_F else {}
        batch, w = fn(x, None, rng, **kw)
        one = np.stack([fn(xi, None, rng, **kw)[0] for xi in x])
        assert np.allclose(batch, one), name
        assert np.allclose(w.sum(-1), 1.0), name


def test_coordinatewise_shares_on_long_vectors_match_exact(monkeypatch):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((9, 30_000))
    x[2] *= 50
    kw = {"coordinate_median": {}, "trimmed_mean": {"trim": 0.2}, "mean_around_median": {"f": 2}}
    approx = {n: rules.RULES[n](x, **k)[1] for n, k in kw.items()}
    monkeypatch.setattr(rules, "TRACK_COORDS", 10**9)
    for n, a in approx.items():
        exact = rules.RULES[n](x, **kw[n])[1]
        assert np.allclose(a, exact, atol=0.01), n
        assert a[2] < 0.2 / 9, n  # the scaled client hardly counts


def test_norm_clipping_and_pipeline_shares_match_loops():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((8, 5))
    x[0] *= 40
    y, _, M = rules.norm_clipping(x, radius=1.5)
    for i in range(8):
        nrm = np.linalg.norm(x[i])
        assert np.allclose(y[i], x[i] * min(1.0, 1.5 / nrm)) and np.isclose(M[i, i], min(1.0, 1.5 / nrm))
    agg, w = rules.run_pipeline("clipping+mean", x)
    c = np.median(np.linalg.norm(x, axis=1))
    ref = np.mean([xi * min(1.0, c / np.linalg.norm(xi)) for xi in x], axis=0)
    assert np.allclose(agg, ref) and np.isclose(w.sum(), 1) and w[0] < 1 / 8
    agg, w = rules.run_pipeline("nnm+mean", x, f=2)
    assert np.allclose(agg, ref_nnm(x, 2).mean(0)) and np.isclose(w.sum(), 1)


def test_weighted_mean_uses_weights_robust_rules_do_not():
    ups = [np.full(3, v) for v in (0.0, 1.0, 2.0)]
    from sim.aggregation.aggregators import CoordinateMedianAggregator, MeanAggregator

    agg, st = MeanAggregator(num_samples_per_client=None).aggregate(ups, weights=[1, 1, 2])
    assert np.allclose(agg, 1.25) and st["weights_used"]
    agg, st = CoordinateMedianAggregator(num_samples_per_client=None).aggregate(ups, weights=[1, 1, 2])
    assert np.allclose(agg, 1.0) and not st["weights_used"]


def test_bucketing_partitions_clients_with_the_generator():
    x = np.arange(14.0).reshape(7, 2)
    y, mask, M = rules.bucketing(x, rng=np.random.default_rng(3), bucket_size=2)
    assert y.shape == (4, 2) and mask.all()
    assert np.array_equal(np.sort((M > 0).sum(-1)), [1, 2, 2, 2]) and np.all((M > 0).sum(0) == 1)
    assert np.allclose(y, M @ x)
    y2, _, _ = rules.bucketing(x, rng=np.random.default_rng(3), bucket_size=2)
    assert np.array_equal(y, y2)


def test_stats_name_who_was_distrusted():
    rng = np.random.default_rng(4)
    ups = [rng.normal(1.0, 0.1, size=6) for _ in range(9)]
    ups[3] = ups[3] * 1000
    for name in AGGREGATORS:
        agg, st = make_aggregator(name, num_byzantine=1, num_samples_per_client=None).aggregate(ups)
        assert np.isclose(st["shares"].sum(), 1.0)
        if name in ("mean",):
            assert st["excluded"] == [] and st["downweighted"] == []
        elif name == "trimmed_mean":  # trim 0.1 of 9 clients trims nothing
            assert st["excluded"] == []
        else:
            assert 3 in st["excluded"] + st["downweighted"], name
            assert st["shares"][3] < 0.5 / 9


# --------------------------------------------------------------------------- NaN / inf
@pytest.mark.parametrize("name", [*AGGREGATORS, "nnm+krum", "bucketing+coordinate_median", "clipping+mean"])
def test_nonfinite_clients_are_dropped_and_named(name):
    rng = np.random.default_rng(8)
    ups = [rng.normal(size=(3, 4)) for _ in range(9)]
    ups[1][0, 2] = np.nan
    ups[5][2, 0] = np.inf
    ups[7][:] = -np.inf
    agg, st = make_aggregator(name, num_byzantine=3, num_samples_per_client=None).aggregate(ups)
    assert np.all(np.isfinite(agg))
    assert st["dropped_nonfinite"] == [1, 5, 7] and st["num_kept"] == 6
    assert np.all(st["shares"][[1, 5, 7]] == 0)
    clean = [u for i, u in enumerate(ups) if i not in (1, 5, 7)]
    if not name.startswith("bucketing"):
        ref, _ = make_aggregator(name, num_byzantine=0, num_samples_per_client=None).aggregate(clean)
        assert np.allclose(agg, ref)


def test_all_nonfinite_raises_clear_error():
    with pytest.raises(AggregationError, match="nothing to aggregate"):
        make_aggregator("krum").aggregate([np.full((2, 3), np.nan), np.full((2, 3), np.inf)])


def test_robust_zscores_nonfinite_and_zero_mad():
    z = robust.robust_zscores(np.array([1.0, 1.0, 1.0, np.nan, 5.0]))
    assert z[3] == np.inf and z[0] == 0 and np.isfinite(z[4]) and z[4] > 0
    z = robust.robust_zscores(np.array([2.0, 2.0, 2.0, 2.0]))
    assert np.all(z == 0)


# --------------------------------------------------------------------------- pairwise distances and Krum: the fast path
def ref_sq_distances(x, mask=None, offset=0.0):
    """Per-pair loop on (x - offset): rows masked out or holding NaN/±inf are infinitely far (themselves included)."""
    n = len(x)
    ok = [bool(mask is None or mask[i]) and bool(np.all(np.isfinite(x[i]))) for i in range(n)]
    d2 = np.full((n, n), np.inf)
    for i in range(n):
        for j in range(n):
            if ok[i] and ok[j]:
                diff = (x[i] - offset) - (x[j] - offset)
                d2[i, j] = float(diff @ diff)
    return d2, np.array(ok)


def ref_krum_scores_masked(x, f, mask=None, k_active=None):
    """Krum scores by the loop; k_active: the active rows that set n - f - 2 (robust.krum_scores: the batch's least)."""
    d2, ok = ref_sq_distances(x, mask)
    k = (len(x) if mask is None else int(np.sum(mask))) if k_active is None else k_active
    k = k - f - 2
    return np.array(
        [sum(sorted(d2[i, j] for j in range(len(x)) if j != i)[:k]) if ok[i] else np.inf for i in range(len(x))]
    )


def _close(a, b, rtol):
    """Same infinities, finite entries within rtol of the largest finite reference entry (and of their own)."""
    assert np.array_equal(np.isinf(a), np.isinf(b)) and not np.isnan(a).any()
    fin = np.isfinite(b)
    scale = np.abs(b[fin]).max(initial=0.0)
    assert np.allclose(a[fin], b[fin], rtol=rtol, atol=rtol * scale)


def _hostile_batch(rng, batch, n, d, offset=0.0):
    """(batch, n, d) Gaussian rows + offset, some rows NaN/±inf (one with +inf and -inf in one column), masks."""
    x = rng.standard_normal((*batch, n, d)) * rng.uniform(0.1, 10) + offset
    mask = np.ones((*batch, n), bool)
    flat, mflat = x.reshape(-1, n, d), mask.reshape(-1, n)
    for b in range(len(flat)):
        kind = b % 4  # 0: clean, 1: NaN/inf rows, 2: masked rows, 3: both
        if kind in (1, 3):
            flat[b, 0, rng.integers(d)] = np.nan
            flat[b, 1, 0], flat[b, 2, 0] = np.inf, -np.inf  # inf - inf in the centring mean
        if kind in (2, 3):
            mflat[b, n - 1] = False
            flat[b, n - 1] = np.nan if kind == 2 else 1e300  # a masked row may hold anything
    return x, mask


@pytest.mark.parametrize("block_bytes", [None, 1])  # 1: the smallest column blocks (256), several per row
def test_pairwise_distances_and_krum_match_the_per_pair_loop(monkeypatch, block_bytes):
    """robust.pairwise_sq_distances / krum_scores / rules.krum against the loop: batches, masks, NaN/inf rows."""
    if block_bytes is not None:
        monkeypatch.setattr(robust, "_GRAM_BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(21)
    for batch, n, d in [((), 7, 3), ((4,), 9, 700), ((2, 4), 8, 300), ((4,), 6, 1)]:
        x, mask = _hostile_batch(rng, batch, n, d)
        near = np.where(np.isfinite(x), x, 0.0).mean(-2) + rng.normal(size=(*batch, d))  # some point near the rows
        for centre in (None, near, np.where(rng.random(near.shape) < 0.5, np.nan, near)):  # a given centre, a bad one
            for m in (mask, np.ones_like(mask)):  # a centre is used only with every row active
                xa = np.where(m[..., None] | mask[..., None], x, rng.standard_normal(x.shape))  # garbage only if masked
                d2 = robust.pairwise_sq_distances(xa, m, centre=centre)
                scores = robust.krum_scores(xa, 1, m, centre=centre)
                assert d2.shape == (*batch, n, n) and scores.shape == (*batch, n)
                for b in np.ndindex(*batch):
                    ref, ok = ref_sq_distances(xa[b], m[b])
                    _close(d2[b], ref, 1e-9)
                    assert np.all(np.diag(d2[b])[ok] == 0)
                    _close(scores[b], ref_krum_scores_masked(xa[b], 1, m[b], int(m.sum(-1).min())), 1e-9)
        if not batch:
            agg, w = rules.krum(x, mask, f=1)
            best = int(np.argmin(ref_krum_scores_masked(x, 1, mask)))
            assert np.array_equal(agg, x[best]) and w[best] == 1.0
    with pytest.raises(ParamError, match="centre"):
        robust.pairwise_sq_distances(np.zeros((4, 3)), centre=np.zeros(2))


@pytest.mark.parametrize("block_bytes", [None, 1])
def test_pairwise_distances_survive_a_huge_common_offset(monkeypatch, block_bytes):
    """Rows 1e8 + noise: the Gram product must centre first, or |x|^2 ~ 1e16 d swamps distances ~ d."""
    if block_bytes is not None:
        monkeypatch.setattr(robust, "_GRAM_BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(5)
    for batch, n, d in [((), 10, 700), ((3,), 7, 40)]:
        x, mask = _hostile_batch(rng, batch, n, d, offset=1e8)
        d2 = robust.pairwise_sq_distances(x, mask)
        scores = robust.krum_scores(x, 2, mask)
        for b in np.ndindex(*batch):
            ref, _ = ref_sq_distances(x[b], mask[b], offset=1e8)  # x - 1e8 is exact (Sterbenz): the un-offset data
            _close(d2[b], ref, 1e-6)
            fin = np.isfinite(ref) & ~np.eye(n, dtype=bool)
            assert np.allclose(d2[b][fin], ref[fin], rtol=1e-6, atol=0)  # each distance, not only the largest
            sref = ref_krum_scores_masked(x[b] - 1e8, 2, mask[b], int(mask.sum(-1).min()))
            _close(scores[b], sref, 1e-6)


def test_krum_aggregator_matches_the_loop_with_and_without_attackers():
    """KrumAggregator (which hands its finiteness check's mean to the rule) picks the loop's client, offset or not."""
    rng = np.random.default_rng(9)
    for offset in (0.0, 1e8):
        ups = [offset + rng.standard_normal((2, 300)) for _ in range(9)]
        ups[3] = ups[3] * 50.0  # a scaled attacker (far from the others, also with the offset)
        for bad in ([], [5]):
            u = [a.copy() for a in ups]
            for i in bad:
                u[i][1, 7] = np.nan
            agg, st = make_aggregator("krum", num_byzantine=2, num_samples_per_client=None).aggregate(u)
            assert st["dropped_nonfinite"] == bad
            keep = [i for i in range(9) if i not in bad]
            for s in range(2):
                rows = np.stack([u[i][s] for i in keep])
                best = keep[int(np.argmin(ref_krum_scores_masked(rows - offset, 2 - len(bad))))]
                assert np.array_equal(agg[s], u[best][s]) and best != 3


@pytest.mark.parametrize("far", [1e6, 1e150, 1e300])
def test_a_far_finite_attacker_does_not_drown_the_others_distances(far):
    """One finite row at `far` drags the mean away (rounding, or overflow): the others' distances stay exact."""
    rng = np.random.default_rng(int(np.log10(far)))
    x = 1e3 + rng.standard_normal((3, 9, 500))
    x[:, 4] = far  # the attacker, in every batch entry
    x[1, 7, 3] = np.nan  # and a NaN row in one
    d2 = robust.pairwise_sq_distances(x)
    for b in range(3):
        ref, ok = ref_sq_distances(x[b], offset=1e3)
        keep = ok & (np.arange(9) != 4)
        assert np.allclose(d2[b][np.ix_(keep, keep)], ref[np.ix_(keep, keep)], rtol=1e-8, atol=0)
        ra, rb = d2[b][4, keep], ref[4, keep]  # the attacker's distances: inf exactly where the loop's overflow
        assert np.array_equal(np.isinf(ra), np.isinf(rb)) and np.allclose(ra[np.isfinite(rb)], rb[np.isfinite(rb)])
    ups = list(x[0])  # 9 clients, one vector each; client 4 is the attacker
    agg, st = make_aggregator("krum", num_byzantine=1, num_samples_per_client=None).aggregate(ups)
    best = int(np.argmin(ref_krum_scores_masked(x[0] - 1e3, 1)))
    assert best != 4 and np.array_equal(agg[0], x[0, best]) and 4 in st["excluded"]


def test_finite_rows_are_never_flagged_when_the_centring_sum_overflows():
    """Huge finite rows overflow the fast path's column sum: the exact row check then says they are finite."""
    x = np.zeros((5, 3))
    x[0, 0] = x[1, 0] = 1.5e308  # sum overflows to inf; no entry is inf
    x[4, 1] = np.nan
    d2 = robust.pairwise_sq_distances(x)
    assert np.all(np.isinf(d2[4])) and np.all(np.isinf(d2[:, 4]))
    assert np.all(np.diag(d2)[:4] == 0) and not np.isnan(d2).any()
    ups = [
        np.array([[1e308, 1e308, 0.0]]),
        np.array([[1e308, 0.0, 0.0]]),
        np.array([[1.0, np.inf, 0.0]]),
        np.array([[0.0, 0.0, 0.0]]),
    ]
    x, mask, _, nonfinite, _ = align_updates(ups, None, np.random.default_rng(0))
    assert nonfinite == [2] and list(mask) == [True, True, False, True]  # client 0's sum overflows: still finite


# --------------------------------------------------------------------------- breakdown (hypothesis)
def tolerated(name, n, trim=0.2):
    if name == "mean":
        return 0
    if name == "trimmed_mean":
        return int(math.floor(trim * n))
    if name in ("krum", "multi_krum"):
        return (n - 3) // 2  # Blanchard et al.: 2f + 2 < n
    return (n - 1) // 2


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from([r for r in rules.RULES if r != "mean"]),
    seed=st.integers(0, 2**31),
    n=st.integers(5, 11),
    d=st.integers(1, 3),
    val=st.sampled_from([1e9, -1e12, 1e150, 37.0]),
    spread=st.floats(0, 1),
)
def test_bounded_aggregate_below_breakdown(name, seed, n, d, val, spread):
    """Corrupting up to the tolerated number of rows moves the aggregate a bounded amount.

    The bound: the aggregate stays within the honest rows' bounding box, widened by their diameter
    (Krum-type and distance rules pick honest rows or points near them).
    """
    rng = np.random.default_rng(seed)
    f = tolerated(name, n)
    if name == "minimum_diameter_averaging" and f > (n - 1) // 2:
        f = (n - 1) // 2
    x = rng.standard_normal((n, d))
    bad = x.copy()
    bad[:f] = val * (1 + spread * rng.standard_normal((f, d)))
    kw = {"f": f} if name in rules.NEEDS_F else {"trim": 0.2} if name == "trimmed_mean" else {}
    agg, _ = rules.RULES[name](bad, None, rng, **kw)
    hon = x[f:]
    diam = float(np.max(np.abs(hon.max(0) - hon.min(0)))) + 1e-9
    assert np.all(np.isfinite(agg))
    assert np.all(agg >= hon.min(0) - 2 * diam) and np.all(agg <= hon.max(0) + 2 * diam), (name, f, agg)


@pytest.mark.parametrize("name", ["coordinate_median", "geometric_median"])
def test_median_breaks_down_at_half(name):
    x = np.random.default_rng(1).standard_normal((8, 2))
    x[:4] = 1e9
    agg, _ = rules.RULES[name](x)
    assert np.abs(agg).max() > 1e6


# --------------------------------------------------------------------------- attacks
def test_alie_z_and_vectors():
    assert alie_z(50, 24) == pytest.approx(__import__("scipy.stats", fromlist=["norm"]).norm.ppf((50 - 2) / 50))
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 10, 4))
    byz = np.arange(10) < 3
    out = apply_attack("alie", x, byz, rng, z=1.5)
    h = x[:, 3:]
    assert np.allclose(out[:, 0], h.mean(1) - 1.5 * h.std(1, ddof=1))
    assert np.array_equal(out[:, 3:], x[:, 3:])
    ipm = apply_attack("inner_product", x, byz, rng, epsilon=0.5)
    assert np.allclose(ipm[:, 1], -0.5 * h.mean(1))
    mim = apply_attack("mimic", x, byz, rng)
    for b in range(3):
        assert any(np.array_equal(mim[b, 0], x[b, j]) for j in range(3, 10))


def test_every_attack_takes_a_generator_and_is_reproducible():
    x = np.random.default_rng(0).standard_normal((4, 8, 3))
    byz = np.arange(8) < 2
    for name in ATTACKS:
        a = apply_attack(name, x, byz, np.random.default_rng(5))
        b = apply_attack(name, x, byz, np.random.default_rng(5))
        assert np.array_equal(a, b, equal_nan=True), name
    with pytest.raises(ParamError, match="^rng"):
        apply_attack("gaussian", x, byz, 5)


@pytest.mark.parametrize(
    "name, kw, bad",
    [
        ("scaling", "scale_factor", math.inf),
        ("noise", "noise_std", -0.1),
        ("alie", "convention", "workers"),
        ("inner_product", "epsilon", 0.0),
        ("gaussian", "sigma", float("nan")),
        ("nonfinite", "value", "zero"),
        ("nonfinite", "fraction", 1.5),
        ("nonfinite", "fraction", 0.0),
    ],
)
def test_an_attack_knob_out_of_range_is_one_line_naming_it_and_its_declared_range(name, kw, bad):
    from sim.aggregation import attacks

    p = next(v for v in vars(attacks).values() if isinstance(v, attacks.Param) and v.name == kw)
    x = np.random.default_rng(0).standard_normal((6, 2))
    with pytest.raises(ParamError) as e:
        apply_attack(name, x, np.arange(6) < 2, np.random.default_rng(1), **{kw: bad})
    assert str(e.value) == f"{kw}: must be {p.range_text()}, got {bad!r}"
    apply_attack(name, x, np.arange(6) < 2, np.random.default_rng(1), **{kw: p.default})  # the default is in range


def test_pipeline_errors_quote_the_declared_parts():
    with pytest.raises(ParamError, match="^aggregator: rule must be one of mean, coordinate_median, "):
        rules.parse_pipeline("nnm+average")
    with pytest.raises(
        ParamError, match=r"^aggregator: pre-aggregation step must be one of nnm, bucketing, clipping, got 'nn'$"
    ):
        rules.parse_pipeline("nn+krum")
    with pytest.raises(ParamError, match="^aggregator: expected a rule name"):
        rules.parse_pipeline("")


# --------------------------------------------------------------------------- eps-contamination bias
def test_bias_table_matches_classical_asymptotics():
    rows = bias_table(np.random.default_rng(5), eps_values=(0.0, 0.1, 0.2, 0.3), n=1001, trials=200)
    for r in rows:
        # finite-sample bias is O(1/n); the CI covers Monte-Carlo noise
        assert abs(r.measured - r.asymptotic) < 0.01 + 2 * (r.ci_high - r.ci_low), r
    assert median_bias(0.1) == pytest.approx(__import__("scipy.stats", fromlist=["norm"]).norm.ppf(1 / 1.8))
    assert trimmed_mean_bias(0.0, 0.2) == pytest.approx(0.0, abs=1e-12)
    assert trimmed_mean_bias(0.25, 0.2) == math.inf and median_bias(0.5) == math.inf
    # at eps = alpha the trimmed mean is more biased than the median (Huber: the median is minimax-bias)
    assert trimmed_mean_bias(0.2, 0.2) > median_bias(0.2)
    for call, text in (
        (lambda: median_bias(1.0), "eps: must be a number in [0, 1), got 1.0"),
        (lambda: trimmed_mean_bias(0.1, 0.5), "alpha: must be a number in (0, 0.5), got 0.5"),
    ):
        with pytest.raises(ParamError) as e:
            call()
        assert str(e.value) == text


# --------------------------------------------------------------------------- sweep
def test_breakdown_sweep_smoke_and_properties():
    sw = get_sweep("aggregation_breakdown")
    assert sw.trials >= 200
    out = run_serial(
        "aggregation_breakdown",
        aggregator=["mean", "coordinate_median"],
        attack=["scaling"],
        byz_fraction=[0.0, 0.2],
        trials=60,
    )
    rows = {(r["aggregator"], r["byz_fraction"]): r for r in out.rows()}
    assert rows[("mean", 0.2)]["error_mean"] > 50 * rows[("coordinate_median", 0.2)]["error_mean"]
    assert rows[("mean", 0.0)]["error_mean"] == pytest.approx(rows[("mean", 0.0)]["oracle_error_mean"])
    assert rows[("mean", 0.2)]["p_broken"] == 1.0 and rows[("coordinate_median", 0.0)]["p_broken_lo"] == 0.0
    again = run_serial(
        "aggregation_breakdown",
        aggregator=["mean", "coordinate_median"],
        attack=["scaling"],
        byz_fraction=[0.0, 0.2],
        trials=60,
    )
    assert all(np.array_equal(a["error"], b["error"]) for a, b in zip(out.records, again.records))
    with pytest.raises(ParamError, match="byz_fraction"):
        run_serial("aggregation_breakdown", aggregator=["krum"], byz_fraction=[0.4], n_clients=3)
