"""Aggregation rules on stacked updates: ``x`` (..., n, d), ``mask`` (..., n) -> aggregate (..., d), shares (..., n).

Every rule is vectorised over the leading axes (trials in a sweep, sample
rows in the federated interface) and over clients: no Python loop over
clients or pairs of clients. The statistics themselves (median, trimmed
mean, geometric median, Krum scores, mean around the median, pairwise
distances) come from :mod:`sim.stats.robust`, their one home; this module
turns them into aggregation rules and says how much each client counted.

``shares`` is each client's share of the aggregate (non-negative, summing
to 1 over the rows that count): one-hot for Krum, 1/m on the chosen rows for
Multi-Krum and minimum-diameter averaging, the Weiszfeld weights 1/||x_i - y||
for the geometric median, the clipping factors for centered clipping, and for
the coordinate-wise rules the fraction of coordinates at which the client's
value entered the average, divided by the number of values averaged (measured
on at most TRACK_COORDS evenly spaced coordinates: exact up to that length).

Masked rows (dropped clients) never count. Pre-aggregation steps return new
points and a mixing matrix M (..., n', n): point p is sum_j M[p, j] x_j, so a
rule's shares on points map back to clients as shares @ M.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import replace

import numpy as np

from ..core.errors import ParamError
from ..core.params import LiveChoices, Param
from ..core.plugins import load_plugins
from ..stats import robust
from ..stats.robust import F, int_param

_EPS = 1e-12
TRACK_COORDS = 8192  # coordinate-wise shares are measured on at most this many evenly spaced coordinates

# The rules' knobs: each range lives here once (f and trim live in sim.stats.robust, with the statistics).
M = Param("m", int, 1, "rows Multi-Krum averages (1: Krum)", low=1)
NEIGHBOURS = Param("neighbours", int, None, "Krum's neighbours (None: n - f - 2)", low=1)
ITERS = Param("iters", int, 3, "centred-clipping steps", low=1)
RADIUS = Param("radius", float, None, "clipping radius (None: the median distance)", low=0.0, low_open=True)
BUCKET_SIZE = Param("bucket_size", int, 2, "clients per bucket", low=1)

# Finite rows beyond HUGE in magnitude are scaled by 2^-p (exact, bar values below 2^(p - 1022)) before a
# distance-based rule runs, so that no squared distance overflows; the aggregate is scaled back.
HUGE = 2.0**400


def _track_view(*arrs, copy: bool = True):
    """Every s-th coordinate (s = ceil(d / TRACK_COORDS)) of each array: shares of long vectors at a fixed cost.

    ``copy`` False: strided views (enough for elementwise comparisons, which make fresh arrays anyway).
    """
    d = arrs[0].shape[-1]
    s = -(-d // TRACK_COORDS)
    if s == 1:
        return arrs
    return tuple(np.ascontiguousarray(a[..., ::s]) if copy else a[..., ::s] for a in arrs)


def _radius(radius):
    if radius is None or (type(radius) is float and 0.0 < radius < math.inf):
        return radius
    return RADIUS.coerce(radius)


def _k(mask: np.ndarray) -> int:
    """The number of active rows, which must be the same in every batch entry."""
    k = mask.sum(-1)
    if k.size and not np.all(k == k.flat[0]):
        raise ParamError("mask: every batch entry must have the same number of active clients")
    return int(k.flat[0]) if k.size else 0


def _m(m, k: int) -> int:
    return m if type(m) is int and 1 <= m <= k else replace(M, high=max(k, 1)).coerce(m)


def _normalise(w: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    if mask is not None:
        w = np.where(mask, w, 0.0)
    s = w.sum(-1, keepdims=True)
    if mask is None and (s > 0).all():
        return w / s
    return np.where(s > 0, w / np.where(s > 0, s, 1.0), 0.0)


def _prep(x, mask):
    x = np.asarray(x, dtype=float)
    if x.ndim < 2:
        raise ParamError(f"x: must have shape (..., n, d), got shape {x.shape}")
    mask = np.ones(x.shape[:-1], bool) if mask is None else np.broadcast_to(np.asarray(mask, bool), x.shape[:-1])
    return x, mask


def _downscale(x: np.ndarray, *also):
    """(x 2^-p, p, *also 2^-p) with the largest finite |x| brought to about HUGE when above it; p = 0 otherwise."""
    top = robust.finite_absmax(x)
    if not top > HUGE:
        return (x, 0, *also)
    p = math.frexp(top)[1] - math.frexp(HUGE)[1]
    return (np.ldexp(x, -p), p, *(None if a is None else np.ldexp(a, -p) for a in also))


# --------------------------------------------------------------------------- coordinate-wise rules
# Each rule first tries its plain path: no mask and plainly fine input (robust.PLAIN: finite, below 1e100),
# the common call. It computes the general path's numbers bit for bit with none of its guards (masks, NaN/inf
# rows, overflow), from one sort where the rule is coordinate-wise; tests/test_aggregation_fast.py holds the
# two paths equal. Anything else takes the general path.
def _band_shares(x, mask, lo, hi):
    """Shares of a coordinate-wise rule that averages the values inside [lo, hi] (ties all count)."""
    with np.errstate(invalid="ignore"):
        used = x >= lo[..., None, :]
        used &= x <= hi[..., None, :]
    used &= mask[..., None]
    return _band_mean(used, np.maximum(np.count_nonzero(used, axis=-2), 1))


def _band_mean(used, cnt):
    """sum_j used_ij / (d cnt_j): each client's share, by one BLAS product (used is cast to 0/1 floats)."""
    w = (1.0 / used.shape[-1]) / cnt
    return np.dot(used, w) if used.ndim == 2 else np.matmul(used, w[..., None])[..., 0]


