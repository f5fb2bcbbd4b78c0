"""Byzantine sources: what a beta-fraction of the sources report instead of honest data (Sec. III-C).

Static strategies replace the Byzantine rows of pre-drawn reports; state-
dependent ones (``sign_flip``, ``adaptive``) return a ``reports`` hook for
:func:`sim.mw_engine.run_mw_batch`, which shows them the round's honest
reports and lets them probe the centre mu_hat and scale c before reporting.
u = e_1 is the direction of every biased attack.

- ``cluster``    colluding cluster: mu + distance u + source_spread z_j + spread e_j(t)
- ``scattered``  far points in random directions: mu + distance (1 + 2 U) v, |v| = 1, fresh each round
- ``scale_bad``  MW.py's large variance: mu_j + scale_bad sigma e_j(t) (centred, only noisy)
- ``sign_flip``  mirror of its own honest draw about the current estimate m, amplified:
                 m - flip (x~_j(t) - m)
- ``adaptive``   reads mu_hat and c (probe) and reports mu_hat + radius c u with radius < 1,
                 so its clipped loss stays below 1 (the weak spot of the clipped loss)
- ``nonfinite``  NaN, +inf, -inf rows in turn (an attack on the arithmetic, not a crash)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.params import Param, check_fields

STRATEGIES = ("cluster", "scattered", "scale_bad", "sign_flip", "adaptive", "nonfinite")
STATE_DEPENDENT = ("sign_flip", "adaptive")

# Who is Byzantine and where the simple Byzantine cluster reports (the configurations, kinds and sweeps of sim.mw).
BYZ_FRACTION = Param(
    "byz_fraction", float, 0.3, "fraction beta of Byzantine sources (floor(beta n))", low=0.0, high=0.5, high_open=True
)
BYZ_DISTANCE = Param("byz_distance", float, 5.0, "mean of the Byzantine reports (offset from mu)", low=-1e12, high=1e12)
BYZ_SPREAD = Param("byz_spread", float, 1.0, "standard deviation of the Byzantine reports", low=0.0, high=1e9)

# The adversary's parameters, declared once (robust_study.StudyConfig holds the same fields).
STRATEGY = Param("strategy", str, "cluster", "Byzantine strategy", choices=STRATEGIES)
DISTANCE = Param("distance", float, 5.5, "cluster/scattered: distance from mu", low=0.0, high=1e12)
SPREAD = Param("spread", float, 1.0, "cluster: noise of each Byzantine report", low=0.0, high=1e9)
SCALE_BAD = Param("scale_bad", float, 10.0, "scale_bad: noise multiplier", low=0.0, high=1e9)
FLIP = Param("flip", float, 3.0, "sign_flip: amplification", low=0.0, high=1e9)
RADIUS = Param("radius", float, 0.9, "adaptive: distance from mu_hat in units of c", low=0.0, high=1e3, low_open=True)


@dataclass(frozen=True)
class Adversary:
    strategy: str = STRATEGY.field()
    distance: float = DISTANCE.field()  # cluster / scattered: how far from mu
    spread: float = SPREAD.field()  # cluster: per-round noise of each Byzantine report
    scale_bad: float = SCALE_BAD.field()  # scale_bad: noise multiplier
    flip: float = FLIP.field()  # sign_flip: amplification of the mirrored deviation
    radius: float = RADIUS.field()  # adaptive: distance from mu_hat in units of c

    def __post_init__(self):
        check_fields(self)


def byzantine_mask(trials: int, n: int, n_byz: int) -> np.ndarray:
    """(trials, n): the last n_byz sources are Byzantine (estimators are permutation invariant)."""
    m = np.zeros((trials, n), dtype=bool)
    if n_byz:
        m[:, n - n_byz :] = True
    return m


def _direction(d: int) -> np.ndarray:
    u = np.zeros(d)
    u[0] = 1.0
    return u


def corrupt(
    adv: Adversary, x: np.ndarray, is_byz: np.ndarray, mu, sigma: float, source_spread: float, rng: np.random.Generator
):
    """(x', hook): reports with Byzantine rows replaced and the engine hook (None for static strategies).

    ``x`` (trials, rounds, n, d) holds honest-law draws for every source;
    ``is_byz`` (trials, n). The Byzantine rows of ``x`` are what sign_flip mirrors.
    """
    x = np.array(x, dtype=float, copy=True)
    trials, rounds, n, d = x.shape
    mu = np.broadcast_to(np.asarray(mu, dtype=float), (d,))
    u = _direction(d)
    b4 = np.broadcast_to(is_byz[:, None, :, None], x.shape)
    s = adv.strategy
    if s == "cluster":
        centre = mu + adv.distance * u + source_spread * rng.standard_normal((trials, 1, n, d))
        x = np.where(b4, centre + adv.spread * rng.standard_normal(x.shape), x)
    elif s == "scattered":
        v = rng.standard_normal(x.shape)
        v /= np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-300)
        r = adv.distance * (1.0 + 2.0 * rng.random(x.shape[:-1]))[..., None]
        x = np.where(b4, mu + r * v, x)
    elif s == "scale_bad":
        # centred like an honest source, with Gaussian noise scale_bad times larger
        centre = mu + source_spread * rng.standard_normal((trials, 1, n, d))
        x = np.where(b4, centre + adv.scale_bad * sigma * rng.standard_normal(x.shape), x)
    elif s == "nonfinite":
        kinds = np.array([np.nan, np.inf, -np.inf])
        pick = kinds[np.arange(n) % 3]
        x = np.where(b4, pick[None, None, :, None], x)
    hook = None
    if s == "sign_flip":
        hook = _sign_flip_hook(adv, is_byz)
    elif s == "adaptive":
        hook = _adaptive_hook(adv, is_byz, u)
    return x, hook


def _honest_centre(xt, state, is_byz):
    """The centre (and scale) the engine would compute from the honest reports alone."""
    return state.probe(xt, ~is_byz)


def _sign_flip_hook(adv: Adversary, is_byz: np.ndarray):
    def reports(t, xt, state):
        m, _ = _honest_centre(xt, state, is_byz)
        m = np.where(np.isfinite(m), m, 0.0)[:, None, :]
        flipped = m - adv.flip * (xt - m)
        return np.where(is_byz[..., None], flipped, xt)

    return reports


def _adaptive_hook(adv: Adversary, is_byz: np.ndarray, u: np.ndarray, iterations: int = 3):
    def reports(t, xt, state):
        m, c = _honest_centre(xt, state, is_byz)
        for _ in range(iterations):
            ok = np.isfinite(m).all(-1) & np.isfinite(c)
            target = np.where(ok[:, None], m + adv.radius * np.where(ok, c, 0.0)[:, None] * u, 0.0)
            xt = np.where(is_byz[..., None], target[:, None, :], xt)
            m, c = state.probe(xt)  # a rushing adversary: re-aim at the centre it creates
        return xt

    return reports
