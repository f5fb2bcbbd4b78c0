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

import math

import numpy as np

from ..core.errors import ParamError
from ..core.params import LiveChoices, Param

# The estimators' tuning parameters, declared once (the keyword defaults below are theirs).
TRIM = Param("trim", float, 0.1, "trimmed-mean fraction per end", low=0.0, high=0.5, low_open=True, high_open=True)
BUCKETS = Param("buckets", int, 5, "median-of-means buckets", low=1)
TOL = Param("tol", float, 1e-9, "Weiszfeld stopping step, relative to the spread of the data", low=0.0, low_open=True)
F = Param("f", int, 0, "number of Byzantine rows to tolerate", low=0)
MAX_ITER = Param("max_iter", int, 1000, "most Weiszfeld steps", low=1)

# "Plainly fine" input: every entry finite, and so far inside the float range that no sum, square, squared
# distance or Gram entry of such rows can overflow -- for a sorted copy, its extreme rows below PLAIN in
# magnitude; for any x, its sum of squares below SQ_SAFE (one pass, one BLAS call; NaN/±inf fail it). The
# fast paths for such input skip every NaN/inf/overflow guard and compute the general paths' numbers bit for
# bit; anything else takes the general paths, which handle non-finite rows and extreme finite values.
PLAIN = 1e100
SQ_SAFE = np.finfo(float).max / 16
_SMALL = 1 << 14  # below this many entries plain_sort checks x first (is_plain); above, two rows of the sort


class EstimatorError(ValueError):
    """Raised when too few finite values are left to estimate anything."""


def plain_sort(x: np.ndarray) -> np.ndarray | None:
    """np.sort(x, axis=-2) when x (..., n, d), n, d >= 1, is plainly fine (see PLAIN), else None.

    Sorted, a column's first and last entries are its extremes (NaN sorts last), so the check reads two rows.
    """
    if x.size <= _SMALL:
        return np.sort(x, axis=-2) if is_plain(x) else None
    s = np.sort(x, axis=-2)
    lo, hi = np.minimum.reduce(s[..., 0, :], axis=None), np.maximum.reduce(s[..., -1, :], axis=None)
    return s if -PLAIN < lo and hi < PLAIN else None


def plain_sorted(x: np.ndarray) -> np.ndarray | None:
    """np.sort(x, axis=-2) when x is plainly fine by is_plain (checked first: no sort is wasted), else None."""
    return np.sort(x, axis=-2) if is_plain(x) else None


def is_plain(x: np.ndarray) -> bool:
    """The non-empty x plainly fine: its sum of squares below SQ_SAFE (one BLAS vdot) for up to 8,192 entries,
    above that every |x| below PLAIN (two reductions: a multithreaded BLAS dot of a long vector can spin for
    milliseconds on a busy machine, and the reductions need no BLAS)."""
    if x.size > 8192:
        return bool(-PLAIN < np.minimum.reduce(x, axis=None) and np.maximum.reduce(x, axis=None) < PLAIN)
    return bool(np.vdot(x, x) < SQ_SAFE)  # vdot: an overflow is an answer (inf), with no warning to silence


def _plain_input(x, mask):
    """x as a float array with at least one row and one column, when there is no mask; else None."""
    if mask is not None:
        return None
    x = np.asarray(x, dtype=float)
    return x if x.ndim >= 2 and x.shape[-2] and x.shape[-1] else None


def finite_absmax(x: np.ndarray) -> float:
    """The largest |x_ij| over the finite entries (0 if none)."""
    with np.errstate(invalid="ignore"):
        a = np.abs(x)
    return float(np.max(a, initial=0.0, where=np.isfinite(a)))


def int_param(p: Param, v) -> int:
    """p.coerce(v) for an int parameter, with a plain int in range accepted at once (hot paths)."""
    if type(v) is int and (p.low is None or v >= p.low) and (p.high is None or v <= p.high):
        return v
    return p.coerce(v)


# A 2-D x larger than this many entries is sorted by columns in blocks that stay in the cache (sorted_columns).
_BLOCKED = 1 << 17
_BLOCK = 1 << 16  # entries of one block (512 KiB)