def _band_shares_plain(x, lo, hi):
    """_band_shares without a mask, for bands [lo, hi] bounded by values of x (so every count is >= 1)."""
    if x.ndim > 2:
        lo, hi = lo[..., None, :], hi[..., None, :]
    used = x >= lo
    used &= x <= hi
    return _band_mean(used, np.add.reduce(used, axis=-2))


def mean(x, mask=None, rng=None, *, weights=None, track=True):
    """Weighted mean of the active rows (breakdown point 0): the baseline every attack breaks."""
    if mask is None and weights is None and (xp := robust._plain_input(x, None)) is not None:
        w = np.full(xp.shape[:-1], 1.0 / xp.shape[-2])  # what _normalise makes of equal weights
        with np.errstate(over="ignore", invalid="ignore"):
            return np.einsum("...n,...nd->...d", w, xp), w
    x, mask = _prep(x, mask)
    w = np.ones(mask.shape) if weights is None else np.broadcast_to(np.asarray(weights, float), mask.shape)
    w = _normalise(w, mask)
    with np.errstate(over="ignore", invalid="ignore"):
        agg = np.einsum("...n,...nd->...d", w, np.where(mask[..., None], x, 0.0))
    return agg, w


def coordinate_median(x, mask=None, rng=None, *, track=True):
    """Coordinate-wise median (breakdown point 1/2): robust.median.

    Shares: per coordinate the one or two middle values (and their ties)
    count. Plain path: the band's ends are read off the sorted copy (the
    largest value <= the median and the smallest >= it). General path: a
    running max/min over clients (a loop over the n clients, each step
    vectorised over coordinates and batch).
    """
    xp = robust._plain_input(x, mask)
    if xp is not None and (r := _median_plain(xp, track)) is not None:
        return r
    x, mask = _prep(x, mask)
    agg = robust.median(x, mask)
    if not track:
        return agg, None
    xs, ag = _track_view(x, agg)
    xin = xs if (mask.all() and np.isfinite(xs).all()) else robust.outliers_to_inf(xs, mask)
    lo = np.full(ag.shape, -np.inf)
    hi = np.full(ag.shape, np.inf)
    with np.errstate(invalid="ignore"):
        for i in range(x.shape[-2]):
            xi, mi = xin[..., i, :], mask[..., i, None]
            np.maximum(lo, np.where(mi & (xi <= ag), xi, -np.inf), out=lo)
            np.minimum(hi, np.where(mi & (xi >= ag), xi, np.inf), out=hi)
    return agg, _band_shares(xin, mask, lo, hi)


