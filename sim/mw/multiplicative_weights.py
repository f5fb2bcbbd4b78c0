"""Algorithm 1 of Knowlson et al. (Sec. III-C.9) in its simplest form.

n sources report x_i(t); a robust estimate mu_hat(t) (median of the sources
not blacklisted); pseudo-loss l_i(t) = min(1, |x_i(t) - mu_hat(t)| / c);
update w_i(t+1) = w_i(t) (1 - eta l_i(t)); optional blacklisting once
w_i(t+1) < tau. Registered as trace kind ``mw_sources``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.kinds import trace_kind
from ..core.params import Param
from ..core.population import check_honest_left, n_byzantine
from ..core.trace import ArraySpec
from .losses import clipped_linear
from .mw_engine import ETA_MIN, rounds_to_blacklist, run_mw_batch


def pseudo_loss(x: np.ndarray, mu_hat, c: float) -> np.ndarray:
    """Clipped linear pseudo-loss min(1, |x - mu_hat| / c) (Alg. 1, line 6).

    A non-finite report has loss 1: it is an attack, not a crash.
    """
    return clipped_linear(np.abs(np.asarray(x, dtype=float) - mu_hat) / c)


@dataclass(frozen=True)
class MWConfig:
    n_sources: int = 9
    byz_fraction: float = 1 / 3
    rounds: int = 12
    eta: float = 0.25
    tau: float = 0.1
    c: float = 4.0
    blacklist: bool = True
    mu: float = 0.0
    sigma: float = 1.0
    byz_distance: float = 6.0
    byz_spread: float = 0.5

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


def _check(p: dict) -> None:
    check_honest_left(p["byz_fraction"], p["n_sources"])


@trace_kind(
    "mw_sources",
    version=1,
    summary="Algorithm 1 (simplest form): median estimate, clipped loss, MW update, blacklisting",
    params=(
        Param("n_sources", int, 9, "number of sources n", low=2, high=100_000),
        Param(
            "byz_fraction",
            float,
            1 / 3,
            "fraction of Byzantine sources (floor(beta n))",
            low=0.0,
            high=0.5,
            high_open=True,
        ),
        Param("rounds", int, 12, "rounds T", low=1, high=100_000),
        Param("eta", float, 0.25, "learning rate eta", low=ETA_MIN, high=1.0, high_open=True),
        Param("tau", float, 0.1, "blacklisting threshold tau", low=0.0, high=1.0, low_open=True, high_open=True),
        Param("c", float, 4.0, "loss scale c (data units)", low=0.0, high=1e9, low_open=True),
        Param("blacklist", bool, True, "blacklist sources whose weight falls below tau"),
        Param("mu", float, 0.0, "true mean", low=-1e9, high=1e9),
        Param("sigma", float, 1.0, "honest standard deviation", low=0.0, high=1e9, low_open=True),
        Param("byz_distance", float, 6.0, "offset of the Byzantine cluster from mu", low=-1e12, high=1e12),
        Param("byz_spread", float, 0.5, "standard deviation of the Byzantine cluster", low=0.0, high=1e9),
    ),
    arrays={
        "x": ArraySpec("float64", ("round", "source"), "reports x_i(t)"),
        "mu_hat": ArraySpec("float64", ("round",), "median of active reports"),
        "loss": ArraySpec("float64", ("round", "source"), "pseudo-loss l_i(t)"),
        "weights": ArraySpec("float64", ("step", "source"), "w_i(t), t = 0..T"),
        "active": ArraySpec("bool", ("round", "source"), "source not blacklisted before round t"),
        "blacklisted_at": ArraySpec("int64", ("source",), "round of blacklisting, -1 if never"),
        "is_byzantine": ArraySpec("bool", ("source",), "ground truth"),
    },
    work=lambda p: p["rounds"] * p["n_sources"],  # reports; four (round, source) arrays are kept
    max_work=1e7,
    sizes=lambda p: {"round": p["rounds"], "step": p["rounds"] + 1, "source": p["n_sources"]},
    check=_check,
)
def _mw_sources(p: dict, rng: np.random.Generator):
    cfg = MWConfig(**p)
    r = simulate_mw(cfg, rng)
    arrays = {k: getattr(r, k) for k in ("x", "mu_hat", "loss", "weights", "active", "blacklisted_at", "is_byzantine")}
    meta = {
        "labels": [f"S{i + 1}" for i in range(cfg.n_sources)],
        "n_byzantine": cfg.n_byzantine,
        "theoretical_blacklist_round": rounds_to_blacklist(cfg.eta, cfg.tau),
    }
    return arrays, meta
