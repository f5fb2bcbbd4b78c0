"""Robust mean estimation under Byzantine sources: the prototype's MW.py as trace kinds (Sec. III-C, Figs. 1-3).

One configuration (``robust_study``): honest sub-Gaussian sources
(sim.honest_data), a beta-fraction of Byzantine ones (sim.adversaries), and
Algorithm 1 run twice on the same data, as MW.py does:

- ``mw_mean``      MW with losses measured against the MW weighted mean itself
                   (mu_hat_MW, Sec. III-C.2);
- ``mom_mw_mean``  MW with losses measured against median of means (MoM-guided);

and per round the estimates MW.py reports plus the other robust estimators,
all over the reports and active (not blacklisted) sources of the MoM-guided
run: ``mean`` (straight mean), ``mom`` (median of means = the guide),
``median``, ``trimmed_mean``, ``geometric_median``.

``robust_sweep`` runs the same over Byzantine fractions 0 ... 0.45 and every
strategy and keeps the final-round error of every estimator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.params import check_fields, param
from ..core.population import n_byzantine
from ..stats.robust import TRIM, EstimatorError, geometric_median, median, trimmed_mean
from .adversaries import (
    BYZ_FRACTION,
    DISTANCE,
    FLIP,
    RADIUS,
    SCALE_BAD,
    SPREAD,
    STRATEGIES,
    STRATEGY,
    Adversary,
    byzantine_mask,
    corrupt,
)
from .honest_data import DF, LAW, SIGMA, SOURCE_SPREAD, honest_reports
from .losses import BETA, LOSS
from .mw_engine import C_K, ETA, TAU, UPDATE, MWBatch, run_mw_batch

ESTIMATES = ("mean", "mw_mean", "mom_mw_mean", "mom", "median", "trimmed_mean", "geometric_median")
FRACTIONS = tuple(round(0.05 * i, 2) for i in range(10))  # 0 ... 0.45


@dataclass(frozen=True)
class StudyConfig:
    """One robust-estimation study: every default and range here (the kinds robust_study/robust_sweep too)."""

    n_sources: int = param(40, "number of sources n", low=2, high=100_000)
    byz_fraction: float = BYZ_FRACTION.field(0.3)
    rounds: int = param(10, "rounds T", low=1, high=10_000)
    d: int = param(2, "dimension d", low=1, high=1000)
    trials: int = param(1, "independent trials", low=1, high=100_000)
    law: str = LAW.field()
    df: float = DF.field()
    mu: float = param(0.0, "true mean (every coordinate)", low=-1e9, high=1e9)
    sigma: float = SIGMA.field()
    source_spread: float = SOURCE_SPREAD.field()
    strategy: str = STRATEGY.field()
    distance: float = DISTANCE.field()
    spread: float = SPREAD.field()
    scale_bad: float = SCALE_BAD.field()
    flip: float = FLIP.field()
    radius: float = RADIUS.field()
    eta: float = ETA.field(0.5)
    tau: float = TAU.field(0.01)
    update: str = UPDATE.field()
    loss: str = LOSS.field()
    beta: float = BETA.field()
    c_mode: str = param("mad", "c = c_k MAD(t) or c = c_k sigma (known sigma)", choices=("mad", "sigma"))
    c_k: float = C_K.field(1.5)
    blacklist: bool = param(True, "blacklist sources whose weight falls below tau")
    buckets: int = param(5, "median-of-means buckets", low=1, high=100_000)
    trim: float = TRIM.field()

    def __post_init__(self):
        check_fields(self)

    @property
    def n_byzantine(self) -> int:
        return n_byzantine(self.byz_fraction, self.n_sources)

    @property
    def adversary(self) -> Adversary:
        return Adversary(self.strategy, self.distance, self.spread, self.scale_bad, self.flip, self.radius)

    @property
    def true_mean(self) -> np.ndarray:
        return np.full(self.d, float(self.mu))


@dataclass(frozen=True)
class StudyRun:
    x: np.ndarray  # (trial, round, source, dim) reports of the MoM-guided run
    estimates: np.ndarray  # (trial, round, estimator, dim) in ESTIMATES order
    error: np.ndarray  # (trial, round, estimator) ||estimate - mu|| (inf when non-finite)
    guided: MWBatch  # Algorithm 1 against median of means
    plain: MWBatch  # Algorithm 1 against the MW mean itself
    is_byzantine: np.ndarray  # (trial, source)
    source_means: np.ndarray  # (trial, source, dim) honest mu_i (Byzantine rows: their honest-law draw)


def _loss_kw(cfg: StudyConfig) -> dict:
    return {"beta": cfg.beta} if cfg.loss == "softmin_exp" else {}


def _masked(est, x, mask, **kw):
    """est over trials that still have an active source; NaN where none is left."""
    d = x.shape[-1]
    out = np.full((*x.shape[:-2], d), np.nan)
    live = mask.any(-1)
    if live.any():
        try:
            out[live] = est(x[live], mask[live], **kw)
        except EstimatorError:
            for i in np.flatnonzero(live):  # only the hopeless trials go NaN
                try:
                    out[i] = est(x[i], mask[i], **kw)
                except EstimatorError:
                    pass
    return out


def run_study(cfg: StudyConfig, rng: np.random.Generator, extra_estimators: bool = True) -> StudyRun:
    """Honest data, Byzantine reports, Algorithm 1 twice (MW mean, MoM-guided) and every estimate per round."""
    r_data, r_adv, r_plain, r_guided = rng.spawn(4)
    T, n, d, K = cfg.trials, cfg.n_sources, cfg.d, cfg.rounds
    x0, mu_i = honest_reports(cfg.law, cfg.true_mean, cfg.sigma, cfg.source_spread, T, K, n, r_data, cfg.df)
    is_byz = byzantine_mask(T, n, cfg.n_byzantine)
    x, hook = corrupt(cfg.adversary, x0, is_byz, cfg.true_mean, cfg.sigma, cfg.source_spread, r_adv)
    c = "mad" if cfg.c_mode == "mad" else cfg.c_k * cfg.sigma
    common = dict(
        eta=cfg.eta,
        tau=cfg.tau,
        c=c,
        c_k=cfg.c_k,
        loss=cfg.loss,
        update=cfg.update,
        blacklist=cfg.blacklist,
        loss_kw=_loss_kw(cfg),
        reports=hook,
    )
    plain = run_mw_batch(x, center="weighted_mean", rng=r_plain, **common)
    guided = run_mw_batch(x, center="median_of_means", rng=r_guided, estimator_kw={"buckets": cfg.buckets}, **common)
    xg, act = guided.x, guided.active
    est = np.full((T, K, len(ESTIMATES), d), np.nan)
    est[:, :, 1] = plain.mw_mean
    est[:, :, 2] = guided.mw_mean
    est[:, :, 3] = guided.mu_hat
    with np.errstate(invalid="ignore", over="ignore"):
        est[:, :, 0] = np.where(
            act.any(-1)[..., None],
            np.where(act[..., None], xg, 0.0).sum(-2) / np.maximum(act.sum(-1), 1)[..., None],
            np.nan,
        )
    rounds = range(K) if extra_estimators else [K - 1]
    for t in rounds:
        est[:, t, 4] = _masked(median, xg[:, t], act[:, t])
        est[:, t, 5] = _masked(trimmed_mean, xg[:, t], act[:, t], trim=cfg.trim)
        est[:, t, 6] = _masked(geometric_median, xg[:, t], act[:, t])
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.linalg.norm(est - cfg.true_mean, axis=-1)
    err = np.where(np.isnan(err), np.inf, err)
    return StudyRun(xg, est, err, guided, plain, is_byz, mu_i)


# -- trace kinds ---------------------------------------------------------------------------------------------


def run_sweep(cfg: StudyConfig, rng: np.random.Generator, strategies=STRATEGIES, fractions=FRACTIONS) -> np.ndarray:
    """Final-round error (strategy, fraction, estimator, trial); one child Generator per cell."""
    out = np.empty((len(strategies), len(fractions), len(ESTIMATES), cfg.trials))
    cells = rng.spawn(len(strategies) * len(fractions))
    for i, s in enumerate(strategies):
        for j, f in enumerate(fractions):
            c = StudyConfig(**{**cfg.__dict__, "strategy": s, "byz_fraction": f})
            out[i, j] = run_study(c, cells[i * len(fractions) + j], extra_estimators=False).error[:, -1].T
    return out