def _median_plain(x, track: bool, presort=robust.plain_sort):
    """coordinate_median's plain path: (aggregate, shares), or None when x is not plainly fine (``presort``:
    robust.plain_sort, or robust.plain_sorted when a check before the sort saves a wasted one)."""
    r = robust.plain_median(x, presort)
    if r is None:
        return None
    agg, a, b = r
    if not track:
        return agg, None
    lo, hi = (a.copy(), a.copy()) if x.shape[-2] % 2 else (np.where(b <= agg, b, a), np.where(a >= agg, a, b))
    del r, a, b  # the sorted copy goes before the shares' temporaries come (see _trimmed_plain)
    xs, lo, hi = _track_view(x, lo, hi, copy=False)
    return agg, _band_shares_plain(xs, lo, hi)


def _trimmed_plain(x, trim: float, track: bool, presort=robust.plain_sort):
    """trimmed_mean's plain path: (aggregate, shares), or None when x is not plainly fine (``presort``: as above).

    The kept band's ends are copied and the sorted copy dropped before the shares are measured: freed after
    them, a large sorted copy leaves the top of the heap free at every call, glibc gives it back to the system
    and the next call faults it in again (measured: 2.3x the call's time at 30 x 1000).
    """
    r = robust.plain_trimmed(x, trim, presort)
    if r is None:
        return None
    agg, lo, hi = r
    if not track:
        return agg, None
    if lo.base is not None and lo.base.size > 4096:  # (a small copy stays in the heap's free lists: no need)
        lo, hi = lo.copy(), hi.copy()
    del r
    xs, lo, hi = _track_view(x, lo, hi, copy=False)
    return agg, _band_shares_plain(xs, lo, hi)


def trimmed_mean(x, mask=None, rng=None, *, trim=0.1, track=True):
    """Coordinate-wise mean after dropping floor(trim k) values at each end (breakdown trim): robust.trimmed_mean."""
    if not (type(trim) is float and 0.0 < trim < 0.5):
        trim = robust.TRIM.coerce(trim)
    xp = robust._plain_input(x, mask)
    if xp is not None and (r := _trimmed_plain(xp, trim, track)) is not None:
        return r
    x, mask = _prep(x, mask)
    if not track:
        return robust.trimmed_mean(x, mask, trim=trim), None
    agg, lo, hi = robust.trimmed_mean(x, mask, trim=trim, return_cuts=True)
    xs, lo, hi = _track_view(x, lo, hi)
    xin = xs if (mask.all() and np.isfinite(xs).all()) else robust.outliers_to_inf(xs, mask)
    return agg, _band_shares(xin, mask, lo, hi)


def mean_around_median(x, mask=None, rng=None, *, f=0, track=True):
    """Mean of the k - f values closest to the coordinate-wise median (MeaMed, Xie et al. 2018)."""
    f = int_param(F, f)
    xp = robust._plain_input(x, mask)
    if xp is not None and (parts := robust.meamed_plain(xp, f)) is not None:
        agg, _, dev, order = parts
        if not track:
            return agg, None
        keep = xp.shape[-2] - f
        cut = np.take_along_axis(dev, order[..., keep - 1 : keep, :], axis=-2)[..., 0, :]
        dev, cut = _track_view(dev, cut)
        used = dev <= cut[..., None, :]
        return agg, (used / np.maximum(used.sum(-2, keepdims=True), 1)).mean(-1)
    x, mask = _prep(x, mask)
    if robust.finite_absmax(x) > np.finfo(float).max / 4:  # deviations from the median could overflow: x/4
        agg, w = mean_around_median(np.ldexp(x, -2), mask, rng, f=f, track=track)
        return np.ldexp(agg, 2), w
    agg = robust.mean_around_median(x, mask, f=f)
    if not track:
        return agg, None
    k = _k(mask)
    xs, med = _track_view(x, robust.median(x, mask))
    xin = robust.outliers_to_inf(xs, mask)
    with np.errstate(invalid="ignore"):
        dev = np.abs(xin - med[..., None, :])
    dev = np.where(mask[..., None] & ~np.isnan(dev), dev, np.inf)
    cut = np.take(np.partition(dev, k - f - 1, axis=-2), k - f - 1, axis=-2)
    used = (dev <= cut[..., None, :]) & mask[..., None]
    return agg, (used / np.maximum(used.sum(-2, keepdims=True), 1)).mean(-1)


