"""Sweeps of the error-bounded blacklisting protocol (Sec. III.B), declared on the sweep engine.

- ``eb_honest_blacklisted``: honest peers wrongly blacklisted, against C and eps (where does the guarantee
  actually start?), beside the paper's union bound and the exact probability that it bounds;
- ``eb_byzantine_caught``: Byzantine peers caught, per strategy and report distance;
- ``eb_final_error``: the final error against eps, per strategy (the paper claims O(1); the construction
  gives eps when every honest estimate is within eps / 3), and the bias the just-inside attack buys;
- ``eb_queries``: queries per peer against n log^2 n / k, for "every peer queries every source" (as
  Sec. III.B.1 describes it) and for committees of size ceil(a ln n) per source (what the paper's
  O(n log^2 n / k) counts).

Every cell is vectorised over peers and sources and loops over trials (a Chebyshev matrix per trial):
no k x k x n array. Proportions come with Wilson intervals (sim.stats.intervals.wilson).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..core.params import Param
from ..core.population import n_byzantine
from ..core.sweeps import Field, sweep
from ..stats.intervals import mean_ci, wilson
from .error_bounded import (
    C_CONFIDENCE,
    C_QUERIES,
    EPS,
    MARGIN,
    N_SOURCES,
    SHIFT,
    Attack,
    check_margin,
    draw_estimates,
    p_any_outside,
    queries_per_source,
    run_trial,
    union_bound,
)
from .strategies import BYZ_FRACTION, ESTIMATE_STRATEGIES, ESTIMATE_STRATEGY, N_PEERS

_K = replace(N_PEERS, default=20)
_BYZ = replace(BYZ_FRACTION, default=0.3)


def _h_f(p) -> tuple[int, int]:
    f = n_byzantine(p.get("byz_fraction", 0.0), p["n_peers"])
    return p["n_peers"] - f, f


def _work(p) -> float:
    return float(p["trials"]) * p["n_peers"] ** 2 * p["n_sources"]


def _m(p) -> int:
    return queries_per_source(p["n_sources"], p["n_peers"], p["eps"], p["C"], p["c"])


def _check_margin(p: dict) -> None:
    check_margin(p["margin"], p["eps"])


def _wilson_cols(k: int, n: int, stem: str) -> dict:
    lo, hi = wilson(k, n)
    return {stem: k / n if n else math.nan, f"{stem}_lo": lo, f"{stem}_hi": hi}


# --------------------------------------------------------------------------- honest peers wrongly blacklisted
@sweep(
    "eb_honest_blacklisted",
    version=1,
    summary="error-bounded blacklisting: honest peers wrongly blacklisted, against C and eps",
    axes=(replace(C_QUERIES, default=1.0), EPS),
    fixed=(N_SOURCES, _K, C_CONFIDENCE),
    defaults={"C": (2.0, 4.0, 8.0, 12.0, 18.0, 27.0, 40.0), "eps": (0.1, 0.25, 0.5, 1.0)},
    trials=1000,
    record={
        "wrongly": Field(
            "int64", ("trials",), low=0, high="n_peers", doc="honest peers blacklisted by at least one honest peer"
        ),
        "outside": Field("bool", ("trials",), doc="some honest estimate outside eps / 3 (premise broken)"),
        "m": Field("int64", (), low=1, doc="queries per source"),
    },
    work=_work,
    row=lambda p, r: {
        "m": int(r["m"]),
        **_wilson_cols(int(np.count_nonzero(r["wrongly"])), p["trials"], "p_any_wrong"),
        "frac_wrong": float(r["wrongly"].mean() / p["n_peers"]),
        **_wilson_cols(int(np.count_nonzero(r["outside"])), p["trials"], "p_outside"),
        "p_outside_exact": p_any_outside(int(r["m"]), p["eps"], p["n_peers"] * p["n_sources"]),
        "union_bound": union_bound(int(r["m"]), p["eps"], p["n_peers"] * p["n_sources"]),
    },
    smoke={"C": (0.5, 4.0), "eps": 0.5, "n_sources": 10, "n_peers": 5, "trials": 20},
    model="k honest peers, n sources N(mu_i, 1), m = ceil(C (c ln n + ln k) / eps^2) queries each; p blacklists q "
    "when estimates differ by > 2 eps / 3 on any source",
)
def honest_blacklisted_cell(p: dict, rng: np.random.Generator) -> dict:
    n, k, eps = p["n_sources"], p["n_peers"], p["eps"]
    m = _m(p)
    wrongly = np.zeros(p["trials"], dtype=np.int64)
    outside = np.zeros(p["trials"], dtype=bool)
    att = Attack("shift", eps)
    for t in range(p["trials"]):
        mu = rng.random(n)
        E = draw_estimates(mu, k, m, rng)
        r = run_trial(mu, E, 0, att, rng)
        wrongly[t] = np.count_nonzero(r.honest_bl.any(axis=0))
        outside[t] = bool((np.abs(E - mu) > eps / 3).any())
    return {"wrongly": wrongly, "outside": outside, "m": np.int64(m)}


# --------------------------------------------------------------------------- Byzantine peers caught
_EB_FIXED = (N_SOURCES, _K, C_CONFIDENCE, _BYZ, EPS, C_QUERIES, MARGIN)


def _attack_trials(p: dict, rng: np.random.Generator, strategy: str, shift: float):
    """Per trial: Byzantine caught by every / some honest peer, honest wrongly blacklisted, errors."""
    n, eps = p["n_sources"], p["eps"]
    h, f = _h_f(p)
    m = _m(p)
    att = Attack(strategy, eps, shift, p["margin"])
    T = p["trials"]
    out = {k: np.zeros(T, dtype=np.int64) for k in ("caught_all", "caught_any", "wrongly", "byz_survive")}
    for k in ("max_err", "mean_err", "bias"):
        out[k] = np.zeros(T)
    for t in range(T):
        mu = rng.random(n)
        E = draw_estimates(mu, h, m, rng)
        r = run_trial(mu, E, f, att, rng)
        out["caught_all"][t] = np.count_nonzero(r.byz_bl.all(axis=0)) if h else 0
        out["caught_any"][t] = np.count_nonzero(r.byz_bl.any(axis=0))
        out["wrongly"][t] = np.count_nonzero(r.honest_bl.any(axis=0))
        out["byz_survive"][t] = np.count_nonzero(~r.byz_bl)
        err = r.final - mu
        out["max_err"][t] = np.abs(err).max()
        out["mean_err"][t] = np.abs(err).mean()
        out["bias"][t] = err.mean()
    return out, m


@sweep(
    "eb_byzantine_caught",
    version=1,
    summary="error-bounded blacklisting: Byzantine peers caught, per strategy and report distance",
    axes=(ESTIMATE_STRATEGY, SHIFT),
    fixed=_EB_FIXED,
    check=_check_margin,
    defaults={"strategy": ESTIMATE_STRATEGIES, "shift": (0.2, 0.3, 0.4, 0.5, 0.75, 1.0)},
    trials=1000,
    record={
        "caught_all": Field(
            "int64", ("trials",), low=0, high="n_peers", doc="Byzantine blacklisted by every honest peer"
        ),
        "caught_any": Field(
            "int64", ("trials",), low=0, high="n_peers", doc="Byzantine blacklisted by some honest peer"
        ),
        "wrongly": Field("int64", ("trials",), low=0, high="n_peers", doc="honest peers wrongly blacklisted"),
        "m": Field("int64", (), low=1),
    },
    work=_work,
    row=lambda p, r: {
        "f": _h_f(p)[1],
        "m": int(r["m"]),
        **_wilson_cols(int(r["caught_all"].sum()), p["trials"] * max(1, _h_f(p)[1]), "p_caught"),
        **_wilson_cols(int(r["caught_any"].sum()), p["trials"] * max(1, _h_f(p)[1]), "p_caught_any"),
        **_wilson_cols(int(np.count_nonzero(r["caught_all"] == _h_f(p)[1])), p["trials"], "p_all_caught"),
        "frac_honest_wrong": float(r["wrongly"].mean() / max(1, _h_f(p)[0])),
    },
    smoke={"strategy": ("shift", "just_inside"), "shift": 0.5, "n_sources": 10, "n_peers": 6, "trials": 20},
    model="as eb_honest_blacklisted, with f = floor(beta k) Byzantine peers following the strategy",
)
def byzantine_caught_cell(p: dict, rng: np.random.Generator) -> dict:
    o, m = _attack_trials(p, rng, p["strategy"], p["shift"])
    return {"caught_all": o["caught_all"], "caught_any": o["caught_any"], "wrongly": o["wrongly"], "m": np.int64(m)}


# --------------------------------------------------------------------------- final error
def predicted_bias(p: dict) -> float:
    """Bias the just-inside attack buys when no honest peer is blacklisted: f / k (2 eps / 3 - margin)."""
    h, f = _h_f(p)
    return f / (h + f) * (2 * p["eps"] / 3 - p["margin"])


def _final_row(p, r) -> dict:
    h, f = _h_f(p)
    mx, lo, hi = mean_ci(r["max_err"])
    b, blo, bhi = mean_ci(r["bias"])
    inside = int(np.count_nonzero(r["max_err"] <= p["eps"]))
    return {
        "m": int(r["m"]),
        "max_err": mx,
        "max_err_lo": lo,
        "max_err_hi": hi,
        "mean_err": float(r["mean_err"].mean()),
        "bias": b,
        "bias_lo": blo,
        "bias_hi": bhi,
        "predicted_bias": predicted_bias(p),
        **_wilson_cols(inside, p["trials"], "p_within_eps"),
    }


@sweep(
    "eb_final_error",
    version=1,
    summary="error-bounded blacklisting: final error of the surviving average against eps, per strategy",
    axes=(ESTIMATE_STRATEGY, EPS),
    fixed=(N_SOURCES, _K, C_CONFIDENCE, _BYZ, C_QUERIES, SHIFT, MARGIN),
    defaults={"strategy": ESTIMATE_STRATEGIES, "eps": (0.1, 0.2, 0.3, 0.5, 0.75, 1.0)},
    trials=1000,
    record={
        "max_err": Field("float64", ("trials",), low=0, doc="max over honest peers and sources of |final - mu|"),
        "mean_err": Field("float64", ("trials",), low=0),
        "bias": Field("float64", ("trials",), doc="mean over honest peers and sources of final - mu"),
        "byz_survive": Field("int64", ("trials",), low=0, doc="(honest observer, Byzantine) pairs not blacklisted"),
        "m": Field("int64", (), low=1),
    },
    work=_work,
    check=_check_margin,
    row=_final_row,
    smoke={"strategy": ("shift", "just_inside"), "eps": 0.5, "n_sources": 10, "n_peers": 6, "trials": 20},
    model="as eb_byzantine_caught; each honest peer averages its own and the surviving reports per source",
)
def final_error_cell(p: dict, rng: np.random.Generator) -> dict:
    o, m = _attack_trials(p, rng, p["strategy"], p["shift"])
    return {
        "max_err": o["max_err"],
        "mean_err": o["mean_err"],
        "bias": o["bias"],
        "byz_survive": o["byz_survive"],
        "m": np.int64(m),
    }


# --------------------------------------------------------------------------- queries per peer
def committee_loads(n: int, k: int, s: int, rng: np.random.Generator) -> np.ndarray:
    """Committees per peer when each of n sources draws s distinct peers of k uniformly (exact draw)."""
    load = np.zeros(k, dtype=np.int64)
    step = max(1, 2_000_000 // k)
    for a in range(0, n, step):
        rows = min(step, n - a)
        pick = (
            np.argpartition(rng.random((rows, k)), s - 1, axis=1)[:, :s]
            if s < k
            else np.broadcast_to(np.arange(k), (rows, k))
        )
        load += np.bincount(pick.ravel(), minlength=k)
    return load


def committee_of(n: int, k: int, a: float) -> int:
    """Committee size per source: min(k, ceil(a ln n)), at least 1."""
    return int(min(k, max(1, math.ceil(a * math.log(max(n, 2))))))


@sweep(
    "eb_queries",
    version=1,
    summary="error-bounded blacklisting: queries per peer against n log^2 n / k (all peers vs committees)",
    axes=(Param("n_sources", int, 1000, "sources n", low=2, high=1_000_000), replace(N_PEERS, default=30)),
    fixed=(
        C_CONFIDENCE,
        EPS,
        C_QUERIES,
        Param(
            "a",
            float,
            2.5,
            "committee constant a: committee of ceil(a ln n) peers per source",
            low=0.0,
            high=1e3,
            low_open=True,
        ),
    ),
    defaults={"n_sources": (100, 300, 1000, 3000, 10000), "n_peers": (10, 30, 100)},
    trials=100,
    record={
        "all_peers": Field("int64", (), low=1, doc="n m: every peer queries every source"),
        "committee_mean": Field("float64", ("trials",), low=0, doc="mean queries per peer with committees"),
        "committee_max": Field("int64", ("trials",), low=0, doc="largest queries of a peer with committees"),
        "m": Field("int64", (), low=1),
        "s": Field("int64", (), low=1),
    },
    work=lambda p: float(p["trials"]) * p["n_sources"] * p["n_peers"],
    row=lambda p, r: {
        "m": int(r["m"]),
        "s": int(r["s"]),
        "all_peers": int(r["all_peers"]),
        "committee_mean": float(r["committee_mean"].mean()),
        "committee_max": float(r["committee_max"].mean()),
        "n_log2n_over_k": p["n_sources"] * math.log(p["n_sources"]) ** 2 / p["n_peers"],
    },
    smoke={"n_sources": (20, 50), "n_peers": 5, "trials": 5},
    model="m = ceil(C (c ln n + ln k) / eps^2) queries per source and member; committees of ceil(a ln n) random peers",
)
def queries_cell(p: dict, rng: np.random.Generator) -> dict:
    n, k = p["n_sources"], p["n_peers"]
    m = _m(p)
    s = committee_of(n, k, p["a"])
    mean = np.zeros(p["trials"])
    mx = np.zeros(p["trials"], dtype=np.int64)
    for t in range(p["trials"]):
        load = committee_loads(n, k, s, rng) * m
        mean[t], mx[t] = load.mean(), load.max()
    return {
        "all_peers": np.int64(n * m),
        "committee_mean": mean,
        "committee_max": mx,
        "m": np.int64(m),
        "s": np.int64(s),
    }
