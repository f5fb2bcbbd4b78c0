"""Robust location estimators, vectorised over trials, with masks and attacks.

Shapes: ``x`` is (..., n, d) -- n sources (rows) of d coordinates, any leading
batch axes (trials); ``mask`` is (..., n), True for the rows that take part
(blacklisted sources are masked out). Every estimator returns (..., d).

Non-finite input is an attack: a row containing NaN or ±inf counts as
maximally outlying. For order statistics (median, trimmed mean, median of
means) each coordinate of such a row is placed at +inf or -inf: a ±inf
coordinate keeps its sign (so ``median([1, 2, 3, 4, -inf]) == 2``, as
``np.median``), while a NaN coordinate -- and a finite coordinate of a row
that is bad elsewhere -- goes to +inf and -inf in turn (by its rank among
such entries of that coordinate, so NaNs cannot all push one way). The
result stays finite while bad rows are fewer than the estimator's breakdown
point, and EstimatorError says so when nothing finite is left.

No input is an error, never a number: an empty set of rows, or a batch entry
whose rows are all masked out, raises EstimatorError naming the estimator
(``median: nothing finite left: no active report (empty input or every row masked)``).
"""

from __future__ import annotations

import numpy as np

from ..core.errors import ParamError
from ..core.params import Param

# The estimators' tuning parameters, declared once (the keyword defaults below are theirs).
TRIM = Param("trim", float, 0.1, "trimmed-mean fraction per end", low=0.0, high=0.5, low_open=True, high_open=True)
BUCKETS = Param("buckets", int, 5, "median-of-means buckets", low=1)
TOL = Param("tol", float, 1e-9, "Weiszfeld stopping step, relative to the spread of the data", low=0.0, low_open=True)
F = Param("f", int, 0, "number of Byzantine rows to tolerate", low=0)


class EstimatorError(ValueError):
    """Raised when too few finite values are left to estimate anything."""


def _prep(x, mask):
    x = np.asarray(x, dtype=float)
    if x.ndim < 2:
        raise ValueError("x must have shape (..., n, d)")
    if mask is None:
        mask = np.ones(x.shape[:-1], dtype=bool)
    mask = np.broadcast_to(np.asarray(mask, dtype=bool), x.shape[:-1])
    return x, mask


def bad_rows(x: np.ndarray) -> np.ndarray:
    """(..., n) True where a row has any NaN or ±inf coordinate."""
    return ~np.all(np.isfinite(x), axis=-1)