# --------------------------------------------------------------------------- vector rules
def geometric_median(x, mask=None, rng=None, *, tol=1e-9, max_iter=1000, track=True):
    """Geometric median by Weiszfeld's iteration (breakdown point 1/2): robust.geometric_median.

    Shares: the Weiszfeld weights 1/||x_i - y|| at the solution, normalised
    (a row on the solution gets the largest share of the others).
    """
    xp = robust._plain_input(x, mask)
    if xp is not None and xp.ndim == 2 and robust.is_plain(xp):
        if not (type(tol) is float and 0.0 < tol < math.inf):
            tol = robust.TOL.coerce(tol)
        agg = robust.geometric_median_plain(xp, tol, int_param(robust.MAX_ITER, max_iter))
        if not track:
            return agg, None
        diff = xp - agg
        dist = np.sqrt(np.einsum("...nd,...nd->...n", diff, diff))
        dist = np.maximum(dist, 1e-6 * np.maximum(robust.nonneg_median(dist), _EPS))
        return agg, _normalise(1.0 / dist, None)
    x, mask = _prep(x, mask)
    agg = robust.geometric_median(x, mask, tol=tol, max_iter=max_iter)
    if not track:
        return agg, None
    with np.errstate(invalid="ignore", over="ignore"):
        xs, _, ag = _downscale(x, agg)  # rows near the float limit: distances from x 2^-p, the same shares
        dist = np.sqrt(np.einsum("...nd,...nd->...n", xs - ag[..., None, :], xs - ag[..., None, :]))
    scale = np.maximum(robust.nonneg_median(dist, mask), _EPS)
    dist = np.maximum(dist, 1e-6 * scale[..., None])
    return agg, _normalise(np.where(np.isfinite(dist), 1.0 / dist, 0.0), mask)


def krum(x, mask=None, rng=None, *, f=0, m=1, neighbours=None, track=True, centre=None):
    """(Multi-)Krum: average of the m rows of lowest Krum score (Blanchard et al. 2017; m = 1 is Krum).

    Score: sum of squared distances to the n - f - 2 nearest other rows
    (robust.krum_scores; ``neighbours`` overrides n - f - 2). ``centre``: the
    rows' mean when the caller has it already (robust.pairwise_sq_distances).
    """
    f = int_param(F, f)
    if neighbours is not None:
        neighbours = int_param(NEIGHBOURS, neighbours)
    xp = robust._plain_input(x, mask)
    if xp is not None and (r := _krum_plain(xp, f, _m(m, xp.shape[-2]), neighbours, centre)) is not None:
        return r
    x, mask = _prep(x, mask)
    k = _k(mask)
    m = _m(m, k)
    x, p, centre = _downscale(x, centre)
    scores = robust.krum_scores(x, f, mask, neighbours=neighbours, centre=centre)
    agg, w = _krum_pick(x, np.where(np.isnan(scores), np.inf, scores), m, mask.shape[-1])
    return (np.ldexp(agg, p) if p else agg), w


def _krum_plain(x, f: int, m: int, neighbours=None, centre=None, scratch=None):
    """krum's plain path: (aggregate, shares) from robust.krum_scores_plain, or None (then the general path)."""
    scores = robust.krum_scores_plain(x, f, neighbours, centre, scratch)
    if scores is None:
        return None
    n = x.shape[-2]
    if m == 1 and x.ndim == 2:
        i = int(scores.argmin())  # the first lowest score, as the stable sort's first
        w = np.zeros(n)
        w[i] = 1.0
        return x[i].copy(), w
    return _krum_pick(x, scores, m, n)


