"""Sweeps of the report's figures, declared for the sweep engine (sim/core/sweeps.py).

- ``coin_rounds``   (Fig. 1): rounds until z = d against n, tau = floor(n / 10), with and without
  the non-adaptive adversary; 20 runs per n by default, n up to 10,000.
- ``coin_survival`` (Fig. 1's companion): the same runs as survival data, per n and solver, 1000 runs
  per cell: Kaplan-Meier P(rounds > r) and P(the run reaches "corrupted > good").
- ``coin_weight``   (Fig. 2): total corrupted weight against round, n = 1000.
- ``coin_adaptive`` (Fig. 3): rounds against n for the adaptive adversary (exact search, n <= 20),
  by volatile budget (0, 1, 2, floor(sqrt n) / 2, floor(sqrt n)).

Each cell runs its trials vectorised in :func:`sim.coin.coin_mwu.run_coin` (``coin_survival`` and
``coin_adaptive``: in seeding blocks of ``RUN_BLOCK`` runs, which the sweep engine shares out over its
workers). Every sweep records each
run's rounds with why it stopped (``stop``: 0 ended, 1 censored at the cap ``max_rounds``, 2 censored at
the floating-point limit of :func:`sim.coin.coin_mwu.round_limit`) and the first round that began with the
corrupted weight above the good experts' (``first_cross``, 0 = never): means are reported with their
censoring next to them, and medians from the Kaplan-Meier estimate.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.errors import ParamError
from ..core.params import Param
from ..core.population import n_byzantine
from ..core.sweeps import Field, sweep
from ..stats.intervals import mean_ci, wilson
from ..stats.survival import runs_survival
from .adaptive import HALF_SQRT, SQRT, VOLATILE_DOC, volatile_budget
from .brute_force import MAX_ITEMS
from .coin_mwu import CAP, ENDED, FLOAT_LIMIT, CoinRuns, default_eta, round_limit, run_coin
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
MAX_ROUNDS = 20_000  # the weight sweep's cap (the float limit binds first for every n >= 2)
RUN_BLOCK = 50  # runs per seeding block (sim/core/sweeps.py): a 1000-run cell is 20 units the engine shares out


def _tau(p) -> int:
    return n_byzantine(p["tau_fraction"], p["n"])


def _cap(p) -> int:
    """The round after which a run is censored: the requested cap or the float limit, the smaller."""
    return min(int(p.get("max_rounds", MAX_ROUNDS)), round_limit(default_eta(p["n"])))


def _stop_code(p) -> int:
    """Why a censored run of this cell stopped (as :func:`run_coin` decides it)."""
    return FLOAT_LIMIT if round_limit(default_eta(p["n"])) <= int(p.get("max_rounds", MAX_ROUNDS)) else CAP


def run_fields(p) -> dict:
    """The per-run record every coin sweep keeps (module docstring)."""
    return {
        "rounds": Field(
            "int64", ("trials",), low=1, high=lambda q: _cap(q) + 1, doc="round with z = d; cap + 1: censored"
        ),
        "stop": Field("int64", ("trials",), low=ENDED, high=FLOAT_LIMIT, doc="0 ended, 1 cap, 2 float limit"),
        "first_cross": Field(
            "int64", ("trials",), low=0, high=lambda q: _cap(q), doc="first round begun with corrupted > good; 0 never"
        ),
    }


def _run_record(res: CoinRuns) -> dict:
    return {"rounds": res.rounds, "stop": res.stop, "first_cross": res.first_cross}


def _check_runs(p, rec) -> str | None:
    """Cross-field checks: censored iff rounds = cap + 1, with the cell's reason; first_cross within the run."""
    cap = _cap(p)
    cens = rec["rounds"] > cap
    if not np.array_equal(cens, rec["stop"] != ENDED):
        return "stop and rounds disagree on which runs were censored"
    if cens.any() and not np.all(rec["stop"][cens] == _stop_code(p)):
        return f"censored runs must have stop = {_stop_code(p)}"
    if np.any(rec["first_cross"] > np.minimum(rec["rounds"], cap)):
        return "first_cross after the run's last round"
    return None