def blocked(x: np.ndarray) -> bool:
    """Whether sorted_columns takes x: 2-D, over _BLOCKED entries, and its columns short enough that a block
    holds 64 of them or more (narrower blocks cost more than they save: 1.1x np.sort at 8192 x 17)."""
    return x.ndim == 2 and x.size > _BLOCKED and 2 <= x.shape[0] <= _BLOCK // 64 and x.shape[1] >= 16


def sorted_columns(x: np.ndarray, rows, band=None):
    """Rows ``rows`` of np.sort(x, axis=0) as an array (len(rows), d) and, with ``band`` = (i, j), the sum from
    0.0 of its rows i:j (d,): both None when x (n, d), see ``blocked``, is not plainly fine.

    No sorted copy of x is made. Column block by column block, the block's columns are copied as rows into a
    buffer that stays in the cache and sorted there (numpy sorts contiguous rows about 1.5x as fast as it sorts
    along axis 0 of a large array), the rows asked for are copied out and the band is copied back as rows and
    added row after row. The numbers are the whole sort's bit for bit: the same sort kernel orders each
    column; over d >= 2 columns numpy adds a sum's rows one after the other, and each block is at least 2 wide.
    """
    n, d = x.shape
    w = min(1024, _BLOCK // n)  # columns per block
    starts = list(range(0, d, w))
    if d - starts[-1] < 2:  # a last block of one column would be summed in pairs: it joins the one before
        starts.pop()
    ends = [*starts[1:], d]
    take = [0, n - 1, *rows]  # the extremes, for the plainness check, then the rows asked for
    picked = np.empty((len(take), d))
    buf = np.empty((w + 1, n))
    total = mid = None
    if band is not None:
        i, j = band
        total, mid = np.empty(d), np.empty((j - i, w + 1))
    for c0, c1 in zip(starts, ends):
        t = buf[: c1 - c0]
        np.copyto(t.T, x[:, c0:c1])
        t.sort(axis=-1)
        picked[:, c0:c1] = t[:, take].T
        if band is not None:
            m = mid[:, : c1 - c0]
            np.copyto(m, t[:, i:j].T)
            np.add.reduce(m, axis=0, initial=0.0, out=total[c0:c1])
    if not (-PLAIN < np.minimum.reduce(picked[0]) and np.maximum.reduce(picked[1]) < PLAIN):
        return None, None
    return picked[2:], total


def plain_median(x: np.ndarray, presort=plain_sort):
    """(median, the middle rows (n - 1) // 2 and n // 2 of the sort) along axis -2 of a plainly fine x; None
    when x is not plainly fine. ``presort``: plain_sort, or plain_sorted when a check before the sort saves a
    wasted one (a large 2-D x goes to sorted_columns, which checks as it goes)."""
    n = x.shape[-2]
    if blocked(x):
        ab, _ = sorted_columns(x, ((n - 1) // 2, n // 2))
        if ab is None:
            return None
        a, b = ab
    else:
        s = presort(x)
        if s is None:
            return None
        a, b = s[..., (n - 1) // 2, :], s[..., n // 2, :]
    return 0.5 * (a + b), a, b


def plain_trimmed(x: np.ndarray, trim: float, presort=plain_sort):
    """(trimmed mean, lowest kept, highest kept) along axis -2 of a plainly fine x (trimmed_of_sorted's numbers
    bit for bit); None when x is not plainly fine. ``presort``: as plain_median's."""
    n = x.shape[-2]
    g = math.floor(trim * n)
    if g and blocked(x):
        cuts, total = sorted_columns(x, (g, n - g - 1), (g, n - g))
        if cuts is None:
            return None
        total /= n - 2 * g
        return total, cuts[0], cuts[1]
    s = presort(x)
    return None if s is None else trimmed_of_sorted(s, trim)


def median_of_sorted(s: np.ndarray) -> np.ndarray:
    """Median along axis -2 of a plainly fine sorted s (..., n, d): the mean of the one or two middle rows."""
    n = s.shape[-2]
    return 0.5 * (s[..., (n - 1) // 2, :] + s[..., n // 2, :])


def trimmed_of_sorted(s: np.ndarray, trim: float):
    """(trimmed mean, lowest kept, highest kept) along axis -2 of a plainly fine sorted s (may overwrite s).

    The general path sums every row with the floor(trim n) rows at each end zeroed. Over rows of d >= 2
    coordinates numpy adds row after row, so the kept rows' sum started from 0.0 (which only turns -0.0 into
    0.0, as the leading zeros do) is that sum, bit for bit, without the zeros; over one coordinate numpy sums
    in pairs and the zeros take part in the pairing, so they are written.
    """
    n = s.shape[-2]
    g = math.floor(trim * n)
    lo, hi = s[..., g, :], s[..., n - g - 1, :]
    if g and s.shape[-1] >= 2:
        out = np.add.reduce(s[..., g : n - g, :], axis=-2, initial=0.0)  # 0 + s_g + ...: the zeros' sum
    else:
        if g:
            s[..., :g, :] = 0.0
            s[..., n - g :, :] = 0.0
        out = np.add.reduce(s, axis=-2)
    out /= n - 2 * g
    return out, lo, hi


def _midpoint(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """0.5 (a + b); where a + b overflows while a and b are finite, 0.5 a + 0.5 b (the same number, in range)."""
    with np.errstate(invalid="ignore", over="ignore"):
        out = 0.5 * (a + b)
        if not np.isfinite(out).all():
            out = np.where(np.isinf(out) & np.isfinite(a) & np.isfinite(b), 0.5 * a + 0.5 * b, out)
    return out


def _safe_sum_ratio(vals: np.ndarray, cnt, axis: int) -> np.ndarray:
    """vals.sum(axis) / cnt, and where that sum overflows from finite values, the same ratio in range.

    The retry sums vals * 2^-p with 2^p >= the number of terms (exact scaling by a power of two), so it cannot
    overflow, and multiplies back by 2^p; entries whose terms hold ±inf keep their non-finite value.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        out = vals.sum(axis) / cnt
        if np.isfinite(out).all():
            return out
        p = int(vals.shape[axis]).bit_length()
        retry = np.ldexp(np.ldexp(vals, -p).sum(axis) / cnt, p)
        # where the sum overflowed (an overflowed partial sum can also give inf - inf = NaN), the retry
        return np.where(~np.isfinite(out) & np.isfinite(retry), retry, out)


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
    return _safe_sum_ratio(vals, cnt[..., None], -2)


def _check_finite(name: str, out: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(out)):
        raise EstimatorError(f"{name}: nothing finite left: too many reports are NaN or ±inf (or no report is active)")
    return out


def median(x, mask=None, rng=None) -> np.ndarray:
    """Coordinate-wise median of the active rows (breakdown point 1/2).

    Plainly fine input without a mask (see PLAIN) takes one sort and no guard. Otherwise one active count for
    the whole batch takes an O(n) selection for short rows and a sort for long ones (numpy's sort is
    vectorised, its multi-kth partition is not: 5x slower at 100 x 100,000); same order statistics either way.
    """
    xp = _plain_input(x, mask)
    if xp is not None and (r := plain_median(xp)) is not None:
        return r[0]
    x, mask = _prep(x, mask)
    k = mask.sum(-1)
    _check_active("median", k)
    xin = outliers_to_inf(x, mask)  # NaN (masked) sorts last
    if k.size and np.all(k == k.flat[0]) and k.flat[0] > 0:
        k0 = int(k.flat[0])
        lo, hi = (k0 - 1) // 2, k0 // 2
        if x.shape[-1] >= 32:
            part = np.sort(xin, axis=-2)
        else:
            part = np.partition(xin, (lo, hi) if hi != lo else lo, axis=-2)
        out = _midpoint(np.take(part, lo, axis=-2), np.take(part, hi, axis=-2))
        return _check_finite("median", out)
    s = np.sort(xin, axis=-2)
    return _check_finite("median", _order_stat_mean(s, (k - 1) // 2, k // 2 + 1))


def trimmed_mean(x, mask=None, rng=None, trim: float = TRIM.default, return_cuts: bool = False) -> np.ndarray:
    """Coordinate-wise mean after dropping floor(trim k) rows at each end (breakdown trim).

    ``return_cuts``: also return the lowest and highest kept values (..., d) (the order statistics
    g and k - g - 1), from the same sort. Plainly fine input without a mask takes one sort and no guard
    (trimmed_of_sorted: the general path's sum, bit for bit).
    """
    if not (type(trim) is float and 0.0 < trim < 0.5):
        trim = TRIM.coerce(trim)
    xp = _plain_input(x, mask)
    if xp is not None and (r := plain_trimmed(xp, trim)) is not None:
        return r if return_cuts else r[0]
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
    buckets = int_param(BUCKETS, buckets)
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
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        means = sums / cnt[..., None]
        if not np.isfinite(means).all():  # a bucket's sum of finite values overflowed: sum them scaled by 2^-p
            p = int(mask.shape[-1]).bit_length()
            retry = np.ldexp(
                np.einsum("...nb,...nd->...bd", onehot.astype(float), np.ldexp(xz, -p)) / cnt[..., None], p
            )
            means = np.where(~np.isfinite(means) & np.isfinite(retry), retry, means)
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
    # finite rows whose sum overflows still have a finite mean
    return _safe_sum_ratio(np.where(mask[..., None], x, 0.0), k[..., None], -2)


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


def geometric_median(x, mask=None, rng=None, tol: float = TOL.default, max_iter: int = MAX_ITER.default) -> np.ndarray:
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
    if not (type(tol) is float and 0.0 < tol < math.inf):
        tol = TOL.coerce(tol)
    if not (type(max_iter) is int and max_iter >= 1):
        max_iter = MAX_ITER.coerce(max_iter)
    xp = _plain_input(x, mask)
    if xp is not None and xp.ndim == 2 and is_plain(xp):
        return geometric_median_plain(xp, tol, max_iter)
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


def weiszfeld_steps(x, tol: float = 1e-9, max_iter: int = 1000) -> int:
    """The number of Weiszfeld steps geometric_median takes on a plainly fine (n, d) x (benchmarks compare it)."""
    return geometric_median_plain(np.asarray(x, dtype=float), tol, max_iter, return_steps=True)[1]


def geometric_median_plain(x: np.ndarray, tol: float, max_iter: int, return_steps: bool = False) -> np.ndarray:
    """geometric_median of one plainly fine (n, d) stack without a mask: the general path's numbers, fewer steps.

    The same scaling, start, spread and stop rule; a Weiszfeld step that lands near no row is the plain
    y <- sum_i x_i/d_i / sum_i 1/d_i (what _weiszfeld_step computes then), any other step is _weiszfeld_step.
    """
    n, d = x.shape
    scale = float(np.abs(x).max()) or 1.0
    xf = (x / scale)[None]  # (1, n, d), the shapes of the general path's loop
    y = median_of_sorted(np.sort(xf, axis=-2))  # (1, d)
    spread = median_of_sorted(np.sort(np.linalg.norm(xf - y[:, None, :], axis=-1)[..., None], axis=-2)).item()
    spread = spread if spread > 0 else float(np.abs(y).max()) + 1.0
    eps, stop = 1e-12 * spread, tol * spread
    fin = pull = None
    steps = 0
    for steps in range(1, max_iter + 1):  # noqa: B007 - the count is returned
        diff = xf - y[:, None, :]
        dist = np.sqrt(np.einsum("mnd,mnd->mn", diff, diff))
        if dist.min() > eps:  # y on no row: the plain Weiszfeld step
            inv = 1.0 / dist
            y_new = np.einsum("mn,mnd->md", inv, xf) / inv.sum(-1)[:, None]
        else:
            if fin is None:
                fin, pull = np.ones((1, n), bool), np.zeros((1, d))
            y_new = _weiszfeld_step(y, xf, fin, pull, np.array([eps]))
        step = y_new - y
        y = y_new
        if not np.sqrt(np.add.reduce(step * step, axis=-1))[0] > stop:  # np.linalg.norm(step, axis=-1)
            break
    return (y[0] * scale, steps) if return_steps else y[0] * scale


_BIG = np.finfo(float).max / 4


def nonneg_median(r, mask=None) -> np.ndarray:
    """Median over the last axis of non-negative values (distances); NaN/inf count as +inf.

    Unlike the location estimators (which send bad rows to +-inf in turn), a
    distance can only be outlying upwards; the result is +inf when at least
    half of the active values are. No active value: NaN.
    """
    r = np.asarray(r, dtype=float)
    if mask is None and r.ndim and r.shape[-1] and -PLAIN < r.min() and r.max() < PLAIN:  # plainly fine
        n = r.shape[-1]
        s = np.sort(r, axis=-1)
        return 0.5 * s[..., (n - 1) // 2] + 0.5 * s[..., n // 2]
    mask = np.ones(r.shape, dtype=bool) if mask is None else np.broadcast_to(np.asarray(mask, bool), r.shape)
    k = mask.sum(-1)
    vals = np.where(mask & np.isfinite(r), r, np.inf)  # NaN/±inf and masked values sort last
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
    return np.where(k > 0, out, np.nan)


def mad(x, mask=None, rng=None, normalize: bool = False) -> np.ndarray:
    """Coordinate-wise median absolute deviation median_i |x_i - median(x)| (Sec. III-C.1); breakdown 1/2.

    A non-finite row has an infinite deviation. ``normalize`` multiplies by
    1.4826 so that MAD estimates sigma for Gaussian data.
    """
    x, mask = _prep(x, mask)
    _check_active("mad", mask.sum(-1))
    med = median(x, mask)
    with np.errstate(invalid="ignore", over="ignore"):  # a deviation beyond the float range is inf, and sorts last
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
ESTIMATOR = Param("estimator", str, "median", "robust centre mu_hat", choices=LiveChoices(lambda: estimator_names()))
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


# MW centre estimators registered by plugins (sim.mw.centres fills it), same calling convention as ESTIMATORS.
PLUGIN_ESTIMATORS: dict = {}


def estimator_names() -> tuple[str, ...]:
    """Every centre estimator: the built-in ones, then those plugins registered (loaded first)."""
    from ..core.plugins import load_plugins

    load_plugins()
    return (*ESTIMATORS, *PLUGIN_ESTIMATORS)


def get_estimator(name: str):
    name = ESTIMATOR.coerce(name)
    return ESTIMATORS.get(name) or PLUGIN_ESTIMATORS[name]


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


def _gram_width(n: int, d: int, batch: int) -> int:
    """Columns per block of _centred_gram: a block of every row about _GRAM_BLOCK_BYTES, at least 256 columns."""
    return max(1, min(d, max(256, _GRAM_BLOCK_BYTES // (8 * max(1, n * batch)))))


def _centred_gram(x: np.ndarray, ok: np.ndarray, prove: bool, centre: np.ndarray | None = None):
    """Gram matrix (..., n, n) of the rows of x centred on the coordinate-wise mean of the ``ok`` rows.

    Rows not ``ok`` count as 0 (they may hold anything; ``ok`` None: every row is). The columns are taken
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
    whole = ok is None or bool(ok.all())
    if not whole:
        cnt = np.maximum(ok.sum(-1), 1)[..., None, None]  # (..., 1, 1)
        okc = ok[..., None]
    width = _gram_width(n, d, int(np.prod(batch)))
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


# Pairwise distances hold batch * n * n floats, and a few such matrices are alive at once: refuse beyond
# PAIRWISE_MAX_CELLS (2^26 = 0.5 GiB each; 8,192 clients) with a ParamError before anything is allocated.
PAIRWISE_MAX_CELLS = 1 << 26


def check_pairwise_size(shape: tuple) -> None:
    """ParamError when the pairwise distances of rows of x with ``shape`` (..., n, d) would exceed the cap."""
    n = shape[-2]
    cells = math.prod(shape[:-2]) * n * n
    if cells > PAIRWISE_MAX_CELLS:
        raise ParamError(
            f"x: pairwise distances of {n} rows need {cells:,} entries ({cells * 8 / 2**30:.1f} GiB per matrix); "
            f"at most {PAIRWISE_MAX_CELLS:,} ({math.isqrt(PAIRWISE_MAX_CELLS):,} rows): use fewer clients "
            "or a coordinate-wise rule"
        )


def _sq_distances(x: np.ndarray, mask: np.ndarray, centre=None):
    """(pairwise_sq_distances(x, mask, centre), ok): ok (..., n) marks the active finite rows."""
    check_pairwise_size(x.shape)
    gram = None
    if centre is not None:
        centre = _centre_arg(centre, x.shape)
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


def sq_distances_plain(x: np.ndarray, centre=None) -> np.ndarray | None:
    """pairwise_sq_distances(x, None, centre) of a plainly fine x (see PLAIN), the same numbers, or None.

    None: some centred squared norm is not below SQ_SAFE (a NaN/±inf row, or distances
    that could overflow), or the rows lie so close together for their distance from the centre that the
    general path would recentre them: then it is the general path's job. Otherwise every distance is finite,
    so the row checks and the NaN/overflow guards are skipped; the norms are the Gram matrix's diagonal, so
    the check costs no pass over x.
    """
    check_pairwise_size(x.shape)
    with np.errstate(all="ignore"):
        gram = _centred_gram(x, None, prove=False, centre=None if centre is None else _centre_arg(centre, x.shape))
        sq = np.diagonal(gram, axis1=-2, axis2=-1)
        top = sq.max(-1)
        if not np.all(top < SQ_SAFE):  # a NaN/±inf row, a bad centre, or distances that could overflow
            return None
        d2, sq = _d2_from_gram(gram)
    i = np.arange(x.shape[-2])
    d2[..., i, i] = np.inf
    drag = _DRAG * np.sqrt(x.shape[-1])
    if np.any(d2.min(axis=(-2, -1)) <= 2 * drag * top):  # the general path's recentring test
        return None
    d2[..., i, i] = 0.0
    return d2


def _centre_arg(centre, shape):
    try:
        return np.broadcast_to(np.asarray(centre, dtype=float), (*shape[:-2], shape[-1]))
    except ValueError:
        raise ParamError(
            f"centre: must have shape (..., d) = {(*shape[:-2], shape[-1])}, got {np.shape(centre)}"
        ) from None


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


def krum_neighbours(n: int, k_active: int, f: int, neighbours) -> int:
    """Krum's neighbour count: ``neighbours``, or k_active - f - 2; ParamError unless in [1, n - 1]."""
    k = (k_active - int(f) - 2) if neighbours is None else int(neighbours)
    if not 1 <= k <= max(n - 1, 1):
        raise ParamError(
            f"neighbours: Krum needs between 1 and n - 1 = {n - 1} neighbours; n - f - 2 = {k} "
            f"(n = {k_active} active rows, f = {f}): f must be at most n - 3"
        )
    return k


def krum_scores(x, f: int, mask=None, neighbours: int | None = None, centre=None) -> np.ndarray:
    """(..., n) Krum scores: sum of squared distances from each row to its ``neighbours`` nearest other rows.

    Blanchard et al. (2017), Sec. 4: ``neighbours = n - f - 2`` by default
    (n = active rows). A non-finite or masked row scores +inf; distances to
    such rows are +inf, so a finite row's score is +inf only when fewer than
    ``neighbours`` finite rows are left. ``centre``: as in pairwise_sq_distances.
    """
    f = int_param(F, f)
    xp = _plain_input(x, mask)
    if xp is not None and (s := krum_scores_plain(xp, f, neighbours, centre)) is not None:
        return s
    x, mask = _prep(x, mask)
    n = x.shape[-2]
    k = krum_neighbours(n, int(mask.sum(-1).min()) if mask.size else 0, f, neighbours)
    d2, ok = _sq_distances(x, mask, centre)
    d2[..., np.arange(n), np.arange(n)] = np.inf  # a row is not its own neighbour
    near = np.partition(d2, k - 1, axis=-1)[..., :k]
    with np.errstate(invalid="ignore"):
        s = near.sum(-1)
    return np.where(ok, s, np.inf)


def krum_scores_plain(x: np.ndarray, f: int, neighbours=None, centre=None, scratch=None) -> np.ndarray | None:
    """krum_scores of a plainly fine x without a mask (the general path's numbers), or None (sq_distances_plain).

    One (n, d) stack narrow enough for one block of _centred_gram is done inline (is_plain, centre, Gram
    product, the centred squared norms below SQ_SAFE, distances, the recentring test, the partition); wider
    or batched stacks go through sq_distances_plain. ``scratch``: a float64 array of x's shape the centred
    stack may be written into (a caller that calls again and again keeps one, so no fresh stack-sized block
    is faulted in on every call; the numbers do not depend on it).
    """
    n, d = x.shape[-2:]
    k = n - f - 2 if neighbours is None else neighbours
    if not 1 <= k <= max(n - 1, 1):
        krum_neighbours(n, n, f, neighbours)  # raises
    if x.ndim != 2 or d > max(256, _GRAM_BLOCK_BYTES // (8 * n)):  # not one block of _centred_gram
        d2 = sq_distances_plain(x, centre)
        if d2 is None:
            return None
        i = np.arange(n)
        d2[..., i, i] = np.inf  # a row is not its own neighbour
        return np.partition(d2, k - 1, axis=-1)[..., :k].sum(-1)
    if n * n > PAIRWISE_MAX_CELLS:
        check_pairwise_size(x.shape)
    if centre is None:
        if not is_plain(x):  # then nothing below can overflow (or warn)
            return None
        mu = np.add.reduce(x, axis=0)
        mu /= n
    else:
        mu = centre if type(centre) is np.ndarray and centre.shape == (d,) else _centre_arg(centre, x.shape)
        if not (is_plain(x) and is_plain(mu)):
            return None
    if scratch is not None and scratch.shape == x.shape and scratch.dtype == np.float64:
        c = np.subtract(x, mu, out=scratch)
    else:
        c = x - mu
    gram = c @ c.T
    sq = gram.diagonal()
    top = np.maximum.reduce(sq)
    if not top < SQ_SAFE:  # distances that could overflow (a caller's centre far off the rows): the general path
        return None
    d2 = sq[:, None] + sq
    gram *= -2.0  # (sq_i + sq_j) + (-2 g_ij): _d2_from_gram's numbers
    d2 += gram
    d2.ravel()[:: n + 1] = np.inf  # a row is not its own neighbour (d2 is contiguous: ravel is a view)
    # the general path's recentring test (its clipping at 0 is moot: a distance <= 0 fails the test too)
    if np.minimum.reduce(d2, axis=None) <= 2 * (_DRAG * math.sqrt(d)) * top:
        return None
    return np.add.reduce(np.partition(d2, k - 1, axis=-1)[:, :k], axis=-1)


def mean_around_median(x, mask=None, rng=None, f: int = 0) -> np.ndarray:
    """Coordinate-wise mean of the k - f active values closest to the median (MeaMed; Xie et al. 2018).

    Breakdown point: f/k while f < k/2. Non-finite rows are the alternating
    ±inf outliers of the median, so they are never among the closest values
    while finite values are enough. Values above a quarter of the largest
    float are averaged as x/4 (exact), so no deviation |x - median| overflows.
    """
    f = int_param(F, f)
    xp = _plain_input(x, mask)
    if xp is not None and (parts := meamed_plain(xp, f)) is not None:
        return parts[0]
    x, mask = _prep(x, mask)
    if finite_absmax(x) > _BIG:
        return np.ldexp(mean_around_median(np.ldexp(x, -2), mask, rng, f), 2)
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


def meamed_plain(x: np.ndarray, f: int):
    """mean_around_median of a plainly fine x without a mask, with its parts: (aggregate, median, |x - median|,
    the stable order of those deviations along axis -2); None when x is not plainly fine. The general path's
    numbers: its kept values, in its order, summed with the others zeroed."""
    s = plain_sort(x)
    if s is None:
        return None
    keep = x.shape[-2] - f
    if keep < 1:
        raise EstimatorError("mean_around_median: f leaves no active value to average")
    med = median_of_sorted(s)
    dev = np.abs(x - med[..., None, :])
    order = np.argsort(dev, axis=-2, kind="stable")
    vals = np.take_along_axis(x, order, axis=-2)
    vals[..., keep:, :] = 0.0
    return np.add.reduce(vals, axis=-2) / keep, med, dev, order


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
    if finite_absmax(v) > _BIG:  # z is scale-free: v/4 (exact) keeps every deviation in range
        v = np.ldexp(v, -2)
    med = median(np.where(fin, v, 0.0)[..., None], fin)[..., 0]
    dev = np.abs(np.where(fin, v, med[..., None]) - med[..., None])
    mad_ = nonneg_median(dev, fin)
    mean_ad = _safe_sum_ratio(np.where(fin, dev, 0.0), fin.sum(-1), -1)
    scale = np.where(mad_ > 0, 1.482602218505602 * mad_, 1.2533141373155001 * mean_ad)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # z beyond the float range: inf
        z = np.where(
            scale[..., None] > 0, dev / np.where(scale > 0, scale, 1.0)[..., None], np.where(dev > 0, np.inf, 0.0)
        )
    z = np.where(fin, z, np.inf)
    return np.where(mask, z, np.nan)