def _krum_pick(x, scores, m: int, n: int):
    """The mean of the m rows of lowest score (ties: the lower index first), and the shares 1/m."""
    chosen = np.argsort(scores, axis=-1, kind="stable")[..., :m]
    if x.ndim == 2:  # the same rows, gathered whole (take_along_axis would build an (m, d) index)
        w = np.zeros(n)
        w[chosen] = 1.0 / m
        return np.add.reduce(x[chosen], axis=0) / m, w
    w = np.zeros((*scores.shape[:-1], n))
    np.put_along_axis(w, chosen, 1.0 / m, axis=-1)
    return np.take_along_axis(x, chosen[..., None], axis=-2).mean(-2), w


def multi_krum(x, mask=None, rng=None, *, f=0, m=None, neighbours=None, track=True):
    """Multi-Krum with m = n - f by default (the average of the n - f best-scored rows)."""
    f = int_param(F, f)
    if m is None:
        m = (np.shape(x)[-2] if mask is None else _k(_prep(x, mask)[1])) - f
    return krum(x, mask, rng, f=f, m=m, neighbours=neighbours, track=track)


def centered_clipping(x, mask=None, rng=None, *, radius=None, iters=3, track=True):
    """Centered clipping (Karimireddy, He & Jaggi 2021): v <- v + mean_i clip_radius(x_i - v), ``iters`` times.

    Starts at the coordinate-wise median (the stateless server has no
    previous aggregate); ``radius`` None takes the median distance of the
    active rows from that start, so the rule is scale-free.
    """
    iters = int_param(ITERS, iters)
    radius = _radius(radius)
    xp = robust._plain_input(x, mask)
    if xp is not None and (s := robust.plain_sort(xp)) is not None:
        v = robust.median_of_sorted(s)
        del s  # before the steps' temporaries (see _trimmed_plain)
        n = xp.shape[-2]
        if radius is None:
            diff = xp - v[..., None, :]
            tau = np.asarray(robust.nonneg_median(np.sqrt(np.einsum("...nd,...nd->...n", diff, diff))))
        else:
            tau = np.full(xp.shape[:-2], radius)
        eps = _clip_eps(tau)
        for _ in range(iters):
            diff = xp - v[..., None, :]
            dist = np.sqrt(np.einsum("...nd,...nd->...n", diff, diff))
            lam = np.minimum(1.0, tau[..., None] / np.maximum(dist, eps))
            if not (tau > 0).all():
                lam = np.where(tau[..., None] > 0, lam, np.where(dist > 0, 0.0, 1.0))
            v = v + np.einsum("...n,...nd->...d", lam, diff) / n
        return v, _normalise(lam, None)
    x, mask = _prep(x, mask)
    x, p, radius = _downscale(x, radius)
    v = robust.median(x, mask)
    if radius is None:
        d0 = np.sqrt(np.einsum("...nd,...nd->...n", x - v[..., None, :], x - v[..., None, :]))
        tau = robust.nonneg_median(d0, mask)
    else:
        tau = np.full(mask.shape[:-1], float(radius))
    k = mask.sum(-1)
    xz = np.where(mask[..., None], x, 0.0)
    lam = np.ones(mask.shape)
    eps = _clip_eps(tau)
    for _ in range(iters):
        diff = xz - v[..., None, :]
        dist = np.sqrt(np.einsum("...nd,...nd->...n", diff, diff))
        lam = np.where(mask, np.minimum(1.0, tau[..., None] / np.maximum(dist, eps)), 0.0)
        lam = np.where(tau[..., None] > 0, lam, np.where(dist > 0, 0.0, 1.0) * mask)
        v = v + np.einsum("...n,...nd->...d", lam, diff) / k[..., None]
    return (np.ldexp(v, p) if p else v), _normalise(lam, mask)