def censoring(rec) -> dict:
    """Counts of the runs that ended and that were censored, by reason."""
    s = np.asarray(rec["stop"])
    return {
        "runs": int(s.size),
        "ended": int((s == ENDED).sum()),
        "censored_cap": int((s == CAP).sum()),
        "censored_float": int((s == FLOAT_LIMIT).sum()),
    }


def survival_summary(rec) -> dict:
    """Median rounds (Kaplan-Meier, log-log interval), the mean with its censoring, P(corrupted > good)."""
    stop = np.asarray(rec["stop"])
    km = runs_survival(rec["rounds"], stop != ENDED)
    med, mlo, mhi = km.median()
    m, lo, hi = mean_ci(rec["rounds"])
    k = int((np.asarray(rec["first_cross"]) > 0).sum())
    plo, phi = wilson(k, stop.size)
    return {
        **censoring(rec),
        "median_rounds": med,
        "median_low": mlo,
        "median_high": mhi,
        "mean_rounds": m,  # censored runs counted at cap + 1: a lower bound when any is censored
        "mean_low": lo,
        "mean_high": hi,
        "crossed": k,
        "p_cross": k / stop.size if stop.size else math.nan,
        "p_cross_low": plo,
        "p_cross_high": phi,
    }


def _rounds_row(p, rec) -> dict:
    tau = _tau(p) if p["adversary"] == "nonadaptive" else 0
    s = survival_summary(rec)
    return {
        "tau": tau,
        "eta": default_eta(p["n"]),
        "mean_rounds": s["mean_rounds"],
        "ci_low": s["mean_low"],
        "ci_high": s["mean_high"],
        "censored": s["censored_cap"] + s["censored_float"],
        "censored_float": s["censored_float"],
        "median_rounds": s["median_rounds"],
        "crossed": s["crossed"],
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
        f"n={r['n']} {r['adversary']}: mean {r['mean_rounds']:.2f} rounds [{r['ci_low']:.2f}, {r['ci_high']:.2f}]"
        f" ({r['censored']} of {out.grid.trials} censored), median {r['median_rounds']:g},"
        f" {r['crossed']} crossed into corrupted > good"
        for r in out.rows()
    ]
    f = _fit(out)
    if f:
        lines.append(f"linear fit (adversary): rounds = {f[0]:.4g} n + {f[1]:.4g}")
    return lines


