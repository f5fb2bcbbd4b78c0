"""Robust aggregators with seed 003's interface: ``aggregate(client_updates, weights=None) -> (aggregate, stats)``.

``client_updates`` is a list of arrays, client i's of shape [n_i, d] (a 1-D
array is one vector). As in seed 003's CoordinateMedianAggregator, every
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
client one vote, as seed 003 says (``stats["weights_used"]`` tells which).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.errors import ParamError
from ..stats.robust import EstimatorError
from . import rules

DOWNWEIGHT_FRACTION = 0.5


class AggregationError(ValueError):
    """Nothing to aggregate: no client left after dropping non-finite or empty updates."""


def _check_int(name: str, v, low: int, allow_none: bool = False):
    if v is None and allow_none:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
        raise ParamError(f"{name}: must be an integer in [{low}, inf){' or None' if allow_none else ''}, got {v!r}")
    return int(v)


def _make_rng(seed, rng) -> np.random.Generator:
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise ParamError(f"rng: must be a numpy.random.Generator, got {type(rng).__name__}")
        return rng
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParamError(f"seed: must be an integer in [0, inf), got {seed!r}")
    return np.random.default_rng(int(seed))  # a Generator seeded through SeedSequence(seed)


def align_updates(client_updates, num_samples_per_client: int | None, rng: np.random.Generator):
    """Stack the clients' vectors to x (S, C, d), with the dropped clients masked out.

    Returns (x, mask (C,), sample_indices, dropped_nonfinite, dropped_empty).
    """
    return _align(client_updates, num_samples_per_client, rng)[:5]


def _align(client_updates, num_samples_per_client: int | None, rng: np.random.Generator):
    """align_updates, and the clients' mean (S, d) when every client sent finite vectors (else None).

    With the clients aligned by index, the finiteness check is the clients'
    sum (S, d): a finite sum proves every entry finite (NaN, or inf - inf,
    propagates), and it is the mean that Krum centres on, so it is handed on
    (one pass over the updates fewer). A sum that is not finite (NaN/±inf, or
    an overflow) sends the check to the clients one by one.
    """
    if client_updates is None or len(client_updates) == 0:
        raise ParamError("client_updates: no client updates provided (need a list of [n_i, d] arrays)")
    arrs, dims = [], set()
    for i, u in enumerate(client_updates):
        a = np.asarray(u, dtype=float)
        if a.ndim == 1:
            a = a[None, :]
        if a.ndim != 2:
            raise ParamError(f"client_updates[{i}]: must be a [n_i, d] array, got shape {a.shape}")
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
            fin = np.ones(C, dtype=bool)
            if not empty:
                mean = total / C
        else:  # NaN/±inf, or finite clients whose sum overflowed
            fin = np.isfinite(x).all(axis=(0, 2))
        nonfinite = [int(i) for i in np.flatnonzero(~fin) if i not in set(empty)]
        if nonfinite:
            x[:, nonfinite, :] = 0.0
        dropped = set(empty) | set(nonfinite)
        idx = [np.arange(S) if i not in dropped else np.zeros(0, dtype=np.intp) for i in range(C)]
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


class RobustAggregator(ABC):
    """Seed 003's interface: aggregate(client_updates, weights=None) -> (aggregate, stats)."""

    name: str = ""
    takes_mean: bool = False  # _rule(..., mean=) accepts the clients' mean that _align computed on the way

    def __init__(
        self, num_samples_per_client: int | None = 100, seed: int = 42, rng: np.random.Generator | None = None
    ):
        self.num_samples_per_client = _check_int("num_samples_per_client", num_samples_per_client, 1, True)
        self.seed = seed
        self._rng = _make_rng(seed, rng)

    @abstractmethod
    def _rule(self, x: np.ndarray, mask: np.ndarray, rng: np.random.Generator, weights) -> tuple:
        """(aggregate (S, d), shares (S, C))."""

    def aggregate(
        self, client_updates: list[np.ndarray], weights: Sequence[float] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        x, mask, idx, nonfinite, empty, mean = _align(client_updates, self.num_samples_per_client, self._rng)
        C = x.shape[1]
        if weights is not None:
            w = np.asarray(weights, dtype=float)
            if w.shape != (C,) or not np.all(np.isfinite(w)) or np.any(w < 0) or not np.any(w[mask] > 0):
                raise ParamError(f"weights: must be {C} finite non-negative numbers, not all 0 on the kept clients")
        k = int(mask.sum())
        if k == 0:
            raise AggregationError(
                "client_updates: nothing to aggregate: every client sent NaN/±inf or no vector "
                f"(non-finite: {nonfinite}, empty: {empty})"
            )
        try:
            agg, shares = (
                self._rule(x, mask, self._rng, weights, mean=mean)
                if self.takes_mean
                else self._rule(x, mask, self._rng, weights)
            )
        except EstimatorError as e:  # pragma: no cover - rules keep finite clients
            raise AggregationError(str(e)) from None
        share = shares.mean(0) if shares is not None else np.where(mask, 1.0 / k, 0.0)
        excluded = [int(i) for i in np.flatnonzero(mask & (share <= 1e-12))]
        down = [int(i) for i in np.flatnonzero(mask & (share > 1e-12) & (share < DOWNWEIGHT_FRACTION / k))]
        stats = {
            "method": self.name,
            "num_clients": C,
            "num_kept": k,
            "num_samples_per_client": self.num_samples_per_client,
            "sample_indices": idx,
            "dropped_nonfinite": nonfinite,
            "dropped_empty": empty,
            "excluded": excluded,
            "downweighted": down,
            "shares": share,
            "weights_used": self.name == "mean" and weights is not None,
            "output_shape": tuple(agg.shape),
        }
        stats.update(self._extra_stats())
        return agg, stats

    def _extra_stats(self) -> dict:
        return {}


class MeanAggregator(RobustAggregator):
    """The plain (weighted) mean: not robust (breakdown point 0); the baseline. Non-finite clients are dropped."""

    name = "mean"

    def _rule(self, x, mask, rng, weights):
        return rules.mean(x, mask, weights=weights)


class CoordinateMedianAggregator(RobustAggregator):
    """Seed 003's coordinate-wise median of the clients' sampled vectors (breakdown point 1/2)."""

    name = "coordinate_median"

    def _rule(self, x, mask, rng, weights):
        return rules.coordinate_median(x, mask)


class TrimmedMeanAggregator(RobustAggregator):
    """Coordinate-wise trimmed mean, floor(trim_fraction k) values dropped at each end (breakdown trim_fraction)."""

    name = "trimmed_mean"

    def __init__(self, trim_fraction: float = 0.1, **kw):
        if (
            isinstance(trim_fraction, bool)
            or not isinstance(trim_fraction, (int, float))
            or not 0 < trim_fraction < 0.5
        ):
            raise ParamError(f"trim_fraction: must be a number in (0, 0.5), got {trim_fraction!r}")
        self.trim_fraction = float(trim_fraction)
        super().__init__(**kw)

    def _rule(self, x, mask, rng, weights):
        return rules.trimmed_mean(x, mask, trim=self.trim_fraction)

    def _extra_stats(self):
        return {"trim_fraction": self.trim_fraction}


class GeometricMedianAggregator(RobustAggregator):
    """Geometric median by Weiszfeld's iteration (breakdown point 1/2)."""

    name = "geometric_median"

    def __init__(self, tol: float = 1e-9, max_iter: int = 1000, **kw):
        self.tol, self.max_iter = tol, _check_int("max_iter", max_iter, 1)
        super().__init__(**kw)

    def _rule(self, x, mask, rng, weights):
        return rules.geometric_median(x, mask, tol=self.tol, max_iter=self.max_iter)


class _FAware(RobustAggregator):
    def __init__(self, num_byzantine: int = 0, **kw):
        self.num_byzantine = _check_int("num_byzantine", num_byzantine, 0)
        super().__init__(**kw)

    def _f(self, mask) -> int:
        """The declared f, less the clients already dropped for non-finite values (they were Byzantine)."""
        return max(0, min(self.num_byzantine - int((~mask).sum()), int(mask.sum()) - 1))

    def _extra_stats(self):
        return {"num_byzantine": self.num_byzantine}


class KrumAggregator(_FAware):
    """Krum (Blanchard et al. 2017): the client vector with the smallest sum of squared distances to its
    n - f - 2 nearest neighbours; Multi-Krum averages the m best (``m``; default 1 = Krum)."""

    name = "krum"
    takes_mean = True

    def __init__(self, num_byzantine: int = 0, m: int = 1, neighbours: int | None = None, **kw):
        self.m = _check_int("m", m, 1)
        self.neighbours = _check_int("neighbours", neighbours, 1, allow_none=True)
        super().__init__(num_byzantine, **kw)

    def _rule(self, x, mask, rng, weights, mean=None):
        return rules.krum(
            x, mask, f=self._f(mask), m=min(self.m, int(mask.sum())), neighbours=self.neighbours, centre=mean
        )

    def _extra_stats(self):
        k = None if self.neighbours is None else self.neighbours
        return {"num_byzantine": self.num_byzantine, "m": self.m, "neighbours": "n - f - 2" if k is None else k}


class MultiKrumAggregator(KrumAggregator):
    """Multi-Krum with m = n - f (the n - f best-scored clients averaged) unless ``m`` is given."""

    name = "multi_krum"

    def __init__(self, num_byzantine: int = 0, m: int | None = None, neighbours: int | None = None, **kw):
        super().__init__(num_byzantine, 1, neighbours, **kw)
        self.m = _check_int("m", m, 1, allow_none=True)

    def _rule(self, x, mask, rng, weights, mean=None):
        f = self._f(mask)
        m = int(mask.sum()) - f if self.m is None else min(self.m, int(mask.sum()))
        return rules.krum(x, mask, f=f, m=m, neighbours=self.neighbours, centre=mean)


class CenteredClippingAggregator(RobustAggregator):
    """Centered clipping (Karimireddy et al. 2021) from the coordinate-wise median; radius None = median distance."""

    name = "centered_clipping"

    def __init__(self, radius: float | None = None, iters: int = 3, **kw):
        self.radius, self.iters = radius, _check_int("iters", iters, 1)
        super().__init__(**kw)

    def _rule(self, x, mask, rng, weights):
        return rules.centered_clipping(x, mask, radius=self.radius, iters=self.iters)


class MeanAroundMedianAggregator(_FAware):
    """Coordinate-wise mean of the n - f values closest to the median (MeaMed)."""

    name = "mean_around_median"

    def _rule(self, x, mask, rng, weights):
        return rules.mean_around_median(x, mask, f=self._f(mask))


class MinimumDiameterAggregator(_FAware):
    """Minimum-diameter averaging: the mean of the n - f clients of smallest diameter (small n: C(n, f) subsets)."""

    name = "minimum_diameter_averaging"

    def _rule(self, x, mask, rng, weights):
        return rules.minimum_diameter_averaging(x, mask, f=self._f(mask))


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
        self.num_byzantine = _check_int("num_byzantine", num_byzantine, 0)
        self.trim_fraction = trim_fraction
        self.bucket_size = _check_int("bucket_size", bucket_size, 1)
        super().__init__(**kw)

    def _rule(self, x, mask, rng, weights):
        f = max(0, min(self.num_byzantine - int((~mask).sum()), int(mask.sum()) - 1))
        return rules.run_pipeline(self.spec, x, mask, rng, f=f, trim=self.trim_fraction, bucket_size=self.bucket_size)


class PluginAggregator(_FAware):
    """An aggregator a plugin registered (sim.aggregation.registry), in seed 003's interface (equal shares)."""

    def __init__(self, rule: str, num_byzantine: int = 0, **kw):
        self.name = rule
        super().__init__(num_byzantine, **kw)

    def _rule(self, x, mask, rng, weights):
        return rules.PLUGIN_RULES[self.name](x, mask, rng, f=self._f(mask), track=False)


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
