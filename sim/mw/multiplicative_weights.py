"""Algorithm 1 of Knowlson et al. (Sec. III-C.9) in its simplest form.

n sources report x_i(t); a robust estimate mu_hat(t) (median of the sources
not blacklisted); pseudo-loss l_i(t) = min(1, |x_i(t) - mu_hat(t)| / c);
update w_i(t+1) = w_i(t) (1 - eta l_i(t)); optional blacklisting once
w_i(t+1) < tau. Registered as trace kind ``mw_sources``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.params import check_fields, param
from ..core.population import n_byzantine
from .adversaries import BYZ_DISTANCE, BYZ_FRACTION, BYZ_SPREAD
from .honest_data import SIGMA
from .losses import clipped_linear
from .mw_engine import C_FIXED, ETA, TAU, run_mw_batch


def pseudo_loss(x: np.ndarray, mu_hat, c: float) -> np.ndarray:
    """Clipped linear pseudo-loss min(1, |x - mu_hat| / c) (Alg. 1, line 6).

    A non-finite report has loss 1: it is an attack, not a crash.
    """
    return clipped_linear(np.abs(np.asarray(x, dtype=float) - mu_hat) / c)


@dataclass(frozen=True)
class MWConfig:
    """Algorithm 1 in its simplest form: every default and range here (the trace kind ``mw_sources`` too)."""

    n_sources: int = param(9, "number of sources n", low=2, high=100_000)
    byz_fraction: float = BYZ_FRACTION.field(1 / 3)
    rounds: int = param(12, "rounds T", low=1, high=100_000)
    eta: float = ETA.field(0.25)
    tau: float = TAU.field(0.1)
    c: float = C_FIXED.field(4.0)
    blacklist: bool = param(True, "blacklist sources whose weight falls below tau")
    mu: float = param(0.0, "true mean", low=-1e9, high=1e9)
    sigma: float = SIGMA.field()
    byz_distance: float = BYZ_DISTANCE.field(6.0)
    byz_spread: float = BYZ_SPREAD.field(0.5)

    def __post_init__(self):
        check_fields(self)

    @property
    def n_byzantine(self) -> int:
        return n_byzantine(self.byz_fraction, self.n_sources)


@dataclass(frozen=True)
class MWRun:
    x: np.ndarray  # (round, source) reports x_i(t)
    mu_hat: np.ndarray  # (round,) median of the active reports
    loss: np.ndarray  # (round, source) pseudo-loss, 0 when inactive
    weights: np.ndarray  # (step, source) w_i(t), t = 0..rounds
    active: np.ndarray  # (round, source) not blacklisted before round t
    blacklisted_at: np.ndarray  # (source,) round of blacklisting, NEVER if none
    is_byzantine: np.ndarray  # (source,)


def draw_reports(cfg: MWConfig, is_byz: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Honest: N(mu, sigma^2). Byzantine: a colluding cluster at mu + byz_distance."""
    n = cfg.n_sources
    honest = rng.normal(cfg.mu, cfg.sigma, size=(cfg.rounds, n))
    byz = rng.normal(cfg.mu + cfg.byz_distance, cfg.byz_spread, size=(cfg.rounds, n))
    return np.where(is_byz[None, :], byz, honest)


def run_mw(cfg: MWConfig, x: np.ndarray, is_byz: np.ndarray) -> MWRun:
    """Algorithm 1 on given 1-D reports ``x`` (rounds x sources), median centre, fixed c."""
    b = run_mw_batch(
        np.asarray(x, dtype=float)[None, :, :, None],
        eta=cfg.eta,
        tau=cfg.tau,
        c=cfg.c,
        center="median",
        loss="clipped",
        update="linear",
        blacklist=cfg.blacklist,
    )
    return MWRun(
        np.asarray(x, dtype=float),
        b.mu_hat[0, :, 0],
        b.loss[0],
        b.weights[0],
        b.active[0],
        b.blacklisted_at[0],
        np.asarray(is_byz, dtype=bool),
    )


def simulate_mw(cfg: MWConfig, rng: np.random.Generator) -> MWRun:
    is_byz = np.zeros(cfg.n_sources, dtype=bool)
    is_byz[rng.permutation(cfg.n_sources)[: cfg.n_byzantine]] = True
    return run_mw(cfg, draw_reports(cfg, is_byz, rng), is_byz)