@sweep(
    "coin_rounds",
    version=2,
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
    record=run_fields(None),
    check_record=_check_runs,
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
    return _run_record(res)


SURVIVAL_N = (100, 200, 500, 1000, 2000)


def _survival_row(p, rec) -> dict:
    s = survival_summary(rec)
    c = np.asarray(rec["first_cross"]) > 0
    ended = np.asarray(rec["stop"]) == ENDED
    return {
        "tau": _tau(p),
        "cap": _cap(p),
        **s,
        "crossed_ended": int((c & ended).sum()),  # reached corrupted > good and still ended later
        "crossed_left": int((c & (np.asarray(rec["exits"]) > 0)).sum()),  # left the state at least once
        "state_rounds": int(np.asarray(rec["state_rounds"]).sum()),  # rounds begun in the state, all runs
        "peak_share_max": float(np.max(rec["peak_share"])) if len(rec["peak_share"]) else math.nan,
    }


def _survival_tables(out) -> dict:
    """The Kaplan-Meier step function of each cell, and every run that reached corrupted > good."""
    km_rows, cross_rows = [], []
    for c, rec in zip(out.cells, out.records):
        km = runs_survival(rec["rounds"], rec["stop"] != ENDED)
        for t, n_at, d, S, lo, hi in zip(km.time, km.at_risk, km.events, km.survival, km.low, km.high):
            km_rows.append(
                {
                    "n": c["n"],
                    "solver": c["solver"],
                    "round": int(t),
                    "at_risk": int(n_at),
                    "ended": int(d),
                    "survival": float(S),
                    "low": float(lo),
                    "high": float(hi),
                }
            )
        for i in np.flatnonzero(rec["first_cross"] > 0):
            cross_rows.append(
                {
                    "n": c["n"],
                    "solver": c["solver"],
                    "run": int(i),
                    "first_cross": int(rec["first_cross"][i]),
                    "state_rounds": int(rec["state_rounds"][i]),
                    "exits": int(rec["exits"][i]),
                    "peak_share": float(rec["peak_share"][i]),
                    "rounds": int(rec["rounds"][i]),
                    "stop": int(rec["stop"][i]),
                }
            )
    return {
        "survival": ("Kaplan-Meier P(rounds > r) at each round a run ended, log-log 95% interval", km_rows),
        "crossings": ("runs that began a round with corrupted weight > good weight", cross_rows),
    }


def _survival_summary(out) -> list[str]:
    lines = []
    for r in out.rows():
        lines.append(
            f"n={r['n']} {r['solver']}: median {r['median_rounds']:g} [{r['median_low']:g}, {r['median_high']:g}], "
            f"{r['ended']} of {r['runs']} ended ({r['censored_cap']} censored at the cap, {r['censored_float']} at the "
            f"float limit); corrupted > good in {r['crossed']} [{r['p_cross_low']:.4f}, {r['p_cross_high']:.4f}], "
            f"{r['crossed_ended']} of them ended later, {r['crossed_left']} left the state; "
            f"{r['state_rounds']} rounds in the state"
        )
    return lines


@sweep(
    "coin_survival",
    version=2,
    summary="global coin: rounds as survival data per n and solver; P(corrupted > good) (Fig. 1 companion)",
    axes=(
        Param("n", int, 500, "experts", low=10, high=20_000),
        Param("solver", str, "approx", "non-adaptive solver", choices=SOLVERS),
    ),
    fixed=(
        Param("tau_fraction", float, 0.1, "tau = floor(fraction n)", low=0, high=1, low_open=True, high_open=True),
        Param(
            "max_rounds",
            int,
            MAX_ROUNDS,
            "censoring round (the float limit binds first at the default)",
            low=1,
            high=100_000,
        ),
    ),
    defaults={"n": SURVIVAL_N, "solver": ("approx", "greedy")},
    trials=1000,
    record={
        **run_fields(None),
        "state_rounds": Field(
            "int64", ("trials",), low=0, high=lambda q: _cap(q), doc="rounds begun with corrupted > good"
        ),
        "exits": Field("int64", ("trials",), low=0, high=lambda q: _cap(q), doc="times the run left that state"),
        "peak_share": Field("float64", ("trials",), low=0, high=1, doc="largest corrupted share at a round's start"),
    },
    check=lambda p: _check_solver(p),
    check_record=_check_runs,
    work=lambda p: (
        p["trials"] * p["n"] * min(p["n"], p["max_rounds"]) * 0.5 * (20 if p["solver"] in ("auto", "exact") else 1)
    ),
    row=_survival_row,
    tables=_survival_tables,
    summarise=_survival_summary,
    code=CODE,
    smoke={"n": (20, 40), "solver": ("greedy", "approx"), "trials": 30},
    model="global-coin MWU vs greedy non-adaptive adversary (Sec. 2), tau = n/10: rounds as right-censored data",
    block=RUN_BLOCK,
)
def survival_cell(p: dict, rng: np.random.Generator) -> dict:
    res = run_coin(
        p["n"],
        _tau(p),
        default_eta(p["n"]),
        p["trials"],
        rng,
        adversary="nonadaptive",
        solver=p["solver"],
        max_rounds=p["max_rounds"],
    )
    return {**_run_record(res), "state_rounds": res.state_rounds, "exits": res.exits, "peak_share": res.peak_share}


def _check_solver(p) -> None:
    if p["solver"] == "brute" and _tau(p) > MAX_ITEMS:
        raise ParamError(f"solver: brute force takes tau <= {MAX_ITEMS}, got tau = {_tau(p)} at n = {p['n']}")


REPORT_PEAK_ROUND = 11  # Sec. 2.3: "after about 11 rounds, the total weight of the corrupted experts starts decreasing"


def mean_weight_curve(cw: np.ndarray) -> np.ndarray:
    """Mean over the runs still going at each round (NaN where none is): E[W_K(r) | the run is going at r]."""
    alive = np.isfinite(cw).sum(0)
    tot = np.where(np.isfinite(cw), cw, 0.0).sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(alive > 0, tot / np.maximum(alive, 1), np.nan)


def all_runs_weight_curve(cw: np.ndarray) -> np.ndarray:
    """Mean over every run, a run that ended counting 0: E[W_K(r) 1{going at r}] = P(going at r) x the mean above."""
    return np.where(np.isfinite(cw), cw, 0.0).sum(0) / max(cw.shape[0], 1)


def _peak(curve: np.ndarray) -> tuple[int, float]:
    ok = np.isfinite(curve)
    if not ok.any():
        return 0, math.nan
    i = int(np.nanargmax(curve))
    return i + 1, float(curve[i])


def _weight_row(p, rec) -> dict:
    cw = rec["corrupted_weight"]
    ps, ws = _peak(mean_weight_curve(cw))
    pa, wa = _peak(all_runs_weight_curve(cw))
    return {
        "tau": _tau(p),
        **censoring(rec),
        "median_rounds": runs_survival(rec["rounds"], rec["stop"] != ENDED).median()[0],
        "peak_round": ps,  # of the mean over the runs still going
        "peak_weight": ws,
        "all_runs_peak_round": pa,  # of the mean over all runs, ended ones counted as 0
        "all_runs_peak_weight": wa,
        "crossed": int((rec["first_cross"] > 0).sum()),
    }


@sweep(
    "coin_weight",
    version=2,
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
        **run_fields(None),
        "corrupted_weight": Field(
            "float64",
            ("trials", "horizon"),
            low=0,
            allow_nan=True,
            doc="total weight of K at the start of each round; NaN after the end",
        ),
        "corrupted_share": Field("float64", ("trials", "horizon"), low=0, high=1, allow_nan=True),
    },
    check_record=_check_runs,
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
        max_rounds=MAX_ROUNDS,
        horizon=p["horizon"],
    )
    return {**_run_record(res), "corrupted_weight": res.corrupted_weight, "corrupted_share": res.corrupted_share}


