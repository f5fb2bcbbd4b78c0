"""Algorithm 1 (Knowlson et al., Sec. III-C.9) vectorised over trials.

Per round t: the centre mu_hat(t) of the active reports (a robust estimator,
or the MW weighted mean itself); residuals r_i = ||x_i(t) - mu_hat(t)|| / c;
pseudo-loss l_i(t) in [0, 1]; update w_i <- w_i (1 - eta l_i) (or the
exponential form w_i exp(-eta l_i)); optional blacklisting once w_i < tau.
Blacklisted sources take no further part (mask) and keep their last weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ParamError
from .estimators import get_estimator
from .losses import get_loss

NEVER = -1
UPDATES = ("linear", "exp")


@dataclass(frozen=True)
class MWBatch:
    mu_hat: np.ndarray          # (trials, rounds, d) centre the losses are measured against
    mw_mean: np.ndarray         # (trials, rounds, d) weighted mean of active reports with w(t)
    c: np.ndarray               # (trials, rounds) loss scale used
    loss: np.ndarray            # (trials, rounds, n), 0 for inactive sources
    weights: np.ndarray         # (trials, rounds + 1, n)
    active: np.ndarray          # (trials, rounds, n)
    blacklisted_at: np.ndarray  # (trials, n) round (1-based) of blacklisting, NEVER if none


def weighted_mean(x: np.ndarray, w: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sum_i w_i x_i / sum_i w_i over active rows (Sec. III-C.2, mu_hat_MW); non-finite rows poison it."""
    ww = np.where(mask, w, 0.0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        num = np.einsum("...n,...nd->...d", ww, np.where(mask[..., None], x, 0.0))
        return num / ww.sum(-1)[..., None]


def mad_scale(r: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """MAD = median_i ||x_i - mu_hat|| over active sources (Sec. III-C.1), per trial."""
    from .estimators import median

    return median(np.where(np.isfinite(r), r, np.inf)[..., None], mask)[..., 0]


def mw_update(w, loss, eta: float, update: str = "linear"):
    """w (1 - eta l) (Alg. 1, line 7) or w exp(-eta l) (MW.py's exponential form)."""
    return w * (1.0 - eta * loss) if update == "linear" else w * np.exp(-eta * loss)


def run_mw_batch(x: np.ndarray, *, eta: float, tau: float, c: float | str = 1.0, c_k: float = 3.0,
                 center: str = "median", loss: str = "clipped", update: str = "linear", blacklist: bool = True,
                 rng: np.random.Generator | None = None, estimator_kw: dict | None = None) -> MWBatch:
    """Run Algorithm 1 on reports ``x`` of shape (trials, rounds, n, d).

    ``center`` names an estimator of sim.estimators.ESTIMATORS or is
    "weighted_mean" (losses against the MW mean itself). ``c`` is a fixed
    scale or "mad" for c(t) = c_k * MAD(t).
    """
    if not 0 < eta < 1:
        raise ParamError(f"eta: must be a number in (0, 1), got {eta!r}")
    if not 0 < tau < 1:
        raise ParamError(f"tau: must be a number in (0, 1), got {tau!r}")
    if update not in UPDATES:
        raise ParamError(f"update: must be one of {', '.join(UPDATES)}, got {update!r}")
    if not (c == "mad" or (isinstance(c, (int, float)) and c > 0)):
        raise ParamError(f"c: must be a number in (0, inf) or 'mad', got {c!r}")
    x = np.asarray(x, dtype=float)
    if x.ndim != 4:
        raise ValueError("x must have shape (trials, rounds, n, d)")
    trials, rounds, n, d = x.shape
    est = None if center == "weighted_mean" else get_estimator(center)
    loss_fn = get_loss(loss)
    kw = dict(estimator_kw or {})

    w = np.ones((trials, n))
    alive = np.ones((trials, n), dtype=bool)
    out_w = np.empty((trials, rounds + 1, n)); out_w[:, 0] = w
    out_loss = np.zeros((trials, rounds, n))
    out_mu = np.empty((trials, rounds, d)); out_mw = np.empty((trials, rounds, d))
    out_c = np.empty((trials, rounds)); out_active = np.empty((trials, rounds, n), dtype=bool)
    black = np.full((trials, n), NEVER, dtype=np.int64)
    for t in range(rounds):
        xt = x[:, t]
        out_active[:, t] = alive
        out_mw[:, t] = weighted_mean(xt, w, alive)
        mu = out_mw[:, t] if est is None else est(xt, alive, rng=rng, **kw)
        out_mu[:, t] = mu
        with np.errstate(invalid="ignore", over="ignore"):
            dist = np.sqrt(np.sum((xt - mu[:, None, :]) ** 2, axis=-1))
        dist = np.where(np.isfinite(dist), dist, np.inf)
        ct = np.full(trials, float(c)) if c != "mad" else c_k * mad_scale(dist, alive)
        ct = np.maximum(ct, 1e-12)
        out_c[:, t] = ct
        lt = np.where(alive, loss_fn(dist / ct[:, None], alive), 0.0)
        out_loss[:, t] = lt
        w = np.where(alive, mw_update(w, lt, eta, update), w)
        if blacklist:
            caught = alive & (w < tau)
            black[caught] = t + 1
            alive = alive & ~caught
        out_w[:, t + 1] = w
    return MWBatch(out_mu, out_mw, out_c, out_loss, out_w, out_active, black)
