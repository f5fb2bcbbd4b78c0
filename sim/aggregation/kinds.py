"""Trace kinds of the aggregation scene: 2-D client updates, a growing attack, estimates and z-scores.

``aggregation_demo``: n clients send one 2-D update each, N(mu, sigma^2 I);
the Byzantine ones (the first f) apply the attack with a strength that
grows over ``steps`` steps (scaling: factor 1 -> max_scale, geometrically).
At every step the trace holds the updates, the mean, the coordinate-wise
median, the trimmed mean and the geometric median (sim.aggregation.rules),
and the z-scores of the update norms from seed 003's ZScoreDetector and from
the robust (median/MAD) scorer with their outlier flags. Scenes only replay it.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.errors import ParamError
from ..core.kinds import trace_kind
from ..core.params import Param
from ..core.trace import ArraySpec
from . import rules
from .scoring import RobustZScoreDetector, ZScoreDetector

ESTIMATORS = ("mean", "coordinate_median", "trimmed_mean", "geometric_median")
ESTIMATOR_LABELS = ("mean", "coordinate median", "trimmed mean", "geometric median")


def _check(p):
    if p["n_byzantine"] >= p["n_clients"] / 2:
        raise ParamError(f"n_byzantine: must be below half of n_clients = {p['n_clients']}, got {p['n_byzantine']}")
    if math.floor(p["trim_fraction"] * p["n_clients"]) < p["n_byzantine"]:
        raise ParamError(
            f"trim_fraction: must trim at least n_byzantine = {p['n_byzantine']} values per end "
            f"(floor(trim_fraction n) >= n_byzantine), got {p['trim_fraction']:g}"
        )


@trace_kind(
    "aggregation_demo",
    version=1,
    summary="2-D client updates under a growing scaling attack: mean vs median, trimmed mean, geometric median; "
    "classical and robust z-scores",
    params=(
        Param("n_clients", int, 7, "clients", low=3, high=1000),
        Param("n_byzantine", int, 2, "Byzantine clients (the first ones)", low=0, high=999),
        Param("steps", int, 5, "attack steps after the clean one", low=1, high=1000),
        Param("max_scale", float, 4.0, "scaling factor at the last step", low=1.0, high=1e6),
        Param("mu_x", float, 1.2, "honest mean, x", low=-100, high=100),
        Param("mu_y", float, 1.0, "honest mean, y", low=-100, high=100),
        Param("sigma", float, 0.3, "honest standard deviation per coordinate", low=0.0, high=100, low_open=True),
        Param(
            "trim_fraction",
            float,
            0.3,
            "trimmed mean: fraction trimmed at each end",
            low=0.0,
            high=0.5,
            low_open=True,
            high_open=True,
        ),
    ),
    arrays={
        "honest": ArraySpec("float64", ("client", 2), "each client's honest update"),
        "is_byzantine": ArraySpec("bool", ("client",)),
        "scale": ArraySpec("float64", ("step",), "attack scale factor per step (1 = no attack)"),
        "updates": ArraySpec("float64", ("step", "client", 2), "the updates the server receives"),
        "estimates": ArraySpec("float64", ("step", "estimator", 2), "mean, coordinate median, trimmed mean, GM"),
        "z_classic": ArraySpec("float64", ("step", "client"), "seed 003 z-score (largest over the norm metrics)"),
        "z_robust": ArraySpec("float64", ("step", "client"), "median/MAD z-score"),
        "flag_classic": ArraySpec("bool", ("step", "client")),
        "flag_robust": ArraySpec("bool", ("step", "client")),
    },
    check=_check,
    work=lambda p: p["steps"] * p["n_clients"] ** 2 * 1000,
)
def simulate_demo(p: dict, rng: np.random.Generator):
    n, f, T = p["n_clients"], p["n_byzantine"], p["steps"] + 1
    mu = np.array([p["mu_x"], p["mu_y"]])
    honest = mu + p["sigma"] * rng.standard_normal((n, 2))
    byz = np.arange(n) < f
    scale = (
        np.concatenate([[1.0], np.geomspace(max(1.5, p["max_scale"] ** (1 / p["steps"])), p["max_scale"], p["steps"])])
        if p["steps"] >= 1
        else np.ones(1)
    )
    updates = np.where(byz[None, :, None], honest[None] * scale[:, None, None], honest[None])
    est = np.stack(
        [
            rules.mean(updates)[0],
            rules.coordinate_median(updates)[0],
            rules.trimmed_mean(updates, trim=p["trim_fraction"])[0],
            rules.geometric_median(updates)[0],
        ],
        axis=1,
    )
    zc, zr, fc, fr = (np.zeros((T, n)) for _ in range(4))
    classic, robust = ZScoreDetector(), RobustZScoreDetector()
    for t in range(T):  # one scoring call per step (the seed's list interface)
        ups = [u[None, :] for u in updates[t]]
        sc, sr = classic.score_clients(ups), robust.score_clients(ups)
        zc[t] = [s.score for s in sc]
        zr[t] = [s.score for s in sr]
        fc[t] = [s.is_outlier for s in sc]
        fr[t] = [s.is_outlier for s in sr]
    meta = {
        "estimator_labels": list(ESTIMATOR_LABELS),
        "threshold_classic": classic.threshold,
        "threshold_robust": robust.threshold,
        "z_bound": math.sqrt(n - 1),
        "mu": mu.tolist(),
    }
    return {
        "honest": honest,
        "is_byzantine": byz,
        "scale": scale,
        "updates": updates,
        "estimates": est,
        "z_classic": zc,
        "z_robust": zr,
        "flag_classic": fc.astype(bool),
        "flag_robust": fr.astype(bool),
    }, meta