def _adaptive_row(p, rec) -> dict:
    s = survival_summary(rec)
    return {
        "tau": _tau(p),
        "flips": volatile_budget(p["n"], p["volatile"]),
        "mean_rounds": s["mean_rounds"],
        "ci_low": s["mean_low"],
        "ci_high": s["mean_high"],
        "censored": s["censored_cap"] + s["censored_float"],
        "median_rounds": s["median_rounds"],
        "crossed": s["crossed"],
    }


def _censor_text(p) -> str:
    cap = _cap(p)
    return f"the float limit (round {cap})" if _stop_code(p) == FLOAT_LIMIT else f"the cap ({cap} rounds)"


def _adaptive_summary(out) -> list[str]:
    return [
        f"n={r['n']} volatile={r['volatile']} ({r['flips']} flips): median {r['median_rounds']:g}, mean "
        f"{r['mean_rounds']:.1f}; censored at {_censor_text(dict(c.params))} in {r['censored']} of {out.grid.trials} runs"
        for r, c in zip(out.rows(), out.cells)
    ]


@sweep(
    "coin_adaptive",
    version=3,
    summary="global coin: rounds vs n against the adaptive adversary (Fig. 3)",
    axes=(Param("n", int, 13, "experts", low=2, high=20), Param("volatile", int, -1, VOLATILE_DOC, low=-2, high=10)),
    fixed=(
        Param("tau_fraction", float, 0.1, "capture budget tau = floor(fraction n)", low=0, high=1, high_open=True),
        Param("max_rounds", int, 200, "censoring round", low=1, high=5000),
    ),
    defaults={"n": tuple(range(5, 21)), "volatile": (0, 1, 2, HALF_SQRT, SQRT)},
    trials=20,
    record=run_fields(None),
    check_record=_check_runs,
    work=lambda p: p["trials"] * p["max_rounds"] * math.comb(p["n"], min(p["n"], math.isqrt(p["n"]) + 2)),
    row=_adaptive_row,
    summarise=_adaptive_summary,
    code=CODE,
    smoke={"n": (6, 8), "volatile": (0, 1), "trials": 3, "max_rounds": 20},
    model="global-coin MWU vs greedy adaptive adversary with volatile flips (Sec. 3, Eq. 8), exact search",
    block=RUN_BLOCK,  # the defaults' 20 runs are one block (their numbers as before); more runs are shared out
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
    return _run_record(res)
