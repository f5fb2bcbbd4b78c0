"""Algorithm 1 (Knowlson et al., Sec. III-C.9) vectorised over trials.

Per round t: the centre mu_hat(t) of the active reports (a robust estimator,
or the MW weighted mean itself); residuals r_i = ||x_i(t) - mu_hat(t)|| / c;
pseudo-loss l_i(t) in [0, 1]; update w_i <- w_i (1 - eta l_i) (or the
exponential form w_i exp(-eta l_i)); optional blacklisting once w_i < tau.
Blacklisted sources take no further part (mask) and keep their last weight.

Reports that depend on the state (an adaptive adversary reads mu_hat and c
before it reports) come in through the optional ``reports`` hook: called as
``reports(t, x_t, state)`` with the round's pre-drawn reports and an
:class:`MWState`, it returns the reports actually used; ``state.probe(x, mask)``
tells it the centre and scale the engine would compute for any candidate
reports (a rushing adversary).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..core.errors import ParamError
from ..core.params import Param
from ..stats.robust import EstimatorError, get_estimator
from .losses import get_loss

NEVER = -1
UPDATES = ("linear", "exp")
ETA_MIN = 1e-6  # smallest learning rate: ln(1/tau)/eta rounds stay an integer (a subnormal eta overflowed)


@dataclass(frozen=True)
class ScaleParam(Param):
    """The loss scale c: a number in the declared range, or "mad" (c(t) = c_k * MAD(t))."""

    def range_text(self) -> str:
        return f"{super().range_text()} or 'mad'"

    def coerce(self, value):
        if isinstance(value, str) and value.strip() == "mad":
            return "mad"
        try:
            return super().coerce(value)
        except ParamError:
            raise self._fail(value) from None


# The ranges of Algorithm 1's parameters, declared once (the configurations and kinds of sim.mw use these;
# each sets its own default where the engine has none).
ETA = Param("eta", float, None, "learning rate eta", low=ETA_MIN, high=1.0, high_open=True)
TAU = Param("tau", float, None, "blacklisting threshold tau", low=0.0, high=1.0, low_open=True, high_open=True)
UPDATE = Param("update", str, "linear", "linear w(1 - eta l) or exp w exp(-eta l)", choices=UPDATES)
SCALE = ScaleParam("c", float, 1.0, "loss scale c (data units), or 'mad' for c(t) = c_k MAD(t)", low=0.0, low_open=True)
C_K = Param("c_k", float, 3.0, "multiplier k of c", low=0.0, high=1e6, low_open=True)
# A fixed loss scale as the kinds and configurations take it (capped; the engine takes any c > 0)
C_FIXED = Param("c", float, 1.0, "loss scale c (data units)", low=0.0, high=1e9, low_open=True)


@dataclass(frozen=True)
class MWBatch:
    mu_hat: np.ndarray  # (trials, rounds, d) centre the losses are measured against
    mw_mean: np.ndarray  # (trials, rounds, d) weighted mean of active reports with w(t)
    c: np.ndarray  # (trials, rounds) loss scale used
    loss: np.ndarray  # (trials, rounds, n), 0 for inactive sources
    weights: np.ndarray  # (trials, rounds + 1, n)
    active: np.ndarray  # (trials, rounds, n)
    blacklisted_at: np.ndarray  # (trials, n) round (1-based) of blacklisting, NEVER if none
    x: np.ndarray | None = None  # (trials, rounds, n, d) reports used (differs from the input with a hook)


@dataclass(frozen=True)
class MWState:
    """What a state-dependent report sees before round t (0-based) is aggregated."""

    t: int
    weights: np.ndarray  # (trials, n) w(t)
    active: np.ndarray  # (trials, n) not blacklisted
    mu_prev: np.ndarray | None  # (trials, d) centre of round t-1 (None in round 0)
    c_prev: np.ndarray | None  # (trials,) scale of round t-1
    probe: Callable  # probe(x_t, mask=None) -> (mu (trials, d), c (trials,))


def weighted_mean(x: np.ndarray, w: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sum_i w_i x_i / sum_i w_i over active rows (Sec. III-C.2, mu_hat_MW); non-finite rows poison it."""
    if mask.all():
        ww, xm = w, x
    else:
        ww, xm = np.where(mask, w, 0.0), np.where(mask[..., None], x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        num = np.einsum("...n,...nd->...d", ww, xm)
        return num / ww.sum(-1)[..., None]


def row_distances(x: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """||x_i - mu|| per row, (..., n, d) and (..., d) -> (..., n); +inf for a non-finite row.

    Summed one coordinate at a time: for small d this is several times faster
    than a reduction over a short last axis.
    """
    s = None
    with np.errstate(invalid="ignore", over="ignore"):
        for k in range(x.shape[-1]):
            dk = x[..., k] - mu[..., None, k]
            s = dk * dk if s is None else s + dk * dk
        dist = np.sqrt(s)
    return dist if np.isfinite(dist).all() else np.where(np.isfinite(dist), dist, np.inf)


def mad_scale(r: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """MAD = median_i ||x_i - mu_hat|| over active sources (Sec. III-C.1), per trial; a non-finite distance counts as +inf."""
    from ..stats.robust import nonneg_median

    return nonneg_median(r, mask)


def mw_update(w, loss, eta: float, update: str = "linear"):
    """w (1 - eta l) (Alg. 1, line 7) or w exp(-eta l) (MW.py's exponential form)."""
    return w * (1.0 - eta * loss) if update == "linear" else w * np.exp(-eta * loss)


def run_mw_batch(
    x: np.ndarray,
    *,
    eta: float,
    tau: float,
    c: float | str = SCALE.default,
    c_k: float = C_K.default,
    center: str = "median",
    loss: str = "clipped",
    update: str = UPDATE.default,
    blacklist: bool = True,
    rng: np.random.Generator | None = None,
    estimator_kw: dict | None = None,
    loss_kw: dict | None = None,
    reports: Callable[[int, np.ndarray, MWState], np.ndarray] | None = None,
) -> MWBatch:
    """Run Algorithm 1 on reports ``x`` of shape (trials, rounds, n, d).

    ``center`` names an estimator of sim.stats.robust (``estimator_names()``: plugins' centres too) or is
    "weighted_mean" (losses against the MW mean itself). ``c`` is a fixed
    scale (a known sigma) or "mad" for c(t) = c_k * MAD(t). ``loss_kw`` goes
    to the loss (beta, delta, steepness); ``reports`` is the optional hook
    for state-dependent reports (module docstring).
    """
    eta, tau, update, c, c_k = ETA.coerce(eta), TAU.coerce(tau), UPDATE.coerce(update), SCALE.coerce(c), C_K.coerce(c_k)
    x = np.asarray(x, dtype=float)
    if x.ndim != 4:
        raise ValueError("x must have shape (trials, rounds, n, d)")
    trials, rounds, n, d = x.shape
    est = None if center == "weighted_mean" else get_estimator(center)
    loss_fn = get_loss(loss)
    kw = dict(estimator_kw or {})
    lkw = dict(loss_kw or {})
    x_used = x if reports is None else np.array(x, copy=True)

    w = np.ones((trials, n))
    alive = np.ones((trials, n), dtype=bool)
    out_w = np.empty((trials, rounds + 1, n))
    out_w[:, 0] = w
    out_loss = np.zeros((trials, rounds, n))
    out_mu = np.empty((trials, rounds, d))
    out_mw = np.empty((trials, rounds, d))
    out_c = np.empty((trials, rounds))
    out_active = np.empty((trials, rounds, n), dtype=bool)
    black = np.full((trials, n), NEVER, dtype=np.int64)

    def centre_scale(xt, w, mask):
        # A trial whose sources are all blacklisted has nothing left to estimate:
        # its centre and scale are NaN, its losses 0, its weights frozen.
        live = mask.any(-1)
        if not live.all():
            mw, mu, ct = (np.full((trials, d), np.nan), np.full((trials, d), np.nan), np.full(trials, np.nan))
            dist = np.full((trials, n), np.inf)
            if live.any():
                sub = centre_scale_all(xt[live], w[live], mask[live])
                mw[live], mu[live], dist[live], ct[live] = sub
            return mw, mu, dist, ct
        return centre_scale_all(xt, w, mask)

    def robust_centre(xt, mask):
        # An estimator past its breakdown point (EstimatorError) gives a NaN centre
        # in that trial only: every loss there becomes 1 (the attack succeeded).
        try:
            return est(xt, mask, rng=rng, **kw)
        except EstimatorError:
            out = np.full((len(xt), d), np.nan)
            for i in range(len(xt)):
                try:
                    out[i] = est(xt[i : i + 1], mask[i : i + 1], rng=rng, **kw)[0]
                except EstimatorError:
                    pass
            return out

    def centre_scale_all(xt, w, mask):
        # A non-finite report is no number: its distance is +inf (loss 1), and the centre and the scale the
        # losses are measured with come from the finite reports. (Before, one NaN report made the MW-mean
        # centre NaN, every loss 1, and blacklisting removed the honest sources with the Byzantine ones.)
        # The MW mean reported as an estimate (mw) keeps every active row, as Sec. III-C.2 defines it.
        mw = weighted_mean(xt, w, mask)
        fin = np.isfinite(xt).all(-1)
        mask_f = mask if fin.all() else mask & fin
        if est is None:
            mu = mw if mask_f is mask else weighted_mean(xt, w, mask_f)
        else:
            mu = robust_centre(xt, mask_f)
        dist = row_distances(xt, mu)
        ct = np.full(len(xt), float(c)) if c != "mad" else c_k * mad_scale(dist, mask_f)
        return mw, mu, dist, np.maximum(ct, 1e-12)

    for t in range(rounds):
        xt = x_used[:, t]
        if reports is not None:
            w_now, alive_now = w, alive

            def probe(xc, mask=None, _w=w_now, _a=alive_now):
                m = _a if mask is None else (_a & np.broadcast_to(mask, _a.shape))
                _, mu_p, _, c_p = centre_scale(np.asarray(xc, dtype=float), _w, m)
                return mu_p, c_p

            state = MWState(
                t,
                w.copy(),
                alive.copy(),
                out_mu[:, t - 1].copy() if t else None,
                out_c[:, t - 1].copy() if t else None,
                probe,
            )
            xt = np.asarray(reports(t, xt.copy(), state), dtype=float)
            if xt.shape != (trials, n, d):
                raise ValueError(f"reports hook must return shape {(trials, n, d)}, got {xt.shape}")
            x_used[:, t] = xt
        out_active[:, t] = alive
        out_mw[:, t], mu, dist, ct = centre_scale(xt, w, alive)
        out_mu[:, t] = mu
        out_c[:, t] = ct
        with np.errstate(invalid="ignore"):
            r = dist / ct[:, None]
        lt = np.where(alive, loss_fn(r, alive, **lkw), 0.0)
        out_loss[:, t] = lt
        w = np.where(alive, mw_update(w, lt, eta, update), w)
        if blacklist:
            caught = alive & (w < tau)
            black[caught] = t + 1
            alive = alive & ~caught
        out_w[:, t + 1] = w
    return MWBatch(out_mu, out_mw, out_c, out_loss, out_w, out_active, black, x_used)


def rounds_to_blacklist(eta: float, tau: float, update: str = UPDATE.default) -> int:
    """Round in which a source with loss 1 every round is blacklisted (Sec. III-C.8).

    Linear: first t with (1 - eta)^t < tau, i.e. floor(log tau / log(1 - eta)) + 1
    (= ceil(log tau / log(1 - eta)) unless that ratio is an integer);
    exponential: first t with exp(-eta t) < tau.
    """
    eta, tau, update = ETA.coerce(eta), TAU.coerce(tau), UPDATE.coerce(update)
    step = math.log1p(-eta) if update == "linear" else -eta
    return math.floor(math.log(tau) / step) + 1


def honest_weight_floor(eta: float, eps: float, rounds: int) -> float:
    """exp(-4 eta eps T): the paper's lower bound on an honest weight when S_i(T) <= 2 eps T (Sec. III-C.6)."""
    import math

    return math.exp(-4.0 * eta * eps * rounds)