def _clip_eps(tau):
    """The floor under a distance divided into the radius: 1e-12, or 1e-12 tau for a radius below 1.

    Relative below 1, so that clipping is scale-free down to the smallest floats (an absolute 1e-12 clips
    rows of a stack of 1e-150s at the wrong radius); the same factors as the absolute floor for tau >= 1e-12.
    """
    return _EPS * np.where(tau > 0, np.minimum(tau, 1.0), 1.0)[..., None]


MDA_MAX_SUBSETS = 200_000


@functools.lru_cache(maxsize=64)
def _subsets(k: int, m: int):
    """(every m-subset of range(k) (C, m), the index pairs inside a subset), read-only."""
    combos = np.array(list(itertools.combinations(range(k), m)), dtype=np.intp).reshape(-1, m)
    iu, ju = np.triu_indices(m, 1)
    for a in (combos, iu, ju):
        a.flags.writeable = False
    return combos, iu, ju


def minimum_diameter_averaging(x, mask=None, rng=None, *, f=0, track=True):
    """Average of the n - f rows whose set has the smallest diameter (El-Mhamdi et al. 2018); small n only.

    All C(n, f) subsets are scored at once (chunked), from one pairwise
    distance matrix; at most MDA_MAX_SUBSETS subsets.
    """
    f = int_param(F, f)
    xp = robust._plain_input(x, mask)
    if xp is not None:
        k = xp.shape[-2]
        _mda_size(k, f)
        d2 = robust.sq_distances_plain(xp)
        if d2 is not None:
            if xp.ndim == 2:
                return _mda_plain(xp, d2, k - f)
            active = np.broadcast_to(np.arange(k), (math.prod(xp.shape[:-2]), k))
            return _mda(xp, d2, active, k - f, 0)
    x, mask = _prep(x, mask)
    k = _k(mask)
    _mda_size(k, f)
    x, p = _downscale(x)
    d2 = robust.pairwise_sq_distances(x, mask)  # (..., n, n)
    active = np.argsort(~mask.reshape(-1, x.shape[-2]), axis=-1, kind="stable")[:, :k]  # (B, k) active rows first
    return _mda(x, d2, active, k - f, p)


def _leaves_one(k: int, f: int) -> None:
    """ParamError unless f of the k active rows leave at least one."""
    if k - f < 1:
        raise ParamError(f"f: must leave at least one client, got f = {f} of {k}")


def _mda_size(k: int, f: int) -> None:
    _leaves_one(k, f)
    m = k - f
    n_sub = math.comb(k, m)
    if n_sub > MDA_MAX_SUBSETS:
        raise ParamError(
            f"f: minimum-diameter averaging scores C(n, f) subsets; C({k}, {f}) = {n_sub} is above "
            f"{MDA_MAX_SUBSETS}: use fewer clients or another rule"
        )


def _mda_plain(x, d2, m: int):
    """_mda of one (n, d) stack with every row active: the subsets' diameters by one gather of d2's flat
    entries (the pairs' flat indices are cached with the subsets), the first smallest diameter, its mean."""
    n = x.shape[0]
    combos, flat = _subset_pairs(n, m)
    if flat is None or not flat.shape[1]:  # many subsets (chunked), or subsets of one row
        return _mda(x, d2, np.arange(n)[None], m, 0)
    j = int(np.argmin(d2.reshape(-1).take(flat).max(axis=-1)))
    w = np.zeros(n)
    w[combos[j]] = 1.0 / m
    return np.einsum("...n,...nd->...d", w, np.where(w[..., None] > 0, x, 0.0)), w


@functools.lru_cache(maxsize=64)
def _subset_pairs(k: int, m: int):
    """(the m-subsets of range(k), each subset's pairs as flat indices i k + j of a (k, k) matrix (C, pairs)),
    read-only; the flat indices only while they hold at most 2e6 entries (else None)."""
    combos, iu, ju = _subsets(k, m)
    if len(combos) * len(iu) > 2_000_000:
        return combos, None
    flat = combos[:, iu] * k + combos[:, ju]
    flat.flags.writeable = False
    return combos, flat


