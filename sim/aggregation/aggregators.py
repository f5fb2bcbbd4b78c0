"""Robust aggregators with the interface of the original aggregation module:
``aggregate(client_updates, weights=None) -> (aggregate, stats)``.

``client_updates`` is a list of arrays, client i's of shape [n_i, d] (a 1-D
array is one vector). As in the original module's CoordinateMedianAggregator, every
aggregator first draws ``num_samples_per_client`` vectors from each client
(without replacement when it has that many, with replacement only when it has
fewer) from its own Generator (``seed``, or a Generator passed as ``rng``), and
then aggregates the clients' s-th samples together for every s: the result
has shape [num_samples_per_client, d]. With ``num_samples_per_client=None``
the clients' vectors are aligned by index instead (every client must send the
same number; the usual federated case of one update vector per client).

A client whose update holds NaN or ±inf is an attacker: it is dropped before
aggregation and listed in ``stats["dropped_nonfinite"]``; so is a client that
sends no vector (``stats["dropped_empty"]``). The result is finite whenever
any finite client is left (the rules' breakdown points then apply to the
finite clients). ``stats`` also says how much each client counted:

- ``shares``: per client its share of the aggregate (sums to 1; see
  :mod:`sim.aggregation.rules` for what it means for each rule);
- ``excluded``: clients with share 0 (never entered the aggregate);
- ``downweighted``: clients that counted, but less than half the equal share 1/k;
- ``sample_indices``: the vectors drawn from each client.

``weights`` (per client) are used by the mean only; robust rules give every
client one vote, as the original module says (``stats["weights_used"]`` tells which).
"""

from __future__ import annotations

import functools
import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ..core.errors import ParamError
from ..core.params import Param
from ..core.rng import check_generator
from ..stats import robust
from ..stats.robust import EstimatorError
from . import rules

DOWNWEIGHT_FRACTION = 0.5

# The aggregators' own knobs; the rules' (f, trim, m, ...) are theirs, renamed where the original module says otherwise.
NUM_SAMPLES = Param("num_samples_per_client", int, 100, "vectors drawn from each client (None: aligned)", low=1)
SEED = Param("seed", int, 42, "seed of the aggregator's Generator", low=0)
NUM_BYZANTINE = replace(robust.F, name="num_byzantine")
TRIM_FRACTION = replace(robust.TRIM, name="trim_fraction")


class AggregationError(ValueError):
    """Nothing to aggregate: no client left after dropping non-finite or empty updates."""


def _opt(p: Param, v):
    """p's value, or None."""
    return None if v is None else robust.int_param(p, v)


def _make_rng(seed, rng) -> np.random.Generator:
    if rng is not None:
        return check_generator(rng)
    return np.random.default_rng(robust.int_param(SEED, seed))  # a Generator seeded through SeedSequence(seed)


def align_updates(client_updates, num_samples_per_client: int | None, rng: np.random.Generator):
    """Stack the clients' vectors to x (S, C, d), with the dropped clients masked out.

    Returns (x, mask (C,), sample_indices, dropped_nonfinite, dropped_empty).
    """
    return _align(client_updates, num_samples_per_client, rng)[:5]


