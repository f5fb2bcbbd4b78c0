"""Pseudo-losses of the MW update, each mapped into [0, 1] (MW needs l in [0, 1]).

Every loss takes the scaled residuals r = |x_i - mu_hat| / c of shape (..., n)
(>= 0; +inf or NaN for a non-finite report) and the mask of active sources,
and returns losses in [0, 1] of the same shape. ``LOSSES`` maps names to them;
extra shape parameters (beta, delta, steepness) are keyword arguments.

How each is brought into [0, 1] (docs/estimators.md has the table):

- ``clipped``      min(1, r)                               (Alg. 1, line 6) -- already in [0, 1]
- ``softmin``      exp(-r_i^2) / sum_j exp(-r_j^2)         (Sec. III-C.3, as printed) -- in [0, 1]
                   because it is a probability vector over the active sources;
                   note that it gives the *largest* loss to the *closest* source
                   and at most 1/k to anyone once k sources agree, so it cannot
                   blacklist (the paper: "less effective")
- ``softmin_exp``  1 - exp(-r^beta)                        (MW.py's softmin variant, the
                   similarity exp(-(r)^beta) turned into a loss) -- in [0, 1)
- ``huber``        rho_delta(r) / (1 + rho_delta(r))       (Huber's rho, saturated) -- in [0, 1)
- ``logistic``     (s(r) - s(0)) / (1 - s(0)), s(r) = 1/(1 + exp(-k (r - 1)))
                   (a logistic step at r = 1, shifted so l(0) = 0) -- in [0, 1)

A non-finite residual (a NaN/inf report) gets loss 1 in every loss but the
paper's softmin, where exp(-inf) = 0 gives it loss 0: the printed softmin
rewards the most outlying report.
"""

from __future__ import annotations

import numpy as np

from ..core.params import Param

# The shape parameters of the losses, declared once (the keyword defaults below are theirs).
BETA = Param("beta", float, 2.0, "softmin_exp exponent", low=0.0, high=100.0, low_open=True)
DELTA = Param("delta", float, 1.0, "Huber threshold delta", low=0.0, low_open=True)
STEEPNESS = Param("steepness", float, 4.0, "steepness k of the logistic step", low=0.0, low_open=True)


def _r(r) -> np.ndarray:
    r = np.asarray(r, dtype=float)
    return np.where(np.isnan(r), np.inf, r)


def clipped_linear(r, mask=None) -> np.ndarray:
    """min(1, r): the clipped loss of Alg. 1, line 6 (non-finite r -> 1)."""
    r = np.asarray(r, dtype=float)
    return np.where(np.isfinite(r), np.minimum(1.0, r), 1.0)


def softmin_paper(r, mask=None) -> np.ndarray:
    """exp(-r_i^2) / sum_j exp(-r_j^2) over the active sources (Sec. III-C.3, as printed)."""
    r = _r(r)
    mask = np.ones(r.shape, dtype=bool) if mask is None else np.broadcast_to(np.asarray(mask, bool), r.shape)
    logit = np.where(mask, -(r**2), -np.inf)
    top = logit.max(-1, keepdims=True)
    all_inf = ~np.isfinite(top)  # every active report non-finite (or none active)
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.where(mask, np.exp(logit - np.where(all_inf, 0.0, top)), 0.0)
    e = np.where(all_inf & mask, 1.0, e)  # then the softmin is uniform over them
    tot = e.sum(-1, keepdims=True)
    return np.where(mask, e / np.where(tot > 0, tot, 1.0), 0.0)


def softmin_exp(r, mask=None, beta: float = BETA.default) -> np.ndarray:
    """1 - exp(-r^beta): MW.py's softmin variant exp(-(r/c)^beta) as a loss (non-finite r -> 1)."""
    beta = BETA.coerce(beta)
    r = _r(r)
    with np.errstate(over="ignore"):
        return -np.expm1(-(r**beta))


def huber(r, mask=None, delta: float = DELTA.default) -> np.ndarray:
    """rho/(1 + rho), rho = r^2/2 (r <= delta), delta (r - delta/2) (r > delta): Huber's loss saturated into [0, 1)."""
    delta = DELTA.coerce(delta)
    r = _r(r)
    with np.errstate(invalid="ignore", over="ignore"):
        rho = np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta))
        out = rho / (1.0 + rho)
    return np.where(np.isfinite(r), out, 1.0)


def logistic(r, mask=None, steepness: float = STEEPNESS.default) -> np.ndarray:
    """A logistic step at r = 1 with l(0) = 0 and l -> 1 (non-finite r -> 1)."""
    steepness = STEEPNESS.coerce(steepness)
    r = _r(r)
    s0 = 1.0 / (1.0 + np.exp(steepness))
    with np.errstate(over="ignore"):
        s = 1.0 / (1.0 + np.exp(-steepness * (r - 1.0)))
    return (s - s0) / (1.0 - s0)


LOSSES = {
    "clipped": clipped_linear,
    "softmin": softmin_paper,
    "softmin_exp": softmin_exp,
    "huber": huber,
    "logistic": logistic,
}
LOSS = Param("loss", str, "clipped", "pseudo-loss", choices=tuple(LOSSES))


def get_loss(name: str):
    return LOSSES[LOSS.coerce(name)]
