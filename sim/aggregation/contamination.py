"""Bias under epsilon-contamination: measured against the classical asymptotic values.

Model: F = (1 - eps) N(0, 1) + eps delta_{+inf} (the worst case: all the
contamination at one far point). Asymptotic biases:

- median: Huber's maximum bias Phi^-1(1 / (2 (1 - eps))) (Huber 1964; Huber &
  Ronchetti, Robust Statistics, Sec. 4.2), for eps < 1/2;
- alpha-trimmed mean (alpha trimmed at each end), eps <= alpha: the upper cut
  removes the eps at infinity and (alpha - eps) of the normal's upper tail,
  the lower cut alpha of its lower tail, so with a = Phi^-1(alpha / (1 - eps)),
  b = Phi^-1((1 - alpha) / (1 - eps)) the bias is
  (1 - eps) (phi(a) - phi(b)) / (1 - 2 alpha); for eps > alpha it is infinite.

``measured_bias`` draws samples of n with exactly round(eps n) points at a far
value and averages the estimators of :mod:`sim.stats.robust` over trials.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..core.params import Param
from ..stats import robust
from ..stats.intervals import mean_ci

FAR = 1e6
EPS = Param("eps", float, 0.0, "contamination fraction", low=0.0, high=1.0, high_open=True)
ALPHA = replace(robust.TRIM, name="alpha", default=0.2, doc="trimmed-mean fraction per end")
ESTIMATOR = Param("estimator", str, "median", "estimator whose bias is measured", choices=("median", "trimmed_mean"))


def median_bias(eps: float) -> float:
    """Huber: Phi^-1(1 / (2 (1 - eps))); +inf for eps >= 1/2."""
    from scipy.stats import norm

    eps = EPS.coerce(eps)
    return float(norm.ppf(1 / (2 * (1 - eps)))) if eps < 0.5 else math.inf


def trimmed_mean_bias(eps: float, alpha: float) -> float:
    """(1 - eps)(phi(a) - phi(b)) / (1 - 2 alpha), a = Phi^-1(alpha/(1-eps)), b = Phi^-1((1-alpha)/(1-eps))."""
    from scipy.stats import norm

    alpha, eps = ALPHA.coerce(alpha), EPS.coerce(eps)
    if eps > alpha:
        return math.inf
    a = norm.ppf(alpha / (1 - eps))
    b = norm.ppf((1 - alpha) / (1 - eps))
    return float((1 - eps) * (norm.pdf(a) - norm.pdf(b)) / (1 - 2 * alpha))


@dataclass(frozen=True)
class BiasRow:
    estimator: str
    eps: float
    measured: float
    ci_low: float
    ci_high: float
    asymptotic: float
    n: int
    trials: int


def measured_bias(
    estimator: str, eps: float, n: int, trials: int, rng: np.random.Generator, alpha: float = ALPHA.default
) -> BiasRow:
    """Mean over trials of the estimate on n points, round(eps n) of them at FAR, the rest N(0, 1)."""
    ESTIMATOR.coerce(estimator)
    m = int(round(eps * n))
    x = rng.standard_normal((trials, n, 1))
    x[:, :m, 0] = FAR
    if estimator == "median":
        est, asym = robust.median(x)[..., 0], median_bias(eps)
    else:
        est, asym = robust.trimmed_mean(x, trim=alpha)[..., 0], trimmed_mean_bias(eps, alpha)
    mm, lo, hi = mean_ci(est)
    return BiasRow(estimator if estimator == "median" else f"trimmed_mean({alpha:g})", eps, mm, lo, hi, asym, n, trials)


def bias_table(
    rng: np.random.Generator,
    eps_values=(0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4),
    n: int = 2001,
    trials: int = 400,
    alpha: float = ALPHA.default,
) -> list[BiasRow]:
    """Rows for the median and the alpha-trimmed mean at each eps (trimmed mean only up to eps = alpha)."""
    rows = [measured_bias("median", e, n, trials, rng) for e in eps_values]
    rows += [measured_bias("trimmed_mean", e, n, trials, rng, alpha) for e in eps_values if e <= alpha]
    return rows
