"""Wisdom of the crowd under attack (seed 000's wisdom_of_crowd.py) as trace kind ``wisdom_crowd``.

A jar holds ``true_count`` beans. Honest guessers report true_count plus
sub-Gaussian noise (sigma = rel_sd * true_count, rounded, at least 0);
Byzantine guessers report the extremes, 0 or ``high_factor`` * true_count
in turn. Guesses arrive in a random order; after each arrival the mean, the
median and the median of means (``buckets`` random buckets, Sec. III-C.2) of
the guesses so far are recorded.
"""

from __future__ import annotations

import numpy as np

from ..core.kinds import trace_kind
from ..core.params import Param
from ..core.population import check_honest_left, n_byzantine
from ..core.trace import ArraySpec
from ..stats.robust import mean, median, median_of_means

CROWD_ESTIMATORS = ("mean", "median", "median_of_means")


def _check(p: dict) -> None:
    check_honest_left(p["byz_fraction"], p["n_guesses"], "guesser")


@trace_kind(
    "wisdom_crowd",
    version=1,
    summary="Guess the beans: running mean, median and median of means as honest and extreme guesses arrive",
    params=(
        Param("n_guesses", int, 25, "number of guessers", low=1, high=100_000),
        Param(
            "byz_fraction", float, 0.2, "fraction of Byzantine (extreme) guessers", low=0.0, high=0.5, high_open=True
        ),
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
    check=_check,
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
