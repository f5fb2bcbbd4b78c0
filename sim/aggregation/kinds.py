"""Trace kinds of the aggregation scene: 2-D client updates, a growing attack, estimates and z-scores.

``aggregation_demo``: n clients send one 2-D update each, N(mu, sigma^2 I);
the Byzantine ones (the first f) apply the attack with a strength that
grows over ``steps`` steps (scaling: factor 1 -> max_scale, geometrically).
At every step the trace holds the updates, the estimate of every aggregator
of ``aggregators`` (default: the mean, the coordinate-wise median and the
trimmed mean; any rule of sim.aggregation.rules, a pipeline such as
``nnm+krum``, or one a plugin registered), and the z-scores of the update
norms from the original aggregation module's ZScoreDetector and from the robust (median/MAD) scorer
with their outlier flags. Scenes only replay it.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..core.errors import ParamError
from ..core.kinds import trace_kind
from ..core.params import Param
from ..core.trace import ArraySpec
from . import registry, rules
from .aggregators import TRIM_FRACTION
from .scoring import RobustZScoreDetector, ZScoreDetector

DEFAULT_AGGREGATORS = "mean,median,trimmed_mean"
MAX_AGGREGATORS = 5  # markers a scene can tell apart in one plane
N_AGGREGATORS = Param("aggregators", int, 3, "rules named in ``aggregators``", low=1, high=MAX_AGGREGATORS)
LABELS = {"coordinate_median": "coordinate median", "mean": "mean", "trimmed_mean": "trimmed mean",
          "geometric_median": "geometric median", "median": "coordinate median", "krum": "Krum",
          "multi_krum": "Multi-Krum", "centered_clipping": "centered clipping"}  # fmt: skip
SHORT = {"coordinate_median": "median", "median": "median"}  # in a sentence


def aggregator_names(text: str) -> list[str]:
    """``"mean,median,my_rule"`` -> the names, each a known rule (ParamError naming ``aggregators`` otherwise)."""
    names = [t.strip() for t in text.split(",")]
    if not 1 <= len(names) <= MAX_AGGREGATORS or any(not n for n in names):
        raise ParamError(
            f"aggregators: expected rule names separated by commas (their number {N_AGGREGATORS.range_text()}), "
            f"got {text[:80]!r}"
        )
    for n in names:
        try:
            registry.resolve(n)
        except ParamError as e:
            raise ParamError(f"aggregators: {n!r} is not a rule; {str(e).partition(': ')[2]}") from None
    if len({registry.resolve(n) for n in names}) != len(names):
        raise ParamError(f"aggregators: a rule named twice in {text[:80]!r}")
    return names


def _label(name: str) -> str:
    return LABELS.get(name) or registry.label_of(name) or name.replace("+", " + ").replace("_", " ")


def _check(p):
    aggregator_names(p["aggregators"])
    if p["n_byzantine"] >= p["n_clients"] / 2:
        raise ParamError(f"n_byzantine: must be below half of n_clients = {p['n_clients']}, got {p['n_byzantine']}")
    if math.floor(p["trim_fraction"] * p["n_clients"]) < p["n_byzantine"]:
        raise ParamError(
            f"trim_fraction: must trim at least n_byzantine = {p['n_byzantine']} values per end "
            f"(floor(trim_fraction n) >= n_byzantine), got {p['trim_fraction']:g}"
        )


@trace_kind(
    "aggregation_demo",
    version=2,
    summary="2-D client updates under a growing scaling attack: the mean vs robust aggregators (mean, median, "
    "trimmed mean by default; any rule or plugin); classical and robust z-scores",
    params=(
        Param("n_clients", int, 7, "clients", low=3, high=1000),
        Param("n_byzantine", int, 2, "Byzantine clients (the first ones)", low=0, high=999),
        Param("steps", int, 5, "attack steps after the clean one", low=1, high=1000),
        Param("max_scale", float, 4.0, "scaling factor at the last step", low=1.0, high=1e6),
        Param("mu_x", float, 1.2, "honest mean, x", low=-100, high=100),
        Param("mu_y", float, 1.0, "honest mean, y", low=-100, high=100),
        Param("sigma", float, 0.3, "honest standard deviation per coordinate", low=0.0, high=100, low_open=True),
        replace(TRIM_FRACTION, default=0.3, doc="trimmed mean: fraction trimmed at each end"),
        Param(
            "aggregators",
            str,
            DEFAULT_AGGREGATORS,
            f"rules whose estimates the trace holds, separated by commas ({N_AGGREGATORS.low} to "
            f"{N_AGGREGATORS.high}; median: "
            "coordinate-wise; pipelines such as nnm+krum; rules of plugins)",
        ),
    ),
    arrays={
        "honest": ArraySpec("float64", ("client", 2), "each client's honest update"),
        "is_byzantine": ArraySpec("bool", ("client",)),
        "scale": ArraySpec("float64", ("step",), "attack scale factor per step (1 = no attack)"),
        "updates": ArraySpec("float64", ("step", "client", 2), "the updates the server receives"),
        "estimates": ArraySpec("float64", ("step", "estimator", 2), "the estimate of each of ``aggregators``"),
        "z_classic": ArraySpec("float64", ("step", "client"), "classical z-score (largest over the norm metrics)"),
        "z_robust": ArraySpec("float64", ("step", "client"), "median/MAD z-score"),
        "flag_classic": ArraySpec("bool", ("step", "client")),
        "flag_robust": ArraySpec("bool", ("step", "client")),
    },
    check=_check,
    sizes=lambda p: {
        "client": p["n_clients"],
        "step": p["steps"] + 1,
        "estimator": len(aggregator_names(p["aggregators"])),
    },
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
    names = aggregator_names(p["aggregators"])
    est = np.stack(
        [
            rules.run_pipeline(registry.resolve(a), updates, None, rng, f=f, trim=p["trim_fraction"], track=False)[0]
            for a in names
        ],
        axis=1,
    )
    zc, zr, fc, fr = (np.zeros((T, n)) for _ in range(4))
    classic, robust = ZScoreDetector(), RobustZScoreDetector()
    for t in range(T):  # one scoring call per step (the list interface)
        ups = [u[None, :] for u in updates[t]]
        sc, sr = classic.score_clients(ups), robust.score_clients(ups)
        zc[t] = [s.score for s in sc]
        zr[t] = [s.score for s in sr]
        fc[t] = [s.is_outlier for s in sc]
        fr[t] = [s.is_outlier for s in sr]
    drift = np.linalg.norm(est[-1] - est[0], axis=-1)  # how far the attack moved each estimate
    meta = {
        "aggregators": names,
        "estimator_labels": [_label(a) for a in names],
        "short_labels": [SHORT.get(a) or _label(a) for a in names],
        # held: the estimate under the strongest attack is within one honest standard deviation of the clean one
        "held": [bool(v <= p["sigma"]) for v in drift],
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
