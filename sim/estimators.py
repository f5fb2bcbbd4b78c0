"""Robust location estimators, vectorised over trials, with masks and attacks.

Shapes: ``x`` is (..., n, d) -- n sources (rows) of d coordinates, any leading
batch axes (trials); ``mask`` is (..., n), True for the rows that take part
(blacklisted sources are masked out). Every estimator returns (..., d).

Non-finite input is an attack: a row containing NaN or ±inf counts as
maximally outlying. For order statistics each coordinate of such a row is
placed at +inf or -inf (alternating between bad rows, so NaNs cannot all
push one way); the result stays finite while bad rows are fewer than the
estimator's breakdown point, and EstimatorError says so when nothing finite
is left.
"""

from __future__ import annotations

import numpy as np

from .errors import ParamError


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
    """Bad active rows -> ±inf (alternating by bad-row rank), masked rows -> NaN."""
    bad = bad_rows(x) & mask
    rank = np.cumsum(bad, axis=-1)
    sign = np.where(rank % 2 == 1, np.inf, -np.inf)
    out = np.where(bad[..., None], sign[..., None], x)
    return np.where(mask[..., None], out, np.nan)


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
    s = np.sort(outliers_to_inf(x, mask), axis=-2)  # NaN (masked) sorts last
    return _check_finite("median", _order_stat_mean(s, (k - 1) // 2, k // 2 + 1))


def trimmed_mean(x, mask=None, rng=None, trim: float = 0.1) -> np.ndarray:
    """Coordinate-wise mean after dropping floor(trim k) rows at each end (breakdown trim)."""
    if not 0 < trim < 0.5:
        raise ParamError(f"trim: must be a number in (0, 0.5), got {trim!r}")
    x, mask = _prep(x, mask)
    k = mask.sum(-1)
    g = np.floor(trim * k).astype(int)
    s = np.sort(outliers_to_inf(x, mask), axis=-2)
    return _check_finite("trimmed_mean", _order_stat_mean(s, g, k - g))


def median_of_means(x, mask=None, rng=None, buckets: int = 5) -> np.ndarray:
    """Coordinate-wise median of the means of ``buckets`` random buckets of the active rows.

    The partition is drawn from ``rng`` (required): active rows are shuffled
    and dealt into near-equal buckets; a bucket holding a bad row has a
    non-finite mean and counts as an outlier of the median (breakdown about
    buckets/2 bad rows).
    """
    if rng is None:
        raise ParamError("rng: median_of_means needs a numpy Generator for its random partition")
    x, mask = _prep(x, mask)
    k = mask.sum(-1)
    if np.any(k == 0):
        raise EstimatorError("median_of_means: nothing finite left: no report is active")
    b = np.minimum(buckets, k)                                   # (...,)
    keys = rng.random(mask.shape)
    keys = np.where(mask, keys, 2.0)                              # inactive last
    rank = np.argsort(np.argsort(keys, axis=-1), axis=-1)         # rank among rows, active first
    bucket = (rank * b[..., None]) // np.maximum(k[..., None], 1)  # 0..b-1 for active rows
    onehot = (bucket[..., None] == np.arange(buckets)) & mask[..., None]   # (..., n, B)
    xin = outliers_to_inf(x, mask)
    bad = ~np.isfinite(xin) & mask[..., None]
    xz = np.where(np.isfinite(xin), xin, 0.0)
    sums = np.einsum("...nb,...nd->...bd", onehot.astype(float), xz)
    cnt = onehot.sum(-2)                                          # (..., B)
    pos = np.einsum("...nb,...nd->...bd", onehot.astype(float), (bad & (xin > 0)).astype(float))
    neg = np.einsum("...nb,...nd->...bd", onehot.astype(float), (bad & (xin < 0)).astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / cnt[..., None]
    means = np.where(pos > neg, np.inf, np.where(neg > pos, -np.inf, np.where(pos > 0, np.inf, means)))
    bmask = np.arange(buckets) < b[..., None]
    return _check_finite("median_of_means", median(means, bmask))


# name -> estimator(x, mask=None, rng=None); every entry vectorised as above.
ESTIMATORS = {"median": median, "trimmed_mean": trimmed_mean, "median_of_means": median_of_means}


def get_estimator(name: str):
    if name not in ESTIMATORS:
        raise ParamError(f"estimator: must be one of {', '.join(ESTIMATORS)}, got {name!r}")
    return ESTIMATORS[name]
