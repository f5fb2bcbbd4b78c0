"""Trace kind ``coin_run``: one recorded run of the global-coin MWU (Sec. 1.1) against an adversary.

Per round r (before its update): the weights, the advice, d, z, the corrupted set, the
adversary's choice J, the volatile experts, the total and the share of the corrupted weight,
the solver that chose J (code of :data:`sim.coin.knapsack.SOLVER_NAMES`), its X and its bound.
Meta: the rounds, why the run stopped and the state "corrupted > good" (version 2: ``stop``,
``first_cross``, ``state_rounds``, ``exits``, and the array ``corrupted_above_good``; the other arrays are
unchanged from version 1).
"""

from __future__ import annotations

import math

import numpy as np

from ..core.errors import ParamError
from ..core.kinds import trace_kind
from ..core.params import Param
from ..core.trace import ArraySpec
from .adaptive import VOLATILE_DOC
from .brute_force import MAX_ITEMS
from .coin_mwu import ADVERSARY, check_params, default_eta, run_coin
from .knapsack import SOLVER_NAMES
from .nonadaptive import SOLVER

PARAMS = (
    Param("n", int, 40, "experts", low=2, high=5000),
    Param("tau", int, 4, "corrupted experts (non-adaptive: fixed; adaptive: the capture budget)", low=0, high=4999),
    Param(
        "eta", float, 0.0, "update factor in (0, 1/2); 0 = the report's sqrt(ln n / n)", low=0, high=0.5, high_open=True
    ),
    ADVERSARY,
    SOLVER,
    Param("volatile", int, -1, "adaptive: " + VOLATILE_DOC, low=-2, high=100),
    Param("max_rounds", int, 400, "rounds after which a run is censored", low=1, high=20_000),
)


def resolved_eta(p) -> float:
    return float(p["eta"]) if p["eta"] > 0 else default_eta(p["n"])


def _check(p) -> None:
    check_params(p["n"], p["tau"], resolved_eta(p))
    if p["solver"] == "brute" and p["tau"] > MAX_ITEMS:
        raise ParamError(f"solver: brute force takes tau <= {MAX_ITEMS}, got tau = {p['tau']}")
    if p["adversary"] == "adaptive" and p["n"] > 200:
        raise ParamError(f"n: the adaptive adversary is traced for n <= 200, got {p['n']}")


def _work(p) -> float:
    base = float(p["n"]) * p["max_rounds"] * max(p["tau"], 1)
    if p["adversary"] == "adaptive" and p["n"] <= 20:
        s = math.isqrt(p["n"]) + p["tau"]
        base += p["max_rounds"] * math.comb(p["n"], min(s, p["n"])) * 2 ** min(s + p["tau"], 20)
    return base


ROUND = ("round",)
RE = ("round", "expert")


@trace_kind(
    "coin_run",
    version=2,
    summary="global-coin MWU vs greedy adversary (Aggarwal et al. 2017): one recorded run",
    params=PARAMS,
    check=_check,
    work=_work,
    max_work=5e9,
    arrays={
        "weights": ArraySpec("float64", RE, "w_i at the start of round r"),
        "advice": ArraySpec("int8", RE, "a_i in round r (after the adversary)"),
        "corrupted": ArraySpec("bool", RE, "K in round r (with its captures)"),
        "J": ArraySpec("bool", RE, "adversary's experts advising d"),
        "volatile": ArraySpec("bool", RE, "good experts whose advice the adversary set"),
        "d": ArraySpec("int8", ROUND, "hidden direction"),
        "z": ArraySpec("int8", ROUND, "output sgn(sum w a)"),
        "solver": ArraySpec("int8", ROUND, "solver code (-1 none, 0 exact, 1/2 approx, 3 greedy, 4 brute)"),
        "X": ArraySpec("float64", ROUND, "weight of J"),
        "bound": ArraySpec("float64", ROUND, "proven upper bound on the optimal X (NaN: none)", finite="nan"),
        "corrupted_weight": ArraySpec("float64", ROUND, "total weight of K"),
        "corrupted_share": ArraySpec("float64", ROUND, "share of the total weight held by K"),
        "corrupted_above_good": ArraySpec(
            "bool", ROUND, "the round began with W_K > the good experts' weight (it cannot end: docs/coin.md)"
        ),
    },
)
def simulate_coin(p: dict, rng: np.random.Generator):
    eta = resolved_eta(p)
    res = run_coin(
        p["n"],
        p["tau"],
        eta,
        1,
        rng,
        adversary=p["adversary"],
        solver=p["solver"],
        max_rounds=p["max_rounds"],
        record=True,
        adaptive_kw={"volatile": p["volatile"]},
    )
    rec = res.records[0]
    arrays = {
        "weights": np.array(rec["weights"], dtype=np.float64),
        "advice": np.array(rec["advice"], dtype=np.int8),
        "corrupted": np.array(rec["corrupted"], dtype=bool),
        "J": np.array(rec["J"], dtype=bool),
        "volatile": np.array(rec["volatile"], dtype=bool),
        "d": np.array(rec["d"], dtype=np.int8),
        "z": np.array(rec["z"], dtype=np.int8),
        "solver": np.array(rec["solver"], dtype=np.int8),
        "X": np.array(rec["X"], dtype=np.float64),
        "bound": np.array(rec["bound"], dtype=np.float64),
        "corrupted_weight": np.array(rec["corrupted_weight"], dtype=np.float64),
        "corrupted_share": np.array(rec["corrupted_share"], dtype=np.float64),
        "corrupted_above_good": np.array(rec["corrupted_above_good"], dtype=bool),
    }
    meta = {
        "eta": eta,
        "rounds": int(res.rounds[0]),
        "censored": bool(res.censored[0]),
        "stop": int(res.stop[0]),  # 0 ended, 1 censored at max_rounds, 2 at the float limit
        "first_cross": int(res.first_cross[0]),  # first round begun with corrupted > good weight; 0 never
        "state_rounds": int(res.state_rounds[0]),
        "exits": int(res.exits[0]),
        "solver_names": {str(k): v for k, v in SOLVER_NAMES.items()},
    }
    return arrays, meta
