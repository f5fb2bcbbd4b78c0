"""The MW estimation subject's trace kinds: what the studio can replay (Knowlson et al., Algorithm 1).

- ``wisdom_crowd``: guesses of a crowd, some of them Byzantine, and the estimates of their centre;
- ``blacklisting_cell``: one cell of the verification sweep, traced round by round (:mod:`.verification`);
- ``robust_study`` / ``robust_sweep``: MW estimates against the robust baselines (:mod:`.robust_study`);
- ``robust_study_paper``: the same study as the paper's code ran it (:mod:`.paper_compat`);
- ``mw_sources``: multiplicative weights over sources, weights and blacklist per round (:mod:`.multiplicative_weights`);
- ``primal_dual``: the point-line duality of the primal/dual picture (:mod:`.duality`).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..core.errors import ParamError
from ..core.kinds import trace_kind
from ..core.params import Param, params_of
from ..core.population import check_honest_left, n_byzantine
from ..core.trace import ArraySpec
from ..stats.robust import ESTIMATOR, mean, median, median_of_means
from .adversaries import BYZ_DISTANCE, BYZ_FRACTION, BYZ_SPREAD, STRATEGIES
from .duality import (
    VERTICAL_TOL,
    crosses_segment,
    direction,
    dual_line,
    dual_point,
    in_double_wedge,
    intersect,
    line_through,
    segment_points,
)
from .honest_data import SIGMA, SUB_GAUSSIAN
from .losses import LOSS
from .multiplicative_weights import MWConfig, simulate_mw
from .mw_engine import C_FIXED, ETA, TAU, rounds_to_blacklist
from .paper_compat import (
    DIFFERENCES,
    RUN_LOSSES,
    STUDY_ESTIMATES,
    STUDY_SUMMARY,
    PaperStudyConfig,
    legacy_rng_name,
    run_paper_study,
)
from .robust_study import ESTIMATES, FRACTIONS, StudyConfig, run_study, run_sweep
from .table1 import exact_T
from .verification import CellResult, first_below, run_cell

# ---------------------------------------------------------------------- wisdom_crowd (wisdom_crowd.py)
CROWD_ESTIMATORS = ("mean", "median", "median_of_means")


def _check_crowd(p: dict) -> None:
    check_honest_left(p["byz_fraction"], p["n_guesses"], "guesser")


@trace_kind(
    "wisdom_crowd",
    version=1,
    summary="Guess the beans: running mean, median and median of means as honest and extreme guesses arrive",
    params=(
        Param("n_guesses", int, 25, "number of guessers", low=1, high=100_000),
        replace(BYZ_FRACTION, default=0.2, doc="fraction of Byzantine (extreme) guessers"),
        Param("true_count", int, 1000, "beans in the jar", low=1, high=10**9),
        Param("rel_sd", float, 0.15, "honest standard deviation / true_count", low=0.0, high=10.0),
        Param("high_factor", float, 5.0, "high extreme guess / true_count", low=1.0, high=1e6),
        Param("buckets", int, 5, "median-of-means buckets", low=1, high=100_000),
    ),
    arrays={
        "guesses": ArraySpec("float64", ("guess",), "guesses in arrival order"),
        "is_byzantine": ArraySpec("bool", ("guess",), "ground truth, arrival order"),
        "running": ArraySpec("float64", ("guess", "estimator"), "estimate after each arrival (mean, median, MoM)"),
        "final_error": ArraySpec("float64", ("estimator",), "|final estimate - true_count|"),
    },
    sizes=lambda p: {"guess": p["n_guesses"], "estimator": len(CROWD_ESTIMATORS)},
    check=_check_crowd,
    work=lambda p: p["n_guesses"] ** 2,  # every estimator on every prefix of the arrivals
    max_work=1e8,
)
def _wisdom_crowd(p: dict, rng: np.random.Generator):
    n, true = p["n_guesses"], float(p["true_count"])
    nb = n_byzantine(p["byz_fraction"], n)
    honest = np.maximum(0.0, np.round(true + p["rel_sd"] * true * rng.standard_normal(n - nb)))
    extremes = np.where(np.arange(nb) % 2 == 0, p["high_factor"] * true, 0.0)
    g = np.concatenate([honest, extremes])
    byz = np.arange(n) >= n - nb
    order = rng.permutation(n)
    g, byz = g[order], byz[order]
    running = np.empty((n, len(CROWD_ESTIMATORS)))
    for k in range(1, n + 1):
        xk = g[:k, None]
        running[k - 1] = [mean(xk)[0], median(xk)[0], median_of_means(xk, rng=rng, buckets=min(p["buckets"], k))[0]]
    meta = {
        "estimators": list(CROWD_ESTIMATORS),
        "n_byzantine": nb,
        "estimator_labels": ["mean", "median", "median of means"],
    }
    return {"guesses": g, "is_byzantine": byz, "running": running, "final_error": np.abs(running[-1] - true)}, meta


# ---------------------------------------------------------------------- blacklisting_cell (verification.py)
def _check_cell(p: dict) -> None:
    check_honest_left(p["byz_fraction"], p["n_sources"])
    if n_byzantine(p["byz_fraction"], p["n_sources"]) < 1:
        raise ParamError(
            f"byz_fraction: must give at least one Byzantine source (floor(byz_fraction * n_sources) >= 1), "
            f"got {p['byz_fraction']:g} with n_sources={p['n_sources']}"
        )


@trace_kind(
    "blacklisting_cell",
    version=1,
    summary="one cell of the verification sweep: weight curves racing to tau (Figs. 5-6), for BlacklistingRace",
    params=(
        replace(ETA, default=0.1),
        replace(TAU, default=0.08),
        Param("n_sources", int, 20, "number of sources n", low=2, high=1000),
        BYZ_FRACTION,
        BYZ_DISTANCE,
        Param("rounds", int, 35, "rounds", low=1, high=10_000),
        Param("trials", int, 200, "trials for the mean curves and the empirical T spread", low=1, high=100_000),
        replace(C_FIXED, default=1.5),
        LOSS,
        ESTIMATOR,
        SIGMA,
        BYZ_SPREAD,
        Param("delta", float, 0.1, "honest failure budget delta", low=0.0, high=1.0, low_open=True, high_open=True),
    ),
    arrays={
        "weights": ArraySpec("float64", ("source", "step"), "w_i(t) of the replayed trial, t = 0..rounds"),
        "blacklisted_at": ArraySpec("int64", ("source",), "round of blacklisting in the replayed trial, -1 if never"),
        "is_byzantine": ArraySpec("bool", ("source",), "ground truth"),
        "avg_honest": ArraySpec("float64", ("step",), "average honest weight of the replayed trial"),
        "avg_byzantine": ArraySpec("float64", ("step",), "average Byzantine weight of the replayed trial"),
        "mean_honest": ArraySpec("float64", ("step",), "average honest weight, mean over trials"),
        "mean_byzantine": ArraySpec("float64", ("step",), "average Byzantine weight, mean over trials"),
        "T_emp": ArraySpec(
            "int64", ("trial",), "per trial: first round the average Byzantine weight < tau (-1: never)"
        ),
    },
    sizes=lambda p: {"source": p["n_sources"], "step": p["rounds"] + 1, "trial": p["trials"]},
    check=_check_cell,
    work=lambda p: p["trials"] * p["rounds"] * p["n_sources"],  # reports, drawn in bounded chunks
)
def _blacklisting_cell(p: dict, rng: np.random.Generator):
    q = {**p, "byz_target": 0.8, "confidence": 0.95}
    r = CellResult.from_record(0, q, run_cell(q, rng))
    cell = r.cell
    w = r.example_w
    nh = r.n_honest
    stats = r.T_stats()
    t0 = int(first_below(w[nh:].mean(0)[None], cell.tau)[0])
    arrays = {
        "weights": w,
        "blacklisted_at": r.example_black,
        "is_byzantine": r.is_byz,
        "avg_honest": w[:nh].mean(0),
        "avg_byzantine": w[nh:].mean(0),
        "mean_honest": r.mean_honest,
        "mean_byzantine": r.mean_byz,
        "T_emp": r.T_emp,
    }
    meta = {
        "T_theory": r.T_theory,
        "T_theory_exact": exact_T(cell.eta, cell.tau),
        "x_theory": r.x_theory,
        "T_emp_trial": t0,
        "T_emp_mean": stats["T_emp_mean"] if math.isfinite(stats["T_emp_mean"]) else None,
        "T_reached": r.reached,
        "p_honest": r.p_honest,
        "p_byz": r.p_byz,
        "n_byzantine": r.n_byzantine,
        "n_honest": nh,
        "meets_targets": r.meets_targets,
        "labels": [f"S{i + 1}" for i in range(cell.n_sources)],
    }
    return arrays, meta


# ---------------------------------------------------------------------- robust_study, robust_sweep (robust_study.py)
LABELS = {
    "mean": "straight mean",
    "mw_mean": "MW mean (to MW mean)",
    "mom_mw_mean": "MoM-guided MW mean",
    "mom": "median of means",
    "median": "coordinate median",
    "trimmed_mean": "trimmed mean",
    "geometric_median": "geometric median",
}


def _params(**over) -> tuple[Param, ...]:
    """The declared parameters of StudyConfig (defaults overridable per kind)."""
    return params_of(StudyConfig, **over)


def _check_study(p: dict) -> None:
    cfg = StudyConfig(**p)
    check_honest_left(cfg.byz_fraction, cfg.n_sources)
    if cfg.buckets > cfg.n_sources:
        raise ParamError(f"buckets: must be an integer in [1, n_sources={cfg.n_sources}], got {cfg.buckets}")


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
    "x": ArraySpec("float64", ("trial", "round", "source", "dim"), "reports x_i(t) (MoM-guided run)", finite=False),
    "x_mw": ArraySpec(
        "float64",
        ("trial", "round", "source", "dim"),
        "reports of the MW-mean run (differ only for state-dependent strategies)",
        finite=False,
    ),
    "estimates": ArraySpec(
        "float64",
        ("trial", "round", "estimator", "dim"),
        "every estimate per round, meta.estimators order",
        finite=False,
    ),
    "error": ArraySpec(
        "float64", ("trial", "round", "estimator"), "||estimate - mu|| (inf if non-finite)", low=0, finite=False
    ),
    "true_mean": ArraySpec("float64", ("dim",), "mu"),
    "source_means": ArraySpec("float64", ("trial", "source", "dim"), "honest source means mu_i"),
    "is_byzantine": ArraySpec("bool", ("trial", "source"), "ground truth"),
    "weights": ArraySpec("float64", ("trial", "step", "source"), "w_i(t), MoM-guided run", low=0, high=1),
    "loss": ArraySpec("float64", ("trial", "round", "source"), "pseudo-loss, MoM-guided run", low=0, finite="nan"),
    "c": ArraySpec("float64", ("trial", "round"), "loss scale c(t), MoM-guided run", low=0, finite=False),
    "active": ArraySpec("bool", ("trial", "round", "source"), "not blacklisted before round t, MoM-guided run"),
    "blacklisted_at": ArraySpec(
        "int64",
        ("trial", "source"),
        "round of blacklisting (1-based), -1 if never, MoM-guided run",
        low=-1,
        high="rounds",
    ),
    "weights_mw": ArraySpec("float64", ("trial", "step", "source"), "w_i(t), MW-mean run", low=0, high=1),
    "loss_mw": ArraySpec("float64", ("trial", "round", "source"), "pseudo-loss, MW-mean run", low=0, finite="nan"),
    "c_mw": ArraySpec("float64", ("trial", "round"), "loss scale, MW-mean run", low=0, finite=False),
    "active_mw": ArraySpec("bool", ("trial", "round", "source"), "active, MW-mean run"),
    "blacklisted_at_mw": ArraySpec(
        "int64", ("trial", "source"), "round of blacklisting, MW-mean run", low=-1, high="rounds"
    ),
}


@trace_kind(
    "robust_study",
    version=3,  # 2: ±inf reports keep their sign in the order statistics; 3: the engine measures losses
    # against a centre and scale of the finite reports (issue 24); both change only strategy nonfinite
    summary="The prototype's MW.py: robust estimators and MW (to MW mean, MoM-guided), Byzantine sub-Gaussian sources",
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
    check=_check_study,
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


@trace_kind(
    "robust_sweep",
    version=3,  # 2: ±inf reports keep their sign in the order statistics; 3: the engine measures losses
    # against a centre and scale of the finite reports (issue 24); both change only strategy nonfinite
    summary="Final error of every estimator across Byzantine fraction 0 ... 0.45 and strategy",
    params=tuple(p for p in _params(trials=200) if p.name not in ("byz_fraction", "strategy")),
    arrays={
        "final_error": ArraySpec(
            "float64", ("strategy", "fraction", "estimator", "trial"), "error after the last round", low=0, finite=False
        ),
        "fractions": ArraySpec("float64", ("fraction",), "Byzantine fractions beta"),
    },
    sizes=lambda p: {
        "strategy": len(STRATEGIES),
        "fraction": len(FRACTIONS),
        "estimator": len(ESTIMATES),
        "trial": p["trials"],
    },
    check=lambda p: _check_study({**p, "byz_fraction": max(FRACTIONS), "strategy": "cluster"}),
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


# ---------------------------------------------------------------------- robust_study_paper (paper_compat.py)
PAPER_FIG3_END = {"mean": 0.07, "mom": 0.07, "mw_mean": 0.19, "mom_mw_mean": 0.25}  # read off the plot


STUDY_LABELS = {
    "mean": "straight mean",
    "mw_mean": "MW mean (to MW mean)",
    "mom_mw_mean": "MoM-guided MW mean",
    "mom": "median of means",
    "median": "coordinate median",
}


LOGISTIC_NOTE = (
    "MW.py's logistic loss is not given in the note; we use 1/(1 + exp(-(r/c - 3))) on the raw "
    "residual (a logistic step at 3c), the one of the standard forms we tried (centre 1, 3, 5 c; "
    "steepness 0.5-2; raw or max-normalised r) whose Figs. 2-3 match the published curves"
)


def _study_params() -> tuple[Param, ...]:
    return params_of(PaperStudyConfig)


def _study_meta(cfg: PaperStudyConfig) -> dict:
    return {
        "estimators": list(STUDY_ESTIMATES),
        "estimator_labels": [STUDY_LABELS[e] for e in STUDY_ESTIMATES],
        "run_losses": [RUN_LOSSES[i % len(RUN_LOSSES)] for i in range(cfg.runs)],
        "mode": "paper",
        "n_byzantine": cfg.n_sources - cfg.n_good,
        "differences": [f"{d} ({why})" for d, why in DIFFERENCES if d.startswith("study")],
        "paper_fig3_end": PAPER_FIG3_END,
        "logistic_note": LOGISTIC_NOTE,
        "rng": legacy_rng_name(cfg.legacy_seed),
    }


@trace_kind(
    "robust_study_paper",
    version=2,  # 2 (issue 24): a run that blacklists every source ends there (NaN estimates, n_active 0; MW.py
    # failed), and the median of means takes at most n buckets (fewer than 5 sources left gave NaN)
    summary=STUDY_SUMMARY,
    params=_study_params(),
    arrays={
        "estimates": ArraySpec(
            "float64", ("run", "round", "estimator", "dim"), "estimates before each update", finite=False
        ),
        "error": ArraySpec("float64", ("run", "round", "estimator"), "||estimate - mu|| per run", low=0, finite=False),
        "curve": ArraySpec(
            "float64", ("round", "estimator"), "the published curve: mean over runs", low=0, finite=False
        ),
        "true_mean": ArraySpec("float64", ("dim",), "mu"),
        "source_means": ArraySpec("float64", ("source", "dim"), "fixed source means (after the shuffle)"),
        "is_byzantine": ArraySpec("bool", ("source",), "labels (after the shuffle)"),
        "blacklisted_at": ArraySpec("int64", ("run", "source"), "round of removal (1-based), -1 if it survived"),
        "n_active": ArraySpec("int64", ("run", "round"), "sources queried per round"),
        "eta_mom": ArraySpec("float64", ("run", "round"), "adaptive rate of the MoM-guided MW", finite=False),
    },
    sizes=lambda p: {
        "run": p["runs"],
        "round": p["rounds"],
        "estimator": len(STUDY_ESTIMATES),
        "dim": 2,
        "source": p["n_sources"],
    },
    work=lambda p: p["runs"] * p["rounds"] * p["n_sources"] * 20,
)
def _robust_study_paper(p: dict, rng: np.random.Generator):
    """The Generator is unused: the paper's numbers come from the scripts' own stream (legacy_seed)."""
    cfg = PaperStudyConfig(**p)
    s = run_paper_study(cfg)
    arrays = {
        "estimates": s.estimates,
        "error": s.error,
        "curve": s.curve,
        "true_mean": s.mu_true,
        "source_means": s.means,
        "is_byzantine": s.is_byz,
        "blacklisted_at": s.blacklisted_at,
        "n_active": s.n_active,
        "eta_mom": s.eta_mom,
    }
    return arrays, _study_meta(cfg)


# ---------------------------------------------------------------------- mw_sources (multiplicative_weights.py)
def _check_mw(p: dict) -> None:
    check_honest_left(p["byz_fraction"], p["n_sources"])


@trace_kind(
    "mw_sources",
    version=1,
    summary="Algorithm 1 (simplest form): median estimate, clipped loss, MW update, blacklisting",
    params=params_of(MWConfig),
    arrays={
        "x": ArraySpec("float64", ("round", "source"), "reports x_i(t)"),
        "mu_hat": ArraySpec("float64", ("round",), "median of active reports"),
        "loss": ArraySpec("float64", ("round", "source"), "pseudo-loss l_i(t)", low=0, high=1),
        "weights": ArraySpec("float64", ("step", "source"), "w_i(t), t = 0..T", low=0, high=1),
        "active": ArraySpec("bool", ("round", "source"), "source not blacklisted before round t"),
        "blacklisted_at": ArraySpec("int64", ("source",), "round of blacklisting, -1 if never", low=-1, high="rounds"),
        "is_byzantine": ArraySpec("bool", ("source",), "ground truth"),
    },
    work=lambda p: p["rounds"] * p["n_sources"],  # reports; four (round, source) arrays are kept
    max_work=1e7,
    sizes=lambda p: {"round": p["rounds"], "step": p["rounds"] + 1, "source": p["n_sources"]},
    check=_check_mw,
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


# ---------------------------------------------------------------------- primal_dual (duality.py)
# Lines through AB's line L at these positions t (p = A + t (B - A)) pivot the probe lines.
PROBE_T = (0.5, 1.4)


def _check_dual(p: dict) -> None:
    ax, bx = p["ax"], p["bx"]
    if abs(bx - ax) <= VERTICAL_TOL * max(1.0, abs(ax), abs(bx)):
        what = "A == B" if p["ay"] == p["by"] else "AB is vertical, so its line L has no dual point"
        raise ParamError(f"bx: must differ from ax = {ax!r} ({what}), got {bx!r}")


_COORD = dict(low=-100.0, high=100.0)


@trace_kind(
    "primal_dual",
    version=1,
    summary="Point-line duality: segment AB and its line L against the dual lines of A, B meeting at L*",
    params=(
        Param("ax", float, -1.5, "x of endpoint A", **_COORD),
        Param("ay", float, 0.5, "y of endpoint A", **_COORD),
        Param("bx", float, 2.0, "x of endpoint B (must differ from ax: AB not vertical)", **_COORD),
        Param("by", float, 2.25, "y of endpoint B", **_COORD),
        Param("steps", int, 9, "samples of the sweep along AB (t = 0 .. 1)", low=2, high=10_000),
        Param(
            "probe_slope",
            float,
            1.5,
            "slope of the two probe lines (through t = 0.5 and 1.4 of L)",
            low=-100.0,
            high=100.0,
        ),
    ),
    arrays={
        "t": ArraySpec("float64", ("step",), "t_k = k / (steps - 1)"),
        "points": ArraySpec("float64", ("step", 2), "p_k = A + t_k (B - A)"),
        "dual_lines": ArraySpec("float64", ("step", 2), "p_k* as (slope, intercept) = (a_k, -b_k)"),
        "dual_directions": ArraySpec("float64", ("step", 2), "unit direction (1, a_k) of p_k*"),
        "endpoints": ArraySpec("float64", (2, 2), "rows A, B"),
        "endpoint_duals": ArraySpec("float64", (2, 2), "rows A*, B* as (slope, intercept)"),
        "line_L": ArraySpec("float64", (2,), "L through A and B as (m, q)"),
        "direction_L": ArraySpec("float64", (2,), "unit direction (1, m) of L"),
        "dual_point_L": ArraySpec("float64", (2,), "L* = (m, -q)"),
        "dual_meet": ArraySpec("float64", (2,), "intersection of A* and B* (solved, equals L*)"),
        "probes": ArraySpec("float64", ("probe", 2), "probe lines (slope, intercept)"),
        "probe_duals": ArraySpec("float64", ("probe", 2), "their dual points"),
        "probe_hits": ArraySpec("bool", ("probe",), "probe crosses segment AB (primal test)"),
        "probe_in_wedge": ArraySpec("bool", ("probe",), "probe's dual point in the double wedge of A*, B* (dual test)"),
    },
    sizes=lambda p: {"step": p["steps"], "probe": len(PROBE_T)},
    check=_check_dual,
    work=lambda p: 16 * p["steps"],
)
def _primal_dual(p: dict, rng: np.random.Generator):
    """Deterministic: the seed is recorded in the header, ``rng`` is not used."""
    del rng
    a, b = np.array([p["ax"], p["ay"]]), np.array([p["bx"], p["by"]])
    t, pts = segment_points(a, b, p["steps"])
    L = line_through(a, b)
    ends = np.stack([a, b])
    ends_dual = dual_line(ends)
    pivots = a[None, :] + np.asarray(PROBE_T)[:, None] * (b - a)[None, :]
    probes = np.stack(
        [np.full(len(PROBE_T), p["probe_slope"]), pivots[:, 1] - p["probe_slope"] * pivots[:, 0]], axis=-1
    )
    probe_duals = dual_point(probes)
    duals = dual_line(pts)
    arrays = {
        "t": t,
        "points": pts,
        "dual_lines": duals,
        "dual_directions": direction(duals),
        "endpoints": ends,
        "endpoint_duals": ends_dual,
        "line_L": L,
        "direction_L": direction(L),
        "dual_point_L": dual_point(L),
        "dual_meet": intersect(ends_dual[0], ends_dual[1]),
        "probes": probes,
        "probe_duals": probe_duals,
        "probe_hits": crosses_segment(probes, a, b),
        "probe_in_wedge": in_double_wedge(probe_duals, ends_dual[0], ends_dual[1]),
    }
    meta = {"probe_t": list(PROBE_T), "labels": ["A", "B"]}
    return arrays, meta