def _mda(x, d2, active, m: int, p: int):
    """Minimum-diameter averaging of x (..., n, d) from its distances d2 and active rows (B, k) (active first)."""
    batch = d2.shape[:-2]
    n = x.shape[-2]
    d2f = d2.reshape(-1, n, n)
    combos, iu, ju = _subsets(active.shape[-1], m)  # (C, m) subsets; the m(m-1)/2 pairs inside a subset
    best_val = np.full(d2f.shape[0], np.inf)
    best_idx = np.zeros(d2f.shape[0], dtype=np.intp)
    b_ix = np.arange(d2f.shape[0])[:, None, None]
    chunk = max(1, int(2e7 // max(1, d2f.shape[0] * max(len(iu), 1))))
    for s in range(0, len(combos), chunk):  # loop over chunks of subsets, not pairs
        cmb = combos[s : s + chunk]
        rows = active[:, cmb]  # (B, c, m)
        if len(iu):
            diam = d2f[b_ix, rows[..., iu], rows[..., ju]].max(axis=-1)  # (B, c)
        else:
            diam = np.zeros(rows.shape[:2])
        j = np.argmin(diam, axis=-1)
        v = diam[np.arange(len(j)), j]
        better = v < best_val
        best_val = np.where(better, v, best_val)
        best_idx = np.where(better, s + j, best_idx)
    chosen = np.take_along_axis(active, combos[best_idx], axis=-1)  # (B, m)
    w = np.zeros((d2f.shape[0], n))
    np.put_along_axis(w, chosen, 1.0 / m, axis=-1)
    w = w.reshape(*batch, n)
    agg = np.einsum("...n,...nd->...d", w, np.where(w[..., None] > 0, x, 0.0))
    return (np.ldexp(agg, p) if p else agg), w


# --------------------------------------------------------------------------- pre-aggregation
def nearest_neighbour_mixing(x, mask=None, rng=None, *, f=0):
    """NNM (Allouah et al. 2023): each row becomes the mean of its k - f nearest active rows (itself included)."""
    f = int_param(F, f)
    x, mask = _prep(x, mask)
    k = _k(mask)
    _leaves_one(k, f)
    q = k - f
    x, p = _downscale(x)
    d2 = robust.pairwise_sq_distances(x, mask)
    nn = np.argpartition(d2, q - 1, axis=-1)[..., :q]  # (..., n, q); a row is its own nearest
    M = np.zeros(d2.shape)
    np.put_along_axis(M, nn, 1.0 / q, axis=-1)
    M = np.where(mask[..., :, None], M, 0.0)
    xz = np.where(mask[..., None], x, 0.0)
    mixed = M @ xz
    return (np.ldexp(mixed, p) if p else mixed), mask, M


def bucketing(x, mask=None, rng=None, *, bucket_size=2):
    """Bucketing (Karimireddy, He & Jaggi 2022): shuffle the active rows (``rng``) and average buckets of s."""
    if rng is None:
        raise ParamError("rng: bucketing needs a numpy Generator for its random permutation")
    s = int_param(BUCKET_SIZE, bucket_size)
    x, mask = _prep(x, mask)
    k = _k(mask)
    nb = -(-k // s)
    keys = np.where(mask, rng.random(mask.shape), 2.0)
    rank = np.argsort(np.argsort(keys, axis=-1), axis=-1)  # active rows first, in random order
    bucket = np.where(mask, rank // s, -1)
    M = (bucket[..., None, :] == np.arange(nb)[:, None]).astype(float)  # (..., nb, n)
    M /= np.maximum(M.sum(-1, keepdims=True), 1)
    xz = np.where(mask[..., None], x, 0.0)
    return M @ xz, np.ones((*mask.shape[:-1], nb), bool), M


def norm_clipping(x, mask=None, rng=None, *, radius=None):
    """Clip every row to norm <= radius (None: the median norm of the active rows)."""
    radius = _radius(radius)
    x, mask = _prep(x, mask)
    xs, _, rs = _downscale(x, radius)  # norms of rows near the float limit: from x 2^-p
    xz = np.where(mask[..., None], xs, 0.0)
    norms = np.sqrt(np.einsum("...nd,...nd->...n", xz, xz))
    if radius is None:
        c = robust.nonneg_median(norms, mask)
    else:
        c = np.full(mask.shape[:-1], float(rs))
    lam = np.where(mask, np.minimum(1.0, c[..., None] / np.maximum(norms, _clip_eps(c))), 0.0)
    M = lam[..., :, None] * np.eye(mask.shape[-1])
    return lam[..., None] * np.where(mask[..., None], x, 0.0), mask, M


RULES = {
    "mean": mean,
    "coordinate_median": coordinate_median,
    "trimmed_mean": trimmed_mean,
    "geometric_median": geometric_median,
    "krum": krum,
    "multi_krum": multi_krum,
    "centered_clipping": centered_clipping,
    "mean_around_median": mean_around_median,
    "minimum_diameter_averaging": minimum_diameter_averaging,
}
PRE = {"nnm": nearest_neighbour_mixing, "bucketing": bucketing, "clipping": norm_clipping}
NEEDS_F = {"krum", "multi_krum", "mean_around_median", "minimum_diameter_averaging", "nnm"}
# Aggregators registered by plugins (sim.aggregation.registry fills it): name -> rule(x, mask, rng, *, f, track).
PLUGIN_RULES: dict = {}


def rule_names() -> tuple[str, ...]:
    """Every rule: the built-in ones, then those plugins registered (loaded first)."""
    load_plugins()
    return (*RULES, *PLUGIN_RULES)


# The parts of a pipeline "pre+...+rule" (its grammar is parse_pipeline's).
RULE = Param("rule", str, "coordinate_median", "aggregation rule", choices=LiveChoices(rule_names))
PRE_STEP = Param("pre_step", str, "nnm", "pre-aggregation step", choices=tuple(PRE))


def parse_pipeline(spec: str) -> tuple[tuple[str, ...], str]:
    """ "nnm+bucketing+krum" -> (("nnm", "bucketing"), "krum"); ParamError names the allowed parts."""
    if not isinstance(spec, str) or not spec:
        raise ParamError(f"aggregator: expected a rule name, optionally after pre-steps joined by '+', got {spec!r}")
    parts = spec.split("+")
    *pre, rule = parts
    if rule not in RULES and rule not in RULE.choices:
        raise ParamError(f"aggregator: rule must be {RULE.range_text()}, got {rule!r}")
    for p in pre:
        if p not in PRE_STEP.choices:
            raise ParamError(f"aggregator: pre-aggregation step must be {PRE_STEP.range_text()}, got {p!r}")
    return tuple(pre), rule


def run_pipeline(spec: str, x, mask=None, rng=None, *, f=0, trim=0.1, bucket_size=2, track=True):
    """Run "pre+...+rule" on a stack: (aggregate (..., d), client shares (..., n) or None)."""
    pre, rule = parse_pipeline(spec)
    x, mask = _prep(x, mask)
    M_total = None
    f_cur = int_param(F, f)
    for p in pre:
        kw = {"f": f_cur} if p == "nnm" else {"bucket_size": bucket_size} if p == "bucketing" else {}
        x, mask, M = PRE[p](x, mask, rng, **kw)
        M_total = M if M_total is None else M @ M_total
        if p == "bucketing":
            f_cur = min(f_cur, int(mask.shape[-1]) - 1)  # a bad client spoils at most one bucket
    kw = {"f": f_cur} if rule in NEEDS_F or rule in PLUGIN_RULES else {"trim": trim} if rule == "trimmed_mean" else {}
    agg, w = (RULES.get(rule) or PLUGIN_RULES[rule])(x, mask, rng, track=track, **kw)
    if w is not None and M_total is not None:
        w = np.einsum("...p,...pn->...n", w, M_total)
        w = w / np.maximum(w.sum(-1, keepdims=True), _EPS)
    return agg, w
