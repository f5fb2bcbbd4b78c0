"""Sweeps of the report's figures, declared for the sweep engine (sim/core/sweeps.py).

- ``coin_rounds``   (Fig. 1): rounds until z = d against n, tau = floor(n / 10), with and without
  the non-adaptive adversary; 20 runs per n by default, n up to 10,000.
- ``coin_weight``   (Fig. 2): total corrupted weight against round, n = 1000.
- ``coin_adaptive`` (Fig. 3): rounds against n for the adaptive adversary (exact search, n <= 20),
  by volatile budget (0, 1, 2, floor(sqrt n)).

Each cell runs its trials vectorised in :func:`sim.coin.coin_mwu.run_coin`.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.params import Param
from ..core.population import n_byzantine
from ..core.sweeps import Field, sweep
from ..stats.intervals import mean_ci
from .coin_mwu import default_eta, run_coin
from .nonadaptive import SOLVERS

CODE = (
    "sim.coin.coin_mwu",
    "sim.coin.knapsack",
    "sim.coin.exact_solver",
    "sim.coin.approx_solver",
    "sim.coin.greedy_solver",
    "sim.coin.nonadaptive",
    "sim.coin.adaptive",
    "sim.coin.sweeps",
)
FIG1_N = (10, 30, 100, 300, 1000, 2000, 3000, 5000, 7500, 10000)


def _tau(p) -> int:
    return n_byzantine(p["tau_fraction"], p["n"])


def _rounds_row(p, rec) -> dict:
    m, lo, hi = mean_ci(rec["rounds"])
    tau = _tau(p) if p["adversary"] == "nonadaptive" else 0
    return {
        "tau": tau,
        "eta": default_eta(p["n"]),
        "mean_rounds": m,
        "ci_low": lo,
        "ci_high": hi,
        "censored": int(rec["censored"]),
    }


def _fit(out):
    """Least-squares line of mean rounds against n for the adversary rows: (slope, intercept)."""
    pts = [
        (c["n"], float(np.mean(r["rounds"])))
        for c, r in zip(out.cells, out.records)
        if c.params.get("adversary", "nonadaptive") == "nonadaptive"
    ]
    if len(pts) < 2:
        return None
    x, y = np.array(pts, dtype=float).T
    slope, icpt = np.polyfit(x, y, 1)
    return float(slope), float(icpt)


def _rounds_summary(out) -> list[str]:
    lines = [
        f"n={r['n']} {r['adversary']}: {r['mean_rounds']:.2f} rounds [{r['ci_low']:.2f}, {r['ci_high']:.2f}]"
        for r in out.rows()
    ]
    f = _fit(out)
    if f:
        lines.append(f"linear fit (adversary): rounds = {f[0]:.4g} n + {f[1]:.4g}")
    return lines


@sweep(
    "coin_rounds",
    version=1,
    summary="global coin: rounds until z = d vs n, with/without adversary (Fig. 1)",
    axes=(
        Param("n", int, 100, "experts", low=2, high=20_000),
        Param("adversary", str, "nonadaptive", "none or nonadaptive", choices=("none", "nonadaptive")),
    ),
    fixed=(
        Param("tau_fraction", float, 0.1, "tau = floor(fraction n)", low=0, high=1, high_open=True),
        Param("solver", str, "approx", "non-adaptive solver", choices=SOLVERS),
        Param("max_rounds", int, 20_000, "censoring round", low=1, high=100_000),
    ),
    defaults={"n": FIG1_N, "adversary": ("none", "nonadaptive")},
    trials=20,
    record={
        "rounds": Field("int64", ("trials",), low=1, high=lambda p: p["max_rounds"] + 1),
        "censored": Field("int64", (), low=0, high="trials"),
    },
    work=lambda p: p["trials"] * p["n"] * min(p["n"], p["max_rounds"]) * 0.5,
    row=_rounds_row,
    summarise=_rounds_summary,
    code=CODE,
    smoke={"n": (10, 30), "adversary": ("none", "nonadaptive"), "trials": 3},
    model="global-coin MWU (Aggarwal et al. 2017, Sec. 1.1) vs greedy non-adaptive adversary (Sec. 2)",
)
def rounds_cell(p: dict, rng: np.random.Generator) -> dict:
    tau = _tau(p) if p["adversary"] == "nonadaptive" else 0
    res = run_coin(
        p["n"],
        tau,
        default_eta(p["n"]),
        p["trials"],
        rng,
        adversary=p["adversary"],
        solver=p["solver"],
        max_rounds=p["max_rounds"],
    )
    return {"rounds": res.rounds, "censored": np.int64(res.censored.sum())}


def mean_weight_curve(cw: np.ndarray) -> np.ndarray:
    """Mean over the runs still going at each round (NaN where none is)."""
    alive = np.isfinite(cw).sum(0)
    tot = np.where(np.isfinite(cw), cw, 0.0).sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(alive > 0, tot / np.maximum(alive, 1), np.nan)


def _weight_row(p, rec) -> dict:
    mean = mean_weight_curve(rec["corrupted_weight"])
    peak = int(np.nanargmax(mean)) + 1 if np.isfinite(mean).any() else 0
    return {
        "tau": _tau(p),
        "mean_rounds": float(np.mean(rec["rounds"])),
        "peak_round": peak,
        "peak_weight": float(np.nanmax(mean)) if np.isfinite(mean).any() else math.nan,
    }


@sweep(
    "coin_weight",
    version=1,
    summary="global coin: total corrupted weight vs round, n = 1000 (Fig. 2)",
    axes=(Param("n", int, 1000, "experts", low=10, high=20_000),),
    fixed=(
        Param("tau_fraction", float, 0.1, "tau = floor(fraction n)", low=0, high=1, low_open=True, high_open=True),
        Param("solver", str, "approx", "non-adaptive solver", choices=SOLVERS),
        Param("horizon", int, 400, "rounds recorded", low=1, high=20_000),
    ),
    defaults={"n": (1000,)},
    trials=20,
    record={
        "rounds": Field("int64", ("trials",), low=1),
        "corrupted_weight": Field(
            "float64",
            ("trials", "horizon"),
            low=0,
            allow_nan=True,
            doc="total weight of K at the start of each round; NaN after the end",
        ),
        "corrupted_share": Field("float64", ("trials", "horizon"), low=0, high=1, allow_nan=True),
    },
    work=lambda p: p["trials"] * p["n"] * p["n"] * 0.5,
    row=_weight_row,
    code=CODE,
    smoke={"n": (30,), "horizon": 30, "trials": 3},
    model="global-coin MWU vs greedy non-adaptive adversary: corrupted weight per round (Sec. 2.3, Fig. 2)",
)
def weight_cell(p: dict, rng: np.random.Generator) -> dict:
    tau = _tau(p)
    res = run_coin(
        p["n"],
        tau,
        default_eta(p["n"]),
        p["trials"],
        rng,
        adversary="nonadaptive",
        solver=p["solver"],
        max_rounds=20_000,
        horizon=p["horizon"],
    )
    return {"rounds": res.rounds, "corrupted_weight": res.corrupted_weight, "corrupted_share": res.corrupted_share}


def _adaptive_row(p, rec) -> dict:
    m, lo, hi = mean_ci(rec["rounds"])
    return {"tau": _tau(p), "mean_rounds": m, "ci_low": lo, "ci_high": hi, "censored": int(rec["censored"])}


@sweep(
    "coin_adaptive",
    version=1,
    summary="global coin: rounds vs n against the adaptive adversary (Fig. 3)",
    axes=(
        Param("n", int, 13, "experts", low=2, high=20),
        Param("volatile", int, -1, "volatile flips per round (-1 = floor(sqrt n))", low=-1, high=10),
    ),
    fixed=(
        Param("tau_fraction", float, 0.1, "capture budget tau = floor(fraction n)", low=0, high=1, high_open=True),
        Param("max_rounds", int, 200, "censoring round", low=1, high=5000),
    ),
    defaults={"n": tuple(range(5, 21)), "volatile": (0, 1, 2, -1)},
    trials=20,
    record={
        "rounds": Field("int64", ("trials",), low=1, high=lambda p: p["max_rounds"] + 1),
        "censored": Field("int64", (), low=0, high="trials"),
    },
    work=lambda p: p["trials"] * p["max_rounds"] * math.comb(p["n"], min(p["n"], math.isqrt(p["n"]) + 2)),
    row=_adaptive_row,
    code=CODE,
    smoke={"n": (6, 8), "volatile": (0, 1), "trials": 3, "max_rounds": 20},
    model="global-coin MWU vs greedy adaptive adversary with volatile flips (Sec. 3, Eq. 8), exact search",
)
def adaptive_cell(p: dict, rng: np.random.Generator) -> dict:
    res = run_coin(
        p["n"],
        _tau(p),
        default_eta(p["n"]),
        p["trials"],
        rng,
        adversary="adaptive",
        max_rounds=p["max_rounds"],
        adaptive_kw={"volatile": p["volatile"]},
    )
    return {"rounds": res.rounds, "censored": np.int64(res.censored.sum())}