def _align(
    client_updates,
    num_samples_per_client: int | None,
    rng: np.random.Generator,
    want_mean: bool = True,
    check: bool = True,
):
    """align_updates, and the clients' mean (S, d) when every client sent finite vectors (else None).

    With the clients aligned by index, the finiteness check is the clients'
    sum (S, d): a finite sum proves every entry finite (NaN, or inf - inf,
    propagates), and it is the mean that Krum centres on, so it is handed on
    (one pass over the updates fewer). A sum that is not finite (NaN/±inf, or
    an overflow) sends the check to the clients one by one. Clients that all
    sent arrays of one shape are stacked by one copy (_stack_aligned); with
    ``check`` False such a stack comes back unchecked, with mask None.
    """
    if client_updates is None or len(client_updates) == 0:
        raise ParamError("client_updates: no client updates provided (need a list of [n_i, d] arrays)")
    if num_samples_per_client is None and (x := _stack_aligned(client_updates)) is not None:
        S, C = x.shape[:2]
        if not check:  # the caller checks (mask None: not yet known)
            return x, None, [_arange(S)] * C, [], [], None
        if want_mean:
            with np.errstate(over="ignore", invalid="ignore"):
                total = np.add.reduce(x, axis=1)  # (S, d), over the clients
                finite = math.isfinite(np.add.reduce(total, axis=None))
        else:  # no mean wanted: one dot proves every entry finite (NaN/±inf, or an overflow, fail it)
            total, finite = None, robust.is_plain(x)
        if finite:
            return x, _all_true(C), [_arange(S)] * C, [], [], None if total is None else total / C
        return _finish_aligned(x, [], C, S)
    arrs, dims = [], set()
    for i, u in enumerate(client_updates):
        a = np.asarray(u, dtype=float)
        if a.ndim == 1:
            a = a[None, :]
        if a.ndim != 2:
            raise ParamError(f"client_updates[{i}]: expected a [n_i, d] array, got shape {a.shape}")
        dims.add(a.shape[1])
        arrs.append(a)
    if len(dims) != 1:
        raise ParamError(f"client_updates: every client must send vectors of one dimension d, got {sorted(dims)}")
    d = dims.pop()
    C = len(arrs)
    mean = None
    empty = [i for i, a in enumerate(arrs) if a.shape[0] == 0]
    if num_samples_per_client is None:
        counts = {a.shape[0] for a in arrs if a.shape[0] > 0}
        if len(counts) > 1:
            raise ParamError(
                f"num_samples_per_client: clients send different numbers of vectors {sorted(counts)}; "
                "set num_samples_per_client to sample the same number from each"
            )
        S = counts.pop() if counts else 1
        zero = np.zeros((S, d))
        x = np.stack([zero if a.shape[0] == 0 else a for a in arrs], axis=1)  # one copy, one finiteness pass
        with np.errstate(over="ignore", invalid="ignore"):
            total = np.add.reduce(x, axis=1)  # (S, d), over the clients
        if np.isfinite(total).all():
            return _finish_aligned(x, empty, C, S, None if empty else total / C, checked=True)
        return _finish_aligned(x, empty, C, S)  # NaN/±inf, or finite clients whose sum overflowed
    else:
        S = num_samples_per_client
        nonfinite = [i for i, a in enumerate(arrs) if a.shape[0] > 0 and not np.isfinite(a).all()]
        dropped = set(empty) | set(nonfinite)
        idx = []
        for i, a in enumerate(arrs):  # one draw per client (a loop over clients, not pairs)
            if i in dropped:
                idx.append(np.zeros(0, dtype=np.intp))
            else:
                idx.append(rng.choice(a.shape[0], size=S, replace=a.shape[0] < S))
        zero = np.zeros((S, d))
        x = np.stack([zero if i in dropped else a[idx[i]] for i, a in enumerate(arrs)], axis=1)
    mask = np.array([i not in dropped for i in range(C)])
    return x, mask, idx, nonfinite, empty, mean


@functools.lru_cache(maxsize=16)
def _all_true(C: int) -> np.ndarray:
    """A read-only mask of C kept clients (shared between calls)."""
    m = np.ones(C, bool)
    m.flags.writeable = False
    return m


@functools.lru_cache(maxsize=16)
def _arange(S: int) -> np.ndarray:
    """A read-only 0..S-1 (every client's sample indices when the vectors are aligned; shared between calls)."""
    a = np.arange(S)
    a.flags.writeable = False
    return a


def _stack_aligned(client_updates):
    """x (S, C, d) when every client sent an array of one shape ([d] or [S, d], S, d >= 1), else None."""
    try:
        x = np.array(client_updates, dtype=float)  # one copy; ragged shapes raise
    except ValueError:
        return None
    if x.ndim == 2 and x.shape[1]:
        return x[None]
    if x.ndim == 3 and x.shape[1] and x.shape[2]:
        return x.reshape(1, x.shape[0], x.shape[2]) if x.shape[1] == 1 else np.ascontiguousarray(x.swapaxes(0, 1))
    return None


def _finish_aligned(x, empty: list, C: int, S: int, mean=None, checked: bool = False):
    """_align's result for clients aligned by index: those with a NaN/±inf entry dropped (unless ``checked``)."""
    fin = np.ones(C, dtype=bool) if checked else np.isfinite(x).all(axis=(0, 2))
    nonfinite = [int(i) for i in np.flatnonzero(~fin) if i not in set(empty)]
    if nonfinite:
        x[:, nonfinite, :] = 0.0
    dropped = set(empty) | set(nonfinite)
    idx = [np.arange(S) if i not in dropped else np.zeros(0, dtype=np.intp) for i in range(C)]
    mask = np.array([i not in dropped for i in range(C)])
    return x, mask, idx, nonfinite, empty, mean