def outliers_to_inf(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Bad active rows -> ±inf, masked rows -> NaN.

    A ±inf coordinate keeps its sign; the other coordinates of a bad row
    (NaN, or finite beside a non-finite one) alternate +inf, -inf, ... by their
    rank among such entries of the same coordinate.
    """
    if np.isfinite(x).all():  # the common case: nothing to rewrite
        return x if mask.all() else np.where(mask[..., None], x, np.nan)
    bad = bad_rows(x) & mask
    signed = np.isinf(x)
    free = bad[..., None] & ~signed  # entries that get an alternating sign
    rank = np.cumsum(free, axis=-2)
    alt = np.where(rank % 2 == 1, np.inf, -np.inf)
    out = np.where(bad[..., None], np.where(signed, x, alt), x)
    return np.where(mask[..., None], out, np.nan)


def _check_active(name: str, k: np.ndarray) -> None:
    """k: (...,) active rows per batch entry; an empty batch (no entries) is fine, an entry with none is not."""
    if np.any(k == 0):
        raise EstimatorError(f"{name}: nothing finite left: no active report (empty input or every row masked)")


def _order_stat_mean(x_sorted: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Mean of sorted entries with index in [lo, hi) along axis -2 (lo/hi: (...,))."""
    n = x_sorted.shape[-2]
    idx = np.arange(n)
    sel = (idx >= lo[..., None]) & (idx < hi[..., None])
    cnt = np.maximum(sel.sum(-1), 1)
    vals = np.where(sel[..., None], x_sorted, 0.0)
    with np.errstate(invalid="ignore"):
        return vals.sum(-2) / cnt[..., None]


def _check_finite(name: str, out: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(out)):
        raise EstimatorError(f"{name}: nothing finite left: too many reports are NaN or ±inf (or no report is active)")
    return out


def median(x, mask=None, rng=None) -> np.ndarray:
    """Coordinate-wise median of the active rows (breakdown point 1/2)."""
    x, mask = _prep(x, mask)
    k = mask.sum(-1)
    _check_active("median", k)
    xin = outliers_to_inf(x, mask)  # NaN (masked) sorts last
    if k.size and np.all(k == k.flat[0]) and k.flat[0] > 0:
        # one active count for the whole batch: O(n) selection instead of a sort
        k0 = int(k.flat[0])
        lo, hi = (k0 - 1) // 2, k0 // 2
        part = np.partition(xin, (lo, hi) if hi != lo else lo, axis=-2)
        with np.errstate(invalid="ignore"):
            out = 0.5 * (np.take(part, lo, axis=-2) + np.take(part, hi, axis=-2))
        return _check_finite("median", out)
    s = np.sort(xin, axis=-2)
    return _check_finite("median", _order_stat_mean(s, (k - 1) // 2, k // 2 + 1))


def trimmed_mean(x, mask=None, rng=None, trim: float = TRIM.default, return_cuts: bool = False) -> np.ndarray:
    """Coordinate-wise mean after dropping floor(trim k) rows at each end (breakdown trim).

    ``return_cuts``: also return the lowest and highest kept values (..., d) (the order statistics
    g and k - g - 1), from the same sort.
    """
    trim = TRIM.coerce(trim)
    x, mask = _prep(x, mask)
    k = mask.sum(-1)
    _check_active("trimmed_mean", k)
    g = np.floor(trim * k).astype(int)
    s = np.sort(outliers_to_inf(x, mask), axis=-2)
    out = _check_finite("trimmed_mean", _order_stat_mean(s, g, k - g))
    if return_cuts:
        return out, *_kept_cuts(s, g, k)
    return out


def median_of_means(x, mask=None, rng=None, buckets: int = BUCKETS.default) -> np.ndarray:
    """Coordinate-wise median of the means of ``buckets`` random buckets of the active rows.

    The partition is drawn from ``rng`` (required): active rows are shuffled
    and dealt into near-equal buckets; a bucket holding a bad row has a
    non-finite mean and counts as an outlier of the median (breakdown about
    buckets/2 bad rows).
    """
    if rng is None:
        raise ParamError("rng: median_of_means needs a numpy Generator for its random partition")
    buckets = BUCKETS.coerce(buckets)
    x, mask = _prep(x, mask)
    k = mask.sum(-1)
    _check_active("median_of_means", k)
    b = np.minimum(buckets, k)  # (...,)
    keys = rng.random(mask.shape)
    keys = np.where(mask, keys, 2.0)  # inactive last
    rank = np.argsort(np.argsort(keys, axis=-1), axis=-1)  # rank among rows, active first
    bucket = (rank * b[..., None]) // np.maximum(k[..., None], 1)  # 0..b-1 for active rows
    onehot = (bucket[..., None] == np.arange(buckets)) & mask[..., None]  # (..., n, B)
    xin = outliers_to_inf(x, mask)
    bad = ~np.isfinite(xin) & mask[..., None]
    xz = np.where(np.isfinite(xin), xin, 0.0)
    sums = np.einsum("...nb,...nd->...bd", onehot.astype(float), xz)
    cnt = onehot.sum(-2)  # (..., B)
    pos = np.einsum("...nb,...nd->...bd", onehot.astype(float), (bad & (xin > 0)).astype(float))
    neg = np.einsum("...nb,...nd->...bd", onehot.astype(float), (bad & (xin < 0)).astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / cnt[..., None]
    means = np.where(pos > neg, np.inf, np.where(neg > pos, -np.inf, np.where(pos > 0, np.inf, means)))
    bmask = np.arange(buckets) < b[..., None]
    return _check_finite("median_of_means", median(means, bmask))


def mean(x, mask=None, rng=None) -> np.ndarray:
    """Plain mean of the active rows (breakdown point 0): a non-finite row makes it non-finite.

    That is the lesson, so it does not raise for non-finite input; it raises
    EstimatorError only when no row is active.
    """
    x, mask = _prep(x, mask)
    k = mask.sum(-1)
    _check_active("mean", k)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(mask[..., None], x, 0.0).sum(-2) / k[..., None]


def _bad_directions(x: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """Unit directions to infinity of bad rows, +-(1,..,1)/sqrt(d) alternating like outliers_to_inf."""
    rank = np.cumsum(bad, axis=-1)
    sign = np.where(rank % 2 == 1, 1.0, -1.0)
    d = x.shape[-1]
    return np.where(bad[..., None], sign[..., None] / np.sqrt(d), 0.0) * np.ones(d)


def _weiszfeld_step(y, xf, fin, pull_bad, eps):
    """One Weiszfeld step with the Vardi--Zhang fix, for (m, d) iterates and (m, n, d) rows."""
    diff = xf - y[:, None, :]
    dist = np.sqrt(np.einsum("mnd,mnd->mn", diff, diff))
    on = fin & (dist <= eps[:, None])
    off = fin & ~on
    inv = np.where(off, 1.0 / np.where(off, dist, 1.0), 0.0)
    sw = inv.sum(-1)
    num = np.einsum("mn,mnd->md", inv, xf) + pull_bad
    m = on.sum(-1)
    force = num - sw[:, None] * y  # pull of the off-point rows
    r = np.linalg.norm(force, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t_y = num / sw[:, None]
        gamma = np.where(m > 0, np.minimum(1.0, m / np.where(r > 0, r, 1.0)), 0.0)
    gamma = np.where(sw > 0, gamma, 1.0)  # every row sits on y: y is the minimiser
    return (1.0 - gamma)[:, None] * np.where(sw[:, None] > 0, t_y, y) + gamma[:, None] * y


def geometric_median(x, mask=None, rng=None, tol: float = TOL.default, max_iter: int = 1000) -> np.ndarray:
    """argmin_y sum_i ||x_i - y|| over the active rows: Weiszfeld's iteration (breakdown point 1/2).

    The iterate y <- (sum_i x_i/d_i + sum_bad u_j) / sum_i 1/d_i, d_i = ||x_i - y||,
    starts at the coordinate-wise median and stops when a step is below
    ``tol`` times the spread of the data. When y lands on data points the
    Vardi--Zhang (2000) modification applies: with R the pull of the other
    points and m the multiplicity of y, y <- (1 - min(1, m/||R||)) T(y) +
    min(1, m/||R||) y, so y stays put exactly when it is the minimiser.
    A non-finite row is a point at infinity: it adds a unit pull u_j (in the
    alternating direction +-(1,..,1)/sqrt(d)) and nothing to the denominator;
    the result stays finite while those pulls are weaker than the finite rows'.
    """
    tol = TOL.coerce(tol)
    x, mask = _prep(x, mask)
    _check_active("geometric_median", mask.sum(-1))
    bad = bad_rows(x) & mask
    fin = mask & ~bad
    kf = fin.sum(-1)
    if np.any(kf == 0):
        raise EstimatorError(
            "geometric_median: nothing finite left: too many reports are NaN or ±inf (or no report is active)"
        )
    xf = np.where(fin[..., None], x, 0.0)
    # scale equivariance: iterate on x / s with s = max |x_ij| (no overflow of squared distances), rescale at the end
    scale = np.abs(xf).max(axis=(-2, -1))
    scale = np.where(scale > 0, scale, 1.0)
    xf = xf / scale[..., None, None]
    pull_bad = _bad_directions(x, bad).sum(-2)  # (..., d)
    if np.any(np.linalg.norm(pull_bad, axis=-1) >= kf - 1e-12):
        raise EstimatorError("geometric_median: nothing finite left: non-finite reports outweigh the finite ones")
    y = median(np.where(fin[..., None], xf, np.nan), fin)
    spread = median(np.linalg.norm(xf - y[..., None, :], axis=-1)[..., None], fin)[..., 0]
    spread = np.where(spread > 0, spread, np.abs(y).max(-1) + 1.0)  # (...,)
    batch = y.shape[:-1]
    y, xf, fin, pull_bad, spread = (
        y.reshape(-1, y.shape[-1]),
        xf.reshape(-1, *xf.shape[-2:]),
        fin.reshape(-1, fin.shape[-1]),
        pull_bad.reshape(-1, y.shape[-1]),
        spread.reshape(-1),
    )
    todo = np.arange(len(y))  # entries not yet converged
    for _ in range(max_iter):
        if todo.size == 0:
            break
        yt, xt, ft, sp = y[todo], xf[todo], fin[todo], spread[todo]
        y_new = _weiszfeld_step(yt, xt, ft, pull_bad[todo], 1e-12 * sp)
        y[todo] = y_new
        todo = todo[np.linalg.norm(y_new - yt, axis=-1) > tol * sp]
    y = y.reshape(*batch, y.shape[-1]) * scale[..., None]
    return _check_finite("geometric_median", y)


_BIG = np.finfo(float).max / 4


def nonneg_median(r, mask=None) -> np.ndarray:
    """Median over the last axis of non-negative values (distances); NaN/inf count as +inf.

    Unlike the location estimators (which send bad rows to +-inf in turn), a
    distance can only be outlying upwards; the result is +inf when at least
    half of the active values are. No active value: NaN.
    """
    r = np.asarray(r, dtype=float)
    mask = np.ones(r.shape, dtype=bool) if mask is None else np.broadcast_to(np.asarray(mask, bool), r.shape)
    rr = np.where(np.isfinite(r), r, _BIG)
    k = mask.sum(-1)
    vals = np.where(mask, rr, np.inf)
    if k.size and np.all(k == k.flat[0]) and k.flat[0] > 0:  # one count: O(n) selection
        k0 = int(k.flat[0])
        lo0, hi0 = (k0 - 1) // 2, k0 // 2
        part = np.partition(vals, (lo0, hi0) if hi0 != lo0 else lo0, axis=-1)
        a, b = part[..., lo0], part[..., hi0]
    else:
        s = np.sort(vals, axis=-1)
        lo = np.clip((k - 1) // 2, 0, None)
        hi = np.clip(k // 2, 0, None)
        a = np.take_along_axis(s, lo[..., None], -1)[..., 0]
        b = np.take_along_axis(s, hi[..., None], -1)[..., 0]
    out = 0.5 * a + 0.5 * b
    out = np.where(out >= _BIG, np.inf, out)
    return np.where(k > 0, out, np.nan)


def mad(x, mask=None, rng=None, normalize: bool = False) -> np.ndarray:
    """Coordinate-wise median absolute deviation median_i |x_i - median(x)| (Sec. III-C.1); breakdown 1/2.

    A non-finite row has an infinite deviation. ``normalize`` multiplies by
    1.4826 so that MAD estimates sigma for Gaussian data.
    """
    x, mask = _prep(x, mask)
    _check_active("mad", mask.sum(-1))
    med = median(x, mask)
    with np.errstate(invalid="ignore"):
        dev = np.abs(x - med[..., None, :])
    out = nonneg_median(np.moveaxis(dev, -1, -2), mask[..., None, :])
    return out * 1.482602218505602 if normalize else out


# name -> estimator(x, mask=None, rng=None); every entry vectorised as above.
ESTIMATORS = {
    "median": median,
    "trimmed_mean": trimmed_mean,
    "median_of_means": median_of_means,
    "mean": mean,
    "geometric_median": geometric_median,
}
# Scale estimators, same calling convention.
SCALES = {"mad": mad}
ESTIMATOR = Param("estimator", str, "median", "robust centre mu_hat", choices=tuple(ESTIMATORS))
STATISTIC = Param("estimator", str, "median", "an estimator or a scale", choices=(*ESTIMATORS, *SCALES))


def breakdown_point(name: str, n: int, **kw) -> float:
    """Largest fraction of arbitrary rows an estimator tolerates with a bounded output (finite-sample)."""
    name = STATISTIC.coerce(name)
    if name == "mean":
        return 0.0
    if name in ("median", "geometric_median", "mad"):
        return (np.ceil(n / 2) - 1) / n
    if name == "trimmed_mean":
        return np.floor(kw.get("trim", TRIM.default) * n) / n
    b = min(kw.get("buckets", BUCKETS.default), n)  # median_of_means
    return (np.ceil(b / 2) - 1) / n


def get_estimator(name: str):
    return ESTIMATORS[ESTIMATOR.coerce(name)]


# --------------------------------------------------------------------------- distance-based and scale-free statistics
# (added for federated aggregation, sim/aggregation; additive: above, only trimmed_mean's opt-in
# return_cuts is new, and its default output is unchanged)


def _kept_cuts(s: np.ndarray, g: np.ndarray, k: np.ndarray):
    """Sorted (..., n, d): the entries at index g and k - g - 1 along axis -2 (lo, hi), each (..., d)."""
    lo = np.take_along_axis(s, np.broadcast_to(g[..., None, None], (*g.shape, 1, s.shape[-1])), axis=-2)[..., 0, :]
    hi = np.take_along_axis(s, np.broadcast_to((k - g - 1)[..., None, None], (*g.shape, 1, s.shape[-1])), axis=-2)[
        ..., 0, :
    ]
    return lo, hi


_GRAM_BLOCK_BYTES = 1 << 22  # a block of columns of every row (4 MiB): read from memory once, then cache-resident


def _centred_gram(x: np.ndarray, ok: np.ndarray, prove: bool, centre: np.ndarray | None = None):
    """Gram matrix (..., n, n) of the rows of x centred on the coordinate-wise mean of the ``ok`` rows.

    Rows not ``ok`` count as 0 (they may hold anything). The columns are taken
    in blocks: each block's mean, centring (into a buffer this function owns,
    so ``x`` is never copied whole) and Gram product run while the block is in
    cache, and the Gram matrices of the blocks add up. ``prove``: return None
    as soon as a block's mean is not finite. A finite mean proves every ``ok``
    entry of its columns finite (NaN, or inf - inf, propagates through the
    sum), so a full result proves the ``ok`` rows finite; None means an ``ok``
    row holds NaN/±inf, or a sum overflowed (the caller then checks rows exactly).
    ``centre`` (..., d), only with ``prove`` False: centre on it instead (no mean computed).
    """
    n, d = x.shape[-2:]
    batch = x.shape[:-2]
    whole = bool(ok.all())
    cnt = np.maximum(ok.sum(-1), 1)[..., None, None]  # (..., 1, 1)
    okc = ok[..., None]
    width = max(1, min(d, max(256, _GRAM_BLOCK_BYTES // (8 * max(1, n * int(np.prod(batch)))))))
    gram = np.zeros((*batch, n, n))
    buf = np.empty((*batch, n, width))
    acc = np.empty((*batch, 1, width))
    for s in range(0, d, width):
        xb = x[..., s : s + width]
        c = buf[..., : xb.shape[-1]]
        with np.errstate(invalid="ignore", over="ignore"):
            if centre is not None:
                np.subtract(xb, centre[..., None, s : s + width], out=c)
                if not whole:
                    np.copyto(c, 0.0, where=~okc)
                mu = None
            elif whole:  # the block's mean, as xb.mean(-2) but into a buffer
                mu = acc[..., : xb.shape[-1]]
                np.add.reduce(xb, axis=-2, keepdims=True, out=mu)
                mu /= n
                np.subtract(xb, mu, out=c)
            else:
                np.copyto(c, 0.0)
                np.copyto(c, xb, where=okc)
                mu = c.sum(-2, keepdims=True) / cnt
                np.subtract(c, mu, out=c, where=okc)
            if prove and not np.isfinite(mu).all():
                return None
            gram += c @ np.swapaxes(c, -1, -2)
    return gram


def _sq_distances(x: np.ndarray, mask: np.ndarray, centre=None):
    """(pairwise_sq_distances(x, mask, centre), ok): ok (..., n) marks the active finite rows."""
    gram = None
    if centre is not None:
        try:
            centre = np.broadcast_to(np.asarray(centre, dtype=float), (*x.shape[:-2], x.shape[-1]))
        except ValueError:
            raise ParamError(
                f"centre: must have shape (..., d) = {(*x.shape[:-2], x.shape[-1])}, got {np.shape(centre)}"
            ) from None
    if centre is not None and mask.all():
        gram = _centred_gram(x, mask, prove=False, centre=centre)
        if not np.isfinite(np.diagonal(gram, axis1=-2, axis2=-1)).all():
            gram = None  # a NaN/±inf row (or centre, or an overflow): decide below
    if gram is None:
        gram = _centred_gram(x, mask, prove=True)  # the common case: the masked-in rows are finite, one pass
    ok = mask
    if gram is None:  # some active row is NaN/±inf (or a sum overflowed)
        ok = mask & ~bad_rows(x)
        gram = _centred_gram(x, ok, prove=False)
    n = x.shape[-2]
    pair_ok = ok[..., :, None] & ok[..., None, :]
    d2, sq = _d2_from_gram(gram)
    others = pair_ok & ~np.eye(n, dtype=bool)
    # The mean is no centre when far rows drag it off the others (a finite attacker at 1e150, or at 50x a common
    # offset of 1e8): the others' distances then drown in rounding, or overflow. Then centre on the coordinate-wise
    # median of the finite active rows (breakdown 1/2: near the majority), in the entries where that happens.
    drag = _DRAG * np.sqrt(x.shape[-1])
    with np.errstate(invalid="ignore", over="ignore"):
        far = np.any(others & ~np.isfinite(d2), axis=(-2, -1))
        # cheap sufficient test first: every distance far above the rounding of the largest centred norm
        risky = np.where(others, d2, np.inf).min(axis=(-2, -1), initial=np.inf) <= 2 * drag * np.where(ok, sq, 0.0).max(
            -1, initial=0.0
        )
        if np.any(risky & ~far):
            far |= risky & (
                nonneg_median(d2.reshape(*d2.shape[:-2], n * n), others.reshape(*others.shape[:-2], n * n))
                < drag * nonneg_median(sq, ok)
            )
    if np.any(far):
        some = ok | ~ok.any(-1, keepdims=True)  # an entry with no finite active row: all zeros
        med = median(np.where(ok[..., None], x, 0.0), some)
        d2m = _d2_from_gram(_centred_gram(x, ok, prove=False, centre=med))[0]
        d2 = np.where(far[..., None, None], d2m, d2)
    d2[..., np.arange(n), np.arange(n)] = 0.0
    return np.where(pair_ok & np.isfinite(d2), d2, np.inf), ok


# recentre when the typical distance is below _DRAG sqrt(d) times the typical centred squared norm: its rounding
# error (about eps sqrt(d) times that norm) would then exceed about 1e-8 of it
_DRAG = 1e8 * np.finfo(float).eps


def _d2_from_gram(gram: np.ndarray):
    """(squared distances (..., n, n) clipped at 0, NaN where they overflow; squared norms (..., n)) from a Gram matrix."""
    sq = np.diagonal(gram, axis1=-2, axis2=-1)  # squared norms of the centred rows
    with np.errstate(over="ignore", invalid="ignore"):
        d2 = sq[..., :, None] + sq[..., None, :] - 2.0 * gram
    return np.maximum(d2, 0.0), sq


def pairwise_sq_distances(x, mask=None, centre=None) -> np.ndarray:
    """(..., n, n) squared Euclidean distances between the rows of ``x`` (..., n, d), by one Gram product.

    Rows that are masked out or hold NaN/±inf are infinitely far from every
    row (themselves included), so they are nobody's neighbour. The diagonal of
    an active finite row is exactly 0; rounding below 0 is clipped to 0.
    Each row is centred on the batch's coordinate-wise mean of the finite
    active rows first (distances do not change; cancellation does). The
    Gram product runs over blocks of columns (_centred_gram), and the
    finiteness of the rows is proved by the finite centring mean; rows are
    checked one by one only when it is not finite. Where far finite rows drag
    the mean off the others (their distances would drown in rounding, or
    overflow), the batch entry is recentred on the coordinate-wise median of
    its finite active rows (breakdown point 1/2).

    ``centre`` (..., d), optional: a point to centre on instead of that mean,
    for a caller that already has the mean (federated aggregation gets it from
    its own finiteness check). Distances do not depend on it, rounding does:
    it must lie near the rows. It is used only when every row is active, and
    only if every centred row has a finite squared norm; otherwise the call
    proceeds as without it.
    """
    x, mask = _prep(x, mask)
    return _sq_distances(x, mask, centre)[0]


def krum_scores(x, f: int, mask=None, neighbours: int | None = None, centre=None) -> np.ndarray:
    """(..., n) Krum scores: sum of squared distances from each row to its ``neighbours`` nearest other rows.

    Blanchard et al. (2017), Sec. 4: ``neighbours = n - f - 2`` by default
    (n = active rows). A non-finite or masked row scores +inf; distances to
    such rows are +inf, so a finite row's score is +inf only when fewer than
    ``neighbours`` finite rows are left. ``centre``: as in pairwise_sq_distances.
    """
    x, mask = _prep(x, mask)
    f = F.coerce(f)
    n = x.shape[-2]
    k_active = int(mask.sum(-1).min()) if mask.size else 0
    k = (k_active - int(f) - 2) if neighbours is None else int(neighbours)
    if not 1 <= k <= max(n - 1, 1):
        raise ParamError(
            f"neighbours: Krum needs between 1 and n - 1 = {n - 1} neighbours; n - f - 2 = {k} "
            f"(n = {k_active} active rows, f = {f}): f must be at most n - 3"
        )
    d2, ok = _sq_distances(x, mask, centre)
    d2[..., np.arange(n), np.arange(n)] = np.inf  # a row is not its own neighbour
    near = np.partition(d2, k - 1, axis=-1)[..., :k]
    with np.errstate(invalid="ignore"):
        s = near.sum(-1)
    return np.where(ok, s, np.inf)


def mean_around_median(x, mask=None, rng=None, f: int = F.default) -> np.ndarray:
    """Coordinate-wise mean of the k - f active values closest to the median (MeaMed; Xie et al. 2018).

    Breakdown point: f/k while f < k/2. Non-finite rows are the alternating
    ±inf outliers of the median, so they are never among the closest values
    while finite values are enough.
    """
    f = F.coerce(f)
    x, mask = _prep(x, mask)
    k = mask.sum(-1)
    keep = k - int(f)
    if np.any(keep < 1):
        raise EstimatorError("mean_around_median: f leaves no active value to average")
    med = median(x, mask)
    xin = outliers_to_inf(x, mask)
    with np.errstate(invalid="ignore"):
        dev = np.abs(xin - med[..., None, :])
    dev = np.where(mask[..., None], dev, np.inf)  # masked rows sort last
    dev = np.where(np.isnan(dev), np.inf, dev)
    order = np.argsort(dev, axis=-2, kind="stable")
    vals = np.take_along_axis(xin, order, axis=-2)
    return _check_finite("mean_around_median", _order_stat_mean(vals, np.zeros_like(k), keep))


def robust_zscores(v, mask=None) -> np.ndarray:
    """|v - median| / scale over the last axis, scale = 1.4826 MAD (Iglewicz & Hoaglin's modified z-score).

    No masking: one outlier moves neither the median nor the MAD. When the MAD
    is 0 (over half the values tie) the scale falls back to 1.2533 times the
    mean absolute deviation from the median; when that is 0 too, every value
    equal to the median scores 0 and any other +inf. NaN/±inf values score
    +inf and take no part in the median or the scale. Masked entries: NaN.
    """
    v = np.asarray(v, dtype=float)
    mask = np.ones(v.shape, dtype=bool) if mask is None else np.broadcast_to(np.asarray(mask, bool), v.shape)
    fin = mask & np.isfinite(v)
    if np.any(fin.sum(-1) == 0):
        raise EstimatorError("robust_zscores: nothing finite left: no finite active value")
    med = median(np.where(fin, v, 0.0)[..., None], fin)[..., 0]
    dev = np.abs(np.where(fin, v, med[..., None]) - med[..., None])
    mad_ = nonneg_median(dev, fin)
    mean_ad = np.where(fin, dev, 0.0).sum(-1) / fin.sum(-1)
    scale = np.where(mad_ > 0, 1.482602218505602 * mad_, 1.2533141373155001 * mean_ad)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(
            scale[..., None] > 0, dev / np.where(scale > 0, scale, 1.0)[..., None], np.where(dev > 0, np.inf, 0.0)
        )
    z = np.where(fin, z, np.inf)
    return np.where(mask, z, np.nan)
