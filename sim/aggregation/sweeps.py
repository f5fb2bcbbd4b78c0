"""Breakdown sweep: each aggregator's error against the fraction of Byzantine clients, per attack, on Gaussian data.

A cell (aggregator, attack, byz_fraction) draws ``trials`` rounds at once:
n clients each send one update x_i ~ N(mu, sigma^2 I_d) with mu = (1, ..., 1);
the first f = floor(byz_fraction n) are replaced by the attack (computed from
the honest updates for the omniscient attacks); clients with NaN/±inf are
dropped (as the aggregators do); the rule aggregates the rest. Recorded per
trial: ||aggregate - mu|| and, as the yardstick, the error of the mean of the
honest updates alone (the oracle). Rules that need f are told the true f; the
trimmed mean trims ``trim_fraction`` at each end whatever f is, so its curve
shows its own breakdown point.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..core.errors import ParamError
from ..core.params import LiveChoices, Param
from ..core.population import check_honest_left, n_byzantine
from ..core.sweeps import Field, sweep
from ..stats.intervals import mean_ci, wilson
from ..stats.robust import bad_rows
from . import rules
from .aggregators import TRIM_FRACTION
from .attacks import ATTACK, apply_attack

DEFAULT_AGGREGATORS = (
    "mean",
    "coordinate_median",
    "trimmed_mean",
    "geometric_median",
    "krum",
    "multi_krum",
    "centered_clipping",
    "mean_around_median",
    "minimum_diameter_averaging",
    "nnm+trimmed_mean",
)
DEFAULT_ATTACKS = ("sign_flip", "scaling", "alie", "inner_product", "mimic", "gaussian", "nonfinite")
ATTACK_PARAMS = {
    "scaling": {"scale_factor": 100.0},
    "noise": {"noise_std": 10.0},
    "gaussian": {"sigma": 10.0},
    "inner_product": {"epsilon": 0.5},
    "nonfinite": {"value": "mixed"},
}
ERROR_CAP = 1e12  # a broken mean can overflow; errors above this are recorded as the cap


def _pipeline_choices() -> tuple[str, ...]:
    """Every rule (plugins' too, sim.aggregation.registry), and each after a pre-step."""
    names = rules.rule_names()
    return names + tuple(f"{p}+{r}" for p in rules.PRE for r in names if r != "mean")


def _check(p: dict) -> None:
    n = p["n_clients"]
    check_honest_left(p["byz_fraction"], n, "client")
    f = n_byzantine(p["byz_fraction"], n)
    pre, rule = rules.parse_pipeline(p["aggregator"])
    k = n - (f if p["attack"] == "nonfinite" else 0)
    f_rule = 0 if p["attack"] == "nonfinite" else f
    if rule in ("krum", "multi_krum") and k - f_rule - 2 < 1:
        raise ParamError(
            f"byz_fraction: Krum needs n - f - 2 >= 1; n = {n}, f = {f} (byz_fraction {p['byz_fraction']:g})"
        )
    if rule == "minimum_diameter_averaging" and math.comb(k, f_rule) > rules.MDA_MAX_SUBSETS:
        raise ParamError(
            f"n_clients: minimum-diameter averaging needs C(n, f) <= {rules.MDA_MAX_SUBSETS}; "
            f"C({k}, {f_rule}) is larger"
        )


def _work(p: dict) -> float:
    n, d, t = p["n_clients"], p["dim"], p["trials"]
    base = t * n * n * d
    _, rule = rules.parse_pipeline(p["aggregator"])
    if rule == "minimum_diameter_averaging":
        f = n_byzantine(p["byz_fraction"], n)
        base += t * math.comb(n, f) * (n - f) ** 2
    if rule == "geometric_median":
        base *= 50
    return float(base)


def _row(p: dict, r: dict) -> dict:
    m, lo, hi = mean_ci(r["error"])
    om, _, _ = mean_ci(r["oracle_error"])
    k = int(r["broken"])
    wl, wh = wilson(k, p["trials"])
    return {
        "n_byzantine": n_byzantine(p["byz_fraction"], p["n_clients"]),
        "error_mean": m,
        "error_lo": lo,
        "error_hi": hi,
        "error_median": float(np.median(r["error"])),
        "oracle_error_mean": om,
        "p_broken": k / p["trials"],
        "p_broken_lo": wl,
        "p_broken_hi": wh,
    }


def _summarise(out) -> list[str]:
    rows = out.rows()
    lines = []
    for att in out.grid.axes["attack"]:
        worst = [r for r in rows if r["attack"] == att]
        top = max(r["byz_fraction"] for r in worst)
        best = min((r for r in worst if r["byz_fraction"] == top), key=lambda r: r["error_mean"])
        lines.append(
            f"{att}: at byz_fraction {top:g} the smallest mean error is {best['aggregator']} ({best['error_mean']:.3g})"
        )
    return lines


@sweep(
    "aggregation_breakdown",
    version=1,
    summary="aggregator error vs Byzantine fraction, per attack, Gaussian client updates",
    axes=(
        Param(
            "aggregator",
            str,
            "coordinate_median",
            "rule, optionally after nnm+/bucketing+/clipping+",
            choices=LiveChoices(_pipeline_choices),
        ),
        ATTACK,
        Param("byz_fraction", float, 0.2, "fraction of Byzantine clients", low=0.0, high=0.5, high_open=True),
    ),
    fixed=(
        Param("n_clients", int, 15, "clients", low=3, high=10_000),
        Param("dim", int, 10, "dimension of an update", low=1, high=1_000_000),
        Param("sigma", float, 1.0, "honest standard deviation per coordinate", low=0.0, high=1e6, low_open=True),
        replace(TRIM_FRACTION, default=0.2, doc="trimmed mean: fraction trimmed at each end"),
        Param("break_at", float, 3.0, "error above which a trial counts as broken", low=0.0, low_open=True),
    ),
    defaults={
        "aggregator": DEFAULT_AGGREGATORS,
        "attack": DEFAULT_ATTACKS,
        "byz_fraction": tuple(round(0.05 * i, 2) for i in range(10)),
    },
    trials=200,
    record={
        "error": Field("float64", ("trials",), low=0, high=ERROR_CAP, doc="||aggregate - mu||"),
        "oracle_error": Field("float64", ("trials",), low=0, doc="||mean of honest updates - mu||"),
        "broken": Field("int64", (), low=0, high="trials", doc="trials with error > break_at"),
    },
    work=_work,
    check=_check,
    row=_row,
    summarise=_summarise,
    code=("sim.aggregation.sweeps", "sim.aggregation.rules", "sim.aggregation.attacks", "sim.stats.robust"),
    model="n clients send N(mu, sigma^2 I_d), mu = 1; the first floor(beta n) are replaced by the attack; "
    "non-finite clients dropped; error = ||aggregate - mu||",
    smoke={"aggregator": ["coordinate_median", "krum"], "attack": ["sign_flip"], "byz_fraction": [0.2], "trials": 20},
)
def breakdown_cell(p: dict, rng: np.random.Generator) -> dict:
    n, d, T = p["n_clients"], p["dim"], p["trials"]
    f = n_byzantine(p["byz_fraction"], n)
    mu = np.ones(d)
    x = mu + p["sigma"] * rng.standard_normal((T, n, d))
    byz = np.arange(n) < f
    oracle = np.linalg.norm(x[:, f:, :].mean(-2) - mu, axis=-1)
    if f:
        x = apply_attack(p["attack"], x, byz, rng, **ATTACK_PARAMS.get(p["attack"], {}))
    mask = ~bad_rows(x)
    f_left = max(0, f - int((~mask[0]).sum()))
    agg, _ = rules.run_pipeline(
        p["aggregator"], np.where(mask[..., None], x, 0.0), mask, rng, f=f_left, trim=p["trim_fraction"], track=False
    )
    with np.errstate(over="ignore", invalid="ignore"):
        err = np.linalg.norm(agg - mu, axis=-1)
    err = np.where(np.isfinite(err), np.minimum(err, ERROR_CAP), ERROR_CAP)
    return {"error": err, "oracle_error": oracle, "broken": np.int64((err > p["break_at"]).sum())}