class RobustAggregator(ABC):
    """The original module's interface: aggregate(client_updates, weights=None) -> (aggregate, stats)."""

    name: str = ""
    takes_mean: bool = False  # _rule(..., mean=) accepts the clients' mean that _align computed on the way
    checks_itself: bool = False  # _plain proves the stack plainly fine itself: _align need not check it first

    def __init__(
        self, num_samples_per_client: int | None = 100, seed: int = 42, rng: np.random.Generator | None = None
    ):
        self.num_samples_per_client = _opt(NUM_SAMPLES, num_samples_per_client)
        self.seed = seed
        self._rng = _make_rng(seed, rng)

    @abstractmethod
    def _rule(self, x: np.ndarray, mask: np.ndarray | None, rng: np.random.Generator, weights) -> tuple:
        """(aggregate (S, d), shares (S, C)); ``mask`` None: every client is kept."""

    def aggregate(
        self, client_updates: list[np.ndarray], weights: Sequence[float] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        x, mask, idx, nonfinite, empty, mean = _align(
            client_updates, self.num_samples_per_client, self._rng, self.takes_mean, not self.checks_itself
        )
        S, C = x.shape[:2]
        if mask is None:  # an unchecked stack: the rule's plain path, or the check and the usual route
            if S == 1 and weights is None and (r := self._plain(x[0])) is not None:
                return self._stats(r[0][None], r[1], idx, _all_true(C), C, C, [], [], weights)
            x, mask, idx, nonfinite, empty, mean = _finish_aligned(x, [], C, S)
        k = C - len(nonfinite) - len(empty)
        if weights is not None:
            w = np.asarray(weights, dtype=float)
            if w.shape != (C,) or not np.all(np.isfinite(w)) or np.any(w < 0) or not np.any(w[mask] > 0):
                raise ParamError(f"weights: must be {C} finite non-negative numbers, not all 0 on the kept clients")
        if k == 0:
            raise AggregationError(
                "client_updates: nothing to aggregate: every client sent NaN/±inf or no vector "
                f"(non-finite: {nonfinite}, empty: {empty})"
            )
        # every client kept: the rules' plain path (no mask), on the one sample's (C, d) stack when S = 1
        one = k == C and S == 1
        xr, mr = (x[0], None) if one else (x, None if k == C else mask)
        try:
            if self.takes_mean:
                agg, shares = self._rule(xr, mr, self._rng, weights, mean=mean[0] if one and mean is not None else mean)
            else:
                agg, shares = self._rule(xr, mr, self._rng, weights)
        except EstimatorError as e:  # pragma: no cover - rules keep finite clients
            raise AggregationError(str(e)) from None
        if shares is None:
            share = np.where(mask, 1.0 / k, 0.0)
        else:
            share = shares if one else shares[0] if S == 1 else shares.mean(0)
        if one:
            agg = agg[None]
        return self._stats(agg, share, idx, mask, C, k, nonfinite, empty, weights)

    def _plain(self, x: np.ndarray):
        """(aggregate (d,), shares (C,)) of one unchecked (C, d) stack when it is plainly fine, else None."""
        return None

    def _stats(self, agg, share, idx, mask, C: int, k: int, nonfinite, empty, weights):
        excluded, downweighted = _distrusted(share, mask, k)
        stats = {
            "method": self.name,
            "num_clients": C,
            "num_kept": k,
            "num_samples_per_client": self.num_samples_per_client,
            "sample_indices": idx,
            "dropped_nonfinite": nonfinite,
            "dropped_empty": empty,
            "excluded": excluded,
            "downweighted": downweighted,
            "shares": share,
            "weights_used": self.name == "mean" and weights is not None,
            "output_shape": tuple(agg.shape),
        }
        stats.update(self._extra_stats())
        return agg, stats

    def _extra_stats(self) -> dict:
        return {}


def _distrusted(share: np.ndarray, mask: np.ndarray, k: int) -> tuple[list, list]:
    """(kept clients whose share is 0, kept clients whose share is below DOWNWEIGHT_FRACTION / k)."""
    low = DOWNWEIGHT_FRACTION / k
    if len(share) <= 64:  # a few clients: Python floats, no array temporaries
        excluded, down = [], []
        kept = None if k == len(share) else mask.tolist()
        for i, v in enumerate(share.tolist()):
            if v < low and (kept is None or kept[i]):
                (excluded if v <= 1e-12 else down).append(i)
        return excluded, down
    small = mask & (share <= 1e-12)
    return np.flatnonzero(small).tolist(), np.flatnonzero(mask & ~small & (share < low)).tolist()


class MeanAggregator(RobustAggregator):
    """The plain (weighted) mean: not robust (breakdown point 0); the baseline. Non-finite clients are dropped."""

    name = "mean"

    def _rule(self, x, mask, rng, weights):
        return rules.mean(x, mask, weights=weights)


class CoordinateMedianAggregator(RobustAggregator):
    """The original module's coordinate-wise median of the clients' sampled vectors (breakdown point 1/2)."""

    name = "coordinate_median"

    checks_itself = True

    def _rule(self, x, mask, rng, weights):
        return rules.coordinate_median(x, mask)

    def _plain(self, x):
        return rules._median_plain(x, True, robust.plain_sorted)


class TrimmedMeanAggregator(RobustAggregator):
    """Coordinate-wise trimmed mean, floor(trim_fraction k) values dropped at each end (breakdown trim_fraction)."""

    name = "trimmed_mean"

    def __init__(self, trim_fraction: float = 0.1, **kw):
        self.trim_fraction = TRIM_FRACTION.coerce(trim_fraction)
        super().__init__(**kw)

    checks_itself = True

    def _rule(self, x, mask, rng, weights):
        return rules.trimmed_mean(x, mask, trim=self.trim_fraction)

    def _plain(self, x):
        return rules._trimmed_plain(x, self.trim_fraction, True, robust.plain_sorted)

    def _extra_stats(self):
        return {"trim_fraction": self.trim_fraction}


class GeometricMedianAggregator(RobustAggregator):
    """Geometric median by Weiszfeld's iteration (breakdown point 1/2)."""

    name = "geometric_median"

    def __init__(self, tol: float = 1e-9, max_iter: int = 1000, **kw):
        self.tol, self.max_iter = robust.TOL.coerce(tol), robust.int_param(robust.MAX_ITER, max_iter)
        super().__init__(**kw)

    def _rule(self, x, mask, rng, weights):
        return rules.geometric_median(x, mask, tol=self.tol, max_iter=self.max_iter)


class _FAware(RobustAggregator):
    def __init__(self, num_byzantine: int = 0, **kw):
        self.num_byzantine = robust.int_param(NUM_BYZANTINE, num_byzantine)
        super().__init__(**kw)

    def _f(self, x, mask) -> int:
        """The declared f, less the clients already dropped for non-finite values (they were Byzantine)."""
        C = x.shape[-2]
        k = C if mask is None else int(mask.sum())
        return max(0, min(self.num_byzantine - (C - k), k - 1))

    def _extra_stats(self):
        return {"num_byzantine": self.num_byzantine}


class KrumAggregator(_FAware):
    """Krum (Blanchard et al. 2017): the client vector with the smallest sum of squared distances to its
    n - f - 2 nearest neighbours; Multi-Krum averages the m best (``m``; default 1 = Krum)."""

    name = "krum"
    takes_mean = True
    checks_itself = True
    _scratch: np.ndarray | None = None  # _plain's work block, kept between calls

    def __init__(self, num_byzantine: int = 0, m: int = 1, neighbours: int | None = None, **kw):
        self.m = robust.int_param(rules.M, m)
        self.neighbours = _opt(rules.NEIGHBOURS, neighbours)
        super().__init__(num_byzantine, **kw)

    def _m(self, x, mask, f: int) -> int:
        k = x.shape[-2] if mask is None else int(mask.sum())
        return min(self.m, k)

    def _rule(self, x, mask, rng, weights, mean=None):
        f = self._f(x, mask)
        return rules.krum(x, mask, f=f, m=self._m(x, mask, f), neighbours=self.neighbours, centre=mean)

    def _plain(self, x):
        f = self._f(x, None)
        # the centred stack goes into a block this aggregator keeps between calls (a round-by-round caller
        # passes stacks of one shape): without it each call faults in a fresh stack-sized block
        if self._scratch is None or self._scratch.shape != x.shape:
            self._scratch = np.empty(x.shape)
        return rules._krum_plain(x, f, self._m(x, None, f), self.neighbours, scratch=self._scratch)

    def _extra_stats(self):
        k = None if self.neighbours is None else self.neighbours
        return {"num_byzantine": self.num_byzantine, "m": self.m, "neighbours": "n - f - 2" if k is None else k}


class MultiKrumAggregator(KrumAggregator):
    """Multi-Krum with m = n - f (the n - f best-scored clients averaged) unless ``m`` is given."""

    name = "multi_krum"

    def __init__(self, num_byzantine: int = 0, m: int | None = None, neighbours: int | None = None, **kw):
        super().__init__(num_byzantine, 1, neighbours, **kw)
        self.m = _opt(rules.M, m)

    def _m(self, x, mask, f: int) -> int:
        k = x.shape[-2] if mask is None else int(mask.sum())
        return k - f if self.m is None else min(self.m, k)


class CenteredClippingAggregator(RobustAggregator):
    """Centered clipping (Karimireddy et al. 2021) from the coordinate-wise median; radius None = median distance."""

    name = "centered_clipping"

    def __init__(self, radius: float | None = None, iters: int = 3, **kw):
        self.radius, self.iters = rules._radius(radius), robust.int_param(rules.ITERS, iters)
        super().__init__(**kw)

    def _rule(self, x, mask, rng, weights):
        return rules.centered_clipping(x, mask, radius=self.radius, iters=self.iters)


class MeanAroundMedianAggregator(_FAware):
    """Coordinate-wise mean of the n - f values closest to the median (MeaMed)."""

    name = "mean_around_median"

    def _rule(self, x, mask, rng, weights):
        return rules.mean_around_median(x, mask, f=self._f(x, mask))


class MinimumDiameterAggregator(_FAware):
    """Minimum-diameter averaging: the mean of the n - f clients of smallest diameter (small n: C(n, f) subsets)."""

    name = "minimum_diameter_averaging"

    def _rule(self, x, mask, rng, weights):
        return rules.minimum_diameter_averaging(x, mask, f=self._f(x, mask))


class PreAggregated(RobustAggregator):
    """Pre-aggregation steps ("nnm", "bucketing", "clipping") before a rule, e.g. PreAggregated(("nnm",), "krum").

    Shares are mapped back to clients through the steps' mixing matrices.
    """

    def __init__(
        self,
        steps: Sequence[str],
        rule: str,
        num_byzantine: int = 0,
        trim_fraction: float = 0.1,
        bucket_size: int = 2,
        **kw,
    ):
        spec = "+".join([*steps, rule])
        rules.parse_pipeline(spec)
        self.spec, self.name = spec, spec
        self.num_byzantine = robust.int_param(NUM_BYZANTINE, num_byzantine)
        self.trim_fraction = TRIM_FRACTION.coerce(trim_fraction)
        self.bucket_size = robust.int_param(rules.BUCKET_SIZE, bucket_size)
        super().__init__(**kw)

    def _rule(self, x, mask, rng, weights):
        C = x.shape[-2]
        k = C if mask is None else int(mask.sum())
        f = max(0, min(self.num_byzantine - (C - k), k - 1))
        return rules.run_pipeline(self.spec, x, mask, rng, f=f, trim=self.trim_fraction, bucket_size=self.bucket_size)


class PluginAggregator(_FAware):
    """An aggregator a plugin registered (sim.aggregation.registry), in the list interface (equal shares)."""

    def __init__(self, rule: str, num_byzantine: int = 0, **kw):
        self.name = rule
        super().__init__(num_byzantine, **kw)

    def _rule(self, x, mask, rng, weights):
        return rules.PLUGIN_RULES[self.name](x, mask, rng, f=self._f(x, mask), track=False)


AGGREGATORS = {
    "mean": MeanAggregator,
    "coordinate_median": CoordinateMedianAggregator,
    "trimmed_mean": TrimmedMeanAggregator,
    "geometric_median": GeometricMedianAggregator,
    "krum": KrumAggregator,
    "multi_krum": MultiKrumAggregator,
    "centered_clipping": CenteredClippingAggregator,
    "mean_around_median": MeanAroundMedianAggregator,
    "minimum_diameter_averaging": MinimumDiameterAggregator,
}


def make_aggregator(method: str, *, num_byzantine: int = 0, trim_fraction: float = 0.1, **kw) -> RobustAggregator:
    """An aggregator by name ("krum", "nnm+krum", ...), given the knobs of RobustnessConfig."""
    steps, rule = rules.parse_pipeline(method)
    if steps:
        return PreAggregated(steps, rule, num_byzantine=num_byzantine, trim_fraction=trim_fraction, **kw)
    if rule in rules.PLUGIN_RULES:
        return PluginAggregator(rule, num_byzantine=num_byzantine, **kw)
    cls = AGGREGATORS[rule]
    if rule == "trimmed_mean":
        return cls(trim_fraction=trim_fraction, **kw)
    if rule in rules.NEEDS_F:
        return cls(num_byzantine=num_byzantine, **kw)
    return cls(**kw)
