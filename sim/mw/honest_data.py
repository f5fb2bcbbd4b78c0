"""Honest sources: d-dimensional reports from sub-Gaussian laws (Sec. III-C), plus a heavy-tailed stress case.

Source i has its own mean mu_i = mu + source_spread * z_i, z_i ~ N(0, I_d),
drawn once (MW.py: honest sources are noisy but centred on the true mean),
and reports x_i(t) = mu_i + sigma * e_i(t), with e_i(t) i.i.d., mean 0 and
unit variance per coordinate, drawn from one of LAWS:

- ``gaussian``    N(0, 1)                                   sub-Gaussian
- ``uniform``     U(-sqrt 3, sqrt 3)                         bounded, so sub-Gaussian
- ``rademacher``  +-1 with probability 1/2                   bounded, so sub-Gaussian
- ``student_t``   t_df * sqrt((df - 2)/df), df > 2           NOT sub-Gaussian: polynomial
                                                             tails, a stress case only
"""

from __future__ import annotations

import numpy as np

from ..core.params import Param

LAWS = ("gaussian", "uniform", "rademacher", "student_t")
SUB_GAUSSIAN = {"gaussian": True, "uniform": True, "rademacher": True, "student_t": False}
LAW = Param("law", str, "gaussian", "honest noise law (student_t is NOT sub-Gaussian)", choices=LAWS)
# (the caps keep a trace's numbers finite; every configuration of sim.mw that has these uses them)
DF = Param("df", float, 3.0, "degrees of freedom of student_t (> 2: unit variance)", low=2.0, high=1e6, low_open=True)
SIGMA = Param("sigma", float, 1.0, "honest standard deviation", low=0.0, high=1e9, low_open=True)
SOURCE_SPREAD = Param("source_spread", float, 0.5, "spread of the honest source means mu_i", low=0.0, high=1e9)


def unit_noise(law: str, shape: tuple, rng: np.random.Generator, df: float = DF.default) -> np.ndarray:
    """i.i.d. noise with mean 0 and variance 1 from ``law``."""
    law = LAW.coerce(law)
    if law == "gaussian":
        return rng.standard_normal(shape)
    if law == "uniform":
        return rng.uniform(-np.sqrt(3.0), np.sqrt(3.0), shape)
    if law == "rademacher":
        return np.where(rng.random(shape) < 0.5, -1.0, 1.0)
    df = DF.coerce(df)  # student_t
    return rng.standard_t(df, shape) * np.sqrt((df - 2.0) / df)


def source_means(mu: np.ndarray, source_spread: float, shape: tuple, rng: np.random.Generator) -> np.ndarray:
    """mu_i = mu + source_spread * z_i for ``shape`` = (trials, n): (trials, n, d)."""
    mu = np.asarray(mu, dtype=float)
    return mu + source_spread * rng.standard_normal((*shape, mu.shape[-1]))


def honest_reports(
    law: str,
    mu,
    sigma: float,
    source_spread: float,
    trials: int,
    rounds: int,
    n: int,
    rng: np.random.Generator,
    df: float = DF.default,
) -> tuple[np.ndarray, np.ndarray]:
    """(x, mu_i): reports x_i(t) of shape (trials, rounds, n, d) and source means (trials, n, d)."""
    sigma, source_spread = SIGMA.coerce(sigma), SOURCE_SPREAD.coerce(source_spread)
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    mu_i = source_means(mu, source_spread, (trials, n), rng)
    e = unit_noise(law, (trials, rounds, n, mu.shape[-1]), rng, df)
    return mu_i[:, None] + sigma * e, mu_i
