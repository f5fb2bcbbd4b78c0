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

import itertools
import math

import numpy as np

from ..core.errors import ParamError
from ..core.plugins import load_plugins
from ..stats import robust

_EPS = 1e-12
TRACK_COORDS = 8192  # coordinate-wise shares are measured on at most this many evenly spaced coordinates


def _track_view(*arrs):
    """Every s-th coordinate (s = ceil(d / TRACK_COORDS)) of each array: shares of long vectors at a fixed cost."""
    d = arrs[0].shape[-1]
    s = -(-d // TRACK_COORDS)
    return arrs if s == 1 else tuple(np.ascontiguousarray(a[..., ::s]) for a in arrs)


def _f(name: str, f) -> int:
    if isinstance(f, bool) or not isinstance(f, (int, np.integer)) or f < 0:
        raise ParamError(f"{name}: must be an integer in [0, inf), got {f!r}")
    return int(f)


def _k(mask: np.ndarray) -> int:
    """The number of active rows, which must be the same in every batch entry."""
    k = mask.sum(-1)
    if k.size and not np.all(k == k.flat[0]):
        raise ParamError("mask: every batch entry must have the same number of active clients")
    return int(k.flat[0]) if k.size else 0


def _normalise(w: np.ndarray, mask: np.ndarray) -> np.ndarray:
    w = np.where(mask, w, 0.0)
    s = w.sum(-1, keepdims=True)
    return np.where(s > 0, w / np.where(s > 0, s, 1.0), 0.0)


def _prep(x, mask):
    x = np.asarray(x, dtype=float)
    if x.ndim < 2:
        raise ParamError(f"x: must have shape (..., n, d), got shape {x.shape}")
    mask = np.ones(x.shape[:-1], bool) if mask is None else np.broadcast_to(np.asarray(mask, bool), x.shape[:-1])
    return x, mask


# --------------------------------------------------------------------------- coordinate-wise rules
def _band_shares(x, mask, lo, hi):
    """Shares of a coordinate-wise rule that averages the values inside [lo, hi] (ties all count)."""
    with np.errstate(invalid="ignore"):
        used = x >= lo[..., None, :]
        used &= x <= hi[..., None, :]
    used &= mask[..., None]
    w = 1.0 / np.maximum(np.count_nonzero(used, axis=-2), 1)  # (..., d)
    return np.einsum("...nd,...d->...n", used, w) / x.shape[-1]


def mean(x, mask=None, rng=None, *, weights=None, track=True):
    """Weighted mean of the active rows (breakdown point 0): the baseline every attack breaks."""
    x, mask = _prep(x, mask)
    w = np.ones(mask.shape) if weights is None else np.broadcast_to(np.asarray(weights, float), mask.shape)
    w = _normalise(w, mask)
    with np.errstate(over="ignore", invalid="ignore"):
        agg = np.einsum("...n,...nd->...d", w, np.where(mask[..., None], x, 0.0))
    return agg, w


def coordinate_median(x, mask=None, rng=None, *, track=True):
    """Coordinate-wise median (breakdown point 1/2): robust.median.

    Shares: per coordinate the one or two middle values (and their ties) count;
    the two middle values are found by a running max/min over clients (a loop
    over the n clients, each step vectorised over coordinates and batch).
    """
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


def trimmed_mean(x, mask=None, rng=None, *, trim=0.1, track=True):
    """Coordinate-wise mean after dropping floor(trim k) values at each end (breakdown trim): robust.trimmed_mean."""
    x, mask = _prep(x, mask)
    if not track:
        return robust.trimmed_mean(x, mask, trim=trim), None
    agg, lo, hi = robust.trimmed_mean(x, mask, trim=trim, return_cuts=True)
    xs, lo, hi = _track_view(x, lo, hi)
    xin = xs if (mask.all() and np.isfinite(xs).all()) else robust.outliers_to_inf(xs, mask)
    return agg, _band_shares(xin, mask, lo, hi)


def mean_around_median(x, mask=None, rng=None, *, f=0, track=True):
    """Mean of the k - f values closest to the coordinate-wise median (MeaMed, Xie et al. 2018)."""
    x, mask = _prep(x, mask)
    f = _f("f", f)
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
    x, mask = _prep(x, mask)
    agg = robust.geometric_median(x, mask, tol=tol, max_iter=max_iter)
    if not track:
        return agg, None
    with np.errstate(invalid="ignore", over="ignore"):
        dist = np.sqrt(np.einsum("...nd,...nd->...n", x - agg[..., None, :], x - agg[..., None, :]))
    scale = np.maximum(robust.nonneg_median(dist, mask), _EPS)
    dist = np.maximum(dist, 1e-6 * scale[..., None])
    return agg, _normalise(np.where(np.isfinite(dist), 1.0 / dist, 0.0), mask)


def krum(x, mask=None, rng=None, *, f=0, m=1, neighbours=None, track=True, centre=None):
    """(Multi-)Krum: average of the m rows of lowest Krum score (Blanchard et al. 2017; m = 1 is Krum).

    Score: sum of squared distances to the n - f - 2 nearest other rows
    (robust.krum_scores; ``neighbours`` overrides n - f - 2). ``centre``: the
    rows' mean when the caller has it already (robust.pairwise_sq_distances).
    """
    x, mask = _prep(x, mask)
    f = _f("f", f)
    k = _k(mask)
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or not 1 <= m <= max(k, 1):
        raise ParamError(f"m: must be an integer in [1, {k}] (the active clients), got {m!r}")
    scores = robust.krum_scores(x, f, mask, neighbours=neighbours, centre=centre)
    scores = np.where(np.isnan(scores), np.inf, scores)
    chosen = np.argsort(scores, axis=-1, kind="stable")[..., :m]
    w = np.zeros(mask.shape)
    np.put_along_axis(w, chosen, 1.0 / m, axis=-1)
    agg = np.take_along_axis(x, chosen[..., None], axis=-2).mean(-2)
    return agg, w


def multi_krum(x, mask=None, rng=None, *, f=0, m=None, neighbours=None, track=True):
    """Multi-Krum with m = n - f by default (the average of the n - f best-scored rows)."""
    x, mask = _prep(x, mask)
    m = _k(mask) - _f("f", f) if m is None else m
    return krum(x, mask, rng, f=f, m=m, neighbours=neighbours, track=track)


def centered_clipping(x, mask=None, rng=None, *, radius=None, iters=3, track=True):
    """Centered clipping (Karimireddy, He & Jaggi 2021): v <- v + mean_i clip_radius(x_i - v), ``iters`` times.

    Starts at the coordinate-wise median (the stateless server has no
    previous aggregate); ``radius`` None takes the median distance of the
    active rows from that start, so the rule is scale-free.
    """
    x, mask = _prep(x, mask)
    if isinstance(iters, bool) or not isinstance(iters, (int, np.integer)) or iters < 1:
        raise ParamError(f"iters: must be an integer in [1, inf), got {iters!r}")
    v = robust.median(x, mask)
    if radius is None:
        d0 = np.sqrt(np.einsum("...nd,...nd->...n", x - v[..., None, :], x - v[..., None, :]))
        tau = robust.nonneg_median(d0, mask)
    else:
        if not (
            isinstance(radius, (int, float)) and not isinstance(radius, bool) and radius > 0 and math.isfinite(radius)
        ):
            raise ParamError(f"radius: must be a number in (0, inf), got {radius!r}")
        tau = np.full(mask.shape[:-1], float(radius))
    k = mask.sum(-1)
    xz = np.where(mask[..., None], x, 0.0)
    lam = np.ones(mask.shape)
    for _ in range(int(iters)):
        diff = xz - v[..., None, :]
        dist = np.sqrt(np.einsum("...nd,...nd->...n", diff, diff))
        lam = np.where(mask, np.minimum(1.0, tau[..., None] / np.maximum(dist, _EPS)), 0.0)
        lam = np.where(tau[..., None] > 0, lam, np.where(dist > 0, 0.0, 1.0) * mask)
        v = v + np.einsum("...n,...nd->...d", lam, diff) / k[..., None]
    return v, _normalise(lam, mask)


MDA_MAX_SUBSETS = 200_000


def minimum_diameter_averaging(x, mask=None, rng=None, *, f=0, track=True):
    """Average of the n - f rows whose set has the smallest diameter (El-Mhamdi et al. 2018); small n only.

    All C(n, f) subsets are scored at once (chunked), from one pairwise
    distance matrix; at most MDA_MAX_SUBSETS subsets.
    """
    x, mask = _prep(x, mask)
    f = _f("f", f)
    k = _k(mask)
    m = k - f
    if m < 1:
        raise ParamError(f"f: must leave at least one client, got f = {f} of {k}")
    n_sub = math.comb(k, m)
    if n_sub > MDA_MAX_SUBSETS:
        raise ParamError(
            f"f: minimum-diameter averaging scores C(n, f) subsets; C({k}, {f}) = {n_sub} is above "
            f"{MDA_MAX_SUBSETS}: use fewer clients or another rule"
        )
    d2 = robust.pairwise_sq_distances(x, mask)  # (..., n, n)
    batch = d2.shape[:-2]
    n = x.shape[-2]
    d2f = d2.reshape(-1, n, n)
    active = np.argsort(~mask.reshape(-1, n), axis=-1, kind="stable")[:, :k]  # (B, k) active rows first
    combos = np.array(list(itertools.combinations(range(k), m)), dtype=np.intp).reshape(-1, m)  # (C, m)
    best_val = np.full(d2f.shape[0], np.inf)
    best_idx = np.zeros(d2f.shape[0], dtype=np.intp)
    iu, ju = np.triu_indices(m, 1)  # the m(m-1)/2 pairs inside a subset
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
    return agg, w


# --------------------------------------------------------------------------- pre-aggregation
def nearest_neighbour_mixing(x, mask=None, rng=None, *, f=0):
    """NNM (Allouah et al. 2023): each row becomes the mean of its k - f nearest active rows (itself included)."""
    x, mask = _prep(x, mask)
    f = _f("f", f)
    k = _k(mask)
    q = k - f
    if q < 1:
        raise ParamError(f"f: must leave at least one client, got f = {f} of {k}")
    d2 = robust.pairwise_sq_distances(x, mask)
    nn = np.argpartition(d2, q - 1, axis=-1)[..., :q]  # (..., n, q); a row is its own nearest
    M = np.zeros(d2.shape)
    np.put_along_axis(M, nn, 1.0 / q, axis=-1)
    M = np.where(mask[..., :, None], M, 0.0)
    xz = np.where(mask[..., None], x, 0.0)
    return M @ xz, mask, M


def bucketing(x, mask=None, rng=None, *, bucket_size=2):
    """Bucketing (Karimireddy, He & Jaggi 2022): shuffle the active rows (``rng``) and average buckets of s."""
    if rng is None:
        raise ParamError("rng: bucketing needs a numpy Generator for its random permutation")
    if isinstance(bucket_size, bool) or not isinstance(bucket_size, (int, np.integer)) or bucket_size < 1:
        raise ParamError(f"bucket_size: must be an integer in [1, inf), got {bucket_size!r}")
    x, mask = _prep(x, mask)
    k = _k(mask)
    s = int(bucket_size)
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
    x, mask = _prep(x, mask)
    norms = np.sqrt(
        np.einsum("...nd,...nd->...n", np.where(mask[..., None], x, 0.0), np.where(mask[..., None], x, 0.0))
    )
    if radius is None:
        c = robust.nonneg_median(norms, mask)
    else:
        if not (
            isinstance(radius, (int, float)) and not isinstance(radius, bool) and radius > 0 and math.isfinite(radius)
        ):
            raise ParamError(f"radius: must be a number in (0, inf), got {radius!r}")
        c = np.full(mask.shape[:-1], float(radius))
    lam = np.where(mask, np.minimum(1.0, c[..., None] / np.maximum(norms, _EPS)), 0.0)
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


def parse_pipeline(spec: str) -> tuple[tuple[str, ...], str]:
    """ "nnm+bucketing+krum" -> (("nnm", "bucketing"), "krum"); ParamError names the allowed parts."""
    if not isinstance(spec, str) or not spec:
        raise ParamError(f"aggregator: must be a rule name, optionally after pre-steps joined by '+', got {spec!r}")
    parts = spec.split("+")
    *pre, rule = parts
    if rule not in RULES and rule not in rule_names():
        raise ParamError(f"aggregator: rule must be one of {', '.join(rule_names())}, got {rule!r}")
    for p in pre:
        if p not in PRE:
            raise ParamError(f"aggregator: pre-aggregation step must be one of {', '.join(PRE)}, got {p!r}")
    return tuple(pre), rule


def run_pipeline(spec: str, x, mask=None, rng=None, *, f=0, trim=0.1, bucket_size=2, track=True):
    """Run "pre+...+rule" on a stack: (aggregate (..., d), client shares (..., n) or None)."""
    pre, rule = parse_pipeline(spec)
    x, mask = _prep(x, mask)
    M_total = None
    f_cur = _f("f", f)
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
