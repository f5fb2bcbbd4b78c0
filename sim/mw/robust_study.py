"""Robust mean estimation under Byzantine sources: seed 000's MW.py as trace kinds (Sec. III-C, Figs. 1-3).

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

from dataclasses import dataclass, fields

import numpy as np

from ..core.errors import ParamError
from ..core.kinds import trace_kind
from ..core.params import Param
from ..core.population import check_honest_left, n_byzantine
from ..core.trace import ArraySpec
from ..stats.robust import EstimatorError, geometric_median, median, trimmed_mean
from .adversaries import STRATEGIES, Adversary, byzantine_mask, corrupt
from .honest_data import LAWS, SUB_GAUSSIAN, honest_reports
from .losses import LOSSES
from .mw_engine import ETA_MIN, UPDATES, MWBatch, rounds_to_blacklist, run_mw_batch

ESTIMATES = ("mean", "mw_mean", "mom_mw_mean", "mom", "median", "trimmed_mean", "geometric_median")
LABELS = {
    "mean": "straight mean",
    "mw_mean": "MW mean (to MW mean)",
    "mom_mw_mean": "MoM-guided MW mean",
    "mom": "median of means",
    "median": "coordinate median",
    "trimmed_mean": "trimmed mean",
    "geometric_median": "geometric median",
}
FRACTIONS = tuple(round(0.05 * i, 2) for i in range(10))  # 0 ... 0.45


@dataclass(frozen=True)
class StudyConfig:
    n_sources: int = 40
    byz_fraction: float = 0.3
    rounds: int = 10
    d: int = 2
    trials: int = 1
    law: str = "gaussian"
    df: float = 3.0
    mu: float = 0.0
    sigma: float = 1.0
    source_spread: float = 0.5
    strategy: str = "cluster"
    distance: float = 5.5
    spread: float = 1.0
    scale_bad: float = 10.0
    flip: float = 3.0
    radius: float = 0.9
    eta: float = 0.5
    tau: float = 0.01
    update: str = "linear"
    loss: str = "clipped"
    beta: float = 2.0
    c_mode: str = "mad"
    c_k: float = 1.5
    blacklist: bool = True
    buckets: int = 5
    trim: float = 0.1

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


def _params(**over) -> tuple[Param, ...]:
    """The declared parameters of StudyConfig (defaults overridable per kind)."""
    c = StudyConfig()
    dflt = {f.name: over.get(f.name, getattr(c, f.name)) for f in fields(StudyConfig)}
    return (
        Param("n_sources", int, dflt["n_sources"], "number of sources n", low=2, high=100_000),
        Param(
            "byz_fraction",
            float,
            dflt["byz_fraction"],
            "fraction beta of Byzantine sources (floor(beta n))",
            low=0.0,
            high=0.5,
            high_open=True,
        ),
        Param("rounds", int, dflt["rounds"], "rounds T", low=1, high=10_000),
        Param("d", int, dflt["d"], "dimension d", low=1, high=1000),
        Param("trials", int, dflt["trials"], "independent trials", low=1, high=100_000),
        Param("law", str, dflt["law"], "honest noise law (student_t is NOT sub-Gaussian)", choices=LAWS),
        Param("df", float, dflt["df"], "degrees of freedom of student_t", low=2.0, high=1e6, low_open=True),
        Param("mu", float, dflt["mu"], "true mean (every coordinate)", low=-1e9, high=1e9),
        Param("sigma", float, dflt["sigma"], "honest noise standard deviation", low=0.0, high=1e9, low_open=True),
        Param(
            "source_spread", float, dflt["source_spread"], "spread of the honest source means mu_i", low=0.0, high=1e9
        ),
        Param("strategy", str, dflt["strategy"], "Byzantine strategy", choices=STRATEGIES),
        Param("distance", float, dflt["distance"], "cluster/scattered: distance from mu", low=0.0, high=1e12),
        Param("spread", float, dflt["spread"], "cluster: noise of each Byzantine report", low=0.0, high=1e9),
        Param("scale_bad", float, dflt["scale_bad"], "scale_bad: noise multiplier", low=0.0, high=1e9),
        Param("flip", float, dflt["flip"], "sign_flip: amplification", low=0.0, high=1e9),
        Param(
            "radius",
            float,
            dflt["radius"],
            "adaptive: distance from mu_hat in units of c",
            low=0.0,
            high=1e3,
            low_open=True,
        ),
        Param("eta", float, dflt["eta"], "learning rate eta", low=ETA_MIN, high=1.0, high_open=True),
        Param(
            "tau", float, dflt["tau"], "blacklisting threshold tau", low=0.0, high=1.0, low_open=True, high_open=True
        ),
        Param("update", str, dflt["update"], "linear w(1 - eta l) or exp w exp(-eta l)", choices=UPDATES),
        Param("loss", str, dflt["loss"], "pseudo-loss", choices=tuple(LOSSES)),
        Param("beta", float, dflt["beta"], "softmin_exp exponent", low=0.0, high=100.0, low_open=True),
        Param("c_mode", str, dflt["c_mode"], "c = c_k MAD(t) or c = c_k sigma (known sigma)", choices=("mad", "sigma")),
        Param("c_k", float, dflt["c_k"], "multiplier k of c", low=0.0, high=1e6, low_open=True),
        Param("blacklist", bool, dflt["blacklist"], "blacklist sources whose weight falls below tau"),
        Param("buckets", int, dflt["buckets"], "median-of-means buckets", low=1, high=100_000),
        Param(
            "trim",
            float,
            dflt["trim"],
            "trimmed-mean fraction per end",
            low=0.0,
            high=0.5,
            low_open=True,
            high_open=True,
        ),
    )


def _check(p: dict) -> None:
    cfg = StudyConfig(**p)
    check_honest_left(cfg.byz_fraction, cfg.n_sources)
    if cfg.buckets > cfg.n_sources:
        raise ParamError(f"buckets: must be an integer in [1, n_sources={cfg.n_sources}], got {cfg.buckets}")
    if cfg.trials * cfg.rounds * cfg.n_sources * cfg.d > 20_000_000:
        raise ParamError("trials: trials * rounds * n_sources * d must stay within 2e7 reports per trace")


def _meta(cfg: StudyConfig) -> dict:
    return {
        "estimators": list(ESTIMATES),
        "estimator_labels": [LABELS[e] for e in ESTIMATES],
        "labels": [f"S{i + 1}" for i in range(cfg.n_sources - cfg.n_byzantine)]
        + [f"B{i + 1}" for i in range(cfg.n_byzantine)],
        "n_byzantine": cfg.n_byzantine,
        "sub_gaussian": SUB_GAUSSIAN[cfg.law],
        "theoretical_blacklist_round": rounds_to_blacklist(cfg.eta, cfg.tau, cfg.update),
        "estimates_over": "reports and active sources of the MoM-guided run",
    }


_ARRAYS = {
    "x": ArraySpec("float64", ("trial", "round", "source", "dim"), "reports x_i(t) (MoM-guided run)"),
    "x_mw": ArraySpec(
        "float64",
        ("trial", "round", "source", "dim"),
        "reports of the MW-mean run (differ only for state-dependent strategies)",
    ),
    "estimates": ArraySpec(
        "float64", ("trial", "round", "estimator", "dim"), "every estimate per round, meta.estimators order"
    ),
    "error": ArraySpec("float64", ("trial", "round", "estimator"), "||estimate - mu|| (inf if non-finite)"),
    "true_mean": ArraySpec("float64", ("dim",), "mu"),
    "source_means": ArraySpec("float64", ("trial", "source", "dim"), "honest source means mu_i"),
    "is_byzantine": ArraySpec("bool", ("trial", "source"), "ground truth"),
    "weights": ArraySpec("float64", ("trial", "step", "source"), "w_i(t), MoM-guided run"),
    "loss": ArraySpec("float64", ("trial", "round", "source"), "pseudo-loss, MoM-guided run"),
    "c": ArraySpec("float64", ("trial", "round"), "loss scale c(t), MoM-guided run"),
    "active": ArraySpec("bool", ("trial", "round", "source"), "not blacklisted before round t, MoM-guided run"),
    "blacklisted_at": ArraySpec(
        "int64", ("trial", "source"), "round of blacklisting (1-based), -1 if never, MoM-guided run"
    ),
    "weights_mw": ArraySpec("float64", ("trial", "step", "source"), "w_i(t), MW-mean run"),
    "loss_mw": ArraySpec("float64", ("trial", "round", "source"), "pseudo-loss, MW-mean run"),
    "c_mw": ArraySpec("float64", ("trial", "round"), "loss scale, MW-mean run"),
    "active_mw": ArraySpec("bool", ("trial", "round", "source"), "active, MW-mean run"),
    "blacklisted_at_mw": ArraySpec("int64", ("trial", "source"), "round of blacklisting, MW-mean run"),
}


@trace_kind(
    "robust_study",
    version=2,  # 2: ±inf reports keep their sign in the order statistics (strategy nonfinite changes)
    summary="Seed 000's MW.py: robust estimators and MW (to MW mean, MoM-guided) on Byzantine sub-Gaussian sources",
    params=_params(),
    arrays=_ARRAYS,
    sizes=lambda p: {
        "trial": p["trials"],
        "round": p["rounds"],
        "step": p["rounds"] + 1,
        "source": p["n_sources"],
        "dim": p["d"],
        "estimator": len(ESTIMATES),
    },
    check=_check,
    work=lambda p: p["trials"] * p["rounds"] * p["n_sources"] * p["d"],  # reports (x, x_mw are kept)
    max_work=2e7,
)
def _robust_study(p: dict, rng: np.random.Generator):
    cfg = StudyConfig(**p)
    r = run_study(cfg, rng)
    g, m = r.guided, r.plain
    arrays = {
        "x": r.x,
        "x_mw": m.x,
        "estimates": r.estimates,
        "error": r.error,
        "true_mean": cfg.true_mean,
        "source_means": r.source_means,
        "is_byzantine": r.is_byzantine,
        "weights": g.weights,
        "loss": g.loss,
        "c": g.c,
        "active": g.active,
        "blacklisted_at": g.blacklisted_at,
        "weights_mw": m.weights,
        "loss_mw": m.loss,
        "c_mw": m.c,
        "active_mw": m.active,
        "blacklisted_at_mw": m.blacklisted_at,
    }
    return arrays, _meta(cfg)


def run_sweep(cfg: StudyConfig, rng: np.random.Generator, strategies=STRATEGIES, fractions=FRACTIONS) -> np.ndarray:
    """Final-round error (strategy, fraction, estimator, trial); one child Generator per cell."""
    out = np.empty((len(strategies), len(fractions), len(ESTIMATES), cfg.trials))
    cells = rng.spawn(len(strategies) * len(fractions))
    for i, s in enumerate(strategies):
        for j, f in enumerate(fractions):
            c = StudyConfig(**{**cfg.__dict__, "strategy": s, "byz_fraction": f})
            out[i, j] = run_study(c, cells[i * len(fractions) + j], extra_estimators=False).error[:, -1].T
    return out


@trace_kind(
    "robust_sweep",
    version=2,  # 2: ±inf reports keep their sign in the order statistics (strategy nonfinite changes)
    summary="Final error of every estimator across Byzantine fraction 0 ... 0.45 and strategy",
    params=tuple(p for p in _params(trials=200) if p.name not in ("byz_fraction", "strategy")),
    arrays={
        "final_error": ArraySpec(
            "float64", ("strategy", "fraction", "estimator", "trial"), "error after the last round"
        ),
        "fractions": ArraySpec("float64", ("fraction",), "Byzantine fractions beta"),
    },
    sizes=lambda p: {
        "strategy": len(STRATEGIES),
        "fraction": len(FRACTIONS),
        "estimator": len(ESTIMATES),
        "trial": p["trials"],
    },
    check=lambda p: _check({**p, "byz_fraction": max(FRACTIONS), "strategy": "cluster"}),
    work=lambda p: len(STRATEGIES) * len(FRACTIONS) * p["trials"] * p["rounds"] * p["n_sources"] * p["d"],
    max_work=2e8,
)
def _robust_sweep(p: dict, rng: np.random.Generator):
    cfg = StudyConfig(**{**p, "byz_fraction": 0.0, "strategy": "cluster"})
    err = run_sweep(cfg, rng)
    meta = {
        "strategies": list(STRATEGIES),
        "estimators": list(ESTIMATES),
        "estimator_labels": [LABELS[e] for e in ESTIMATES],
        "sub_gaussian": SUB_GAUSSIAN[cfg.law],
    }
    return {"final_error": err, "fractions": np.array(FRACTIONS)}, meta
