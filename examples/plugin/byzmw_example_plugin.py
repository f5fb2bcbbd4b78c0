"""An example plugin for Byzantine MW Studio: one aggregator, one attack, one MW centre estimator.

Byzantine MW Studio imports this module (it is named by the ``byzmw.plugins`` entry point in pyproject.toml,
or by ``BYZMW_PLUGINS=byzmw_example_plugin``) and calls :func:`register`. Every rule follows ByzFL's calling
convention: an ``(n, d)`` NumPy array of vectors in, one ``(d,)`` vector out, so a ByzFL aggregator object
could be registered the same way (``sim.register_aggregator("byzfl_trmean", byzfl.TrMean(f=2))``).
"""

from __future__ import annotations

import numpy as np

import sim


class Phocas:
    """Phocas (Xie, Koyejo & Gupta, 2018): per coordinate, the mean of the n - f values nearest the trimmed mean.

    A class with ``__call__(vectors, f)``, like ByzFL's aggregators (which take f in their constructor).
    """

    def __call__(self, vectors: np.ndarray, f: int = 0) -> np.ndarray:
        x = np.sort(np.asarray(vectors, dtype=float), axis=0)
        n = len(x)
        b = min(f, (n - 1) // 2)
        centre = x[b : n - b].mean(axis=0)  # the f-trimmed mean, coordinate-wise
        nearest = np.argsort(np.abs(x - centre), axis=0, kind="stable")[: n - b]
        return np.take_along_axis(x, nearest, axis=0).mean(axis=0)


def shift(honest: np.ndarray) -> np.ndarray:
    """Every Byzantine client sends the honest mean moved 5 honest standard deviations along each coordinate."""
    return honest.mean(axis=0) + 5.0 * (honest.std(axis=0) + 1e-12)


def midhinge(reports: np.ndarray) -> np.ndarray:
    """The midhinge (q1 + q3) / 2 per coordinate: a robust centre with breakdown point 1/4."""
    q1, q3 = np.quantile(reports, [0.25, 0.75], axis=0)
    return (q1 + q3) / 2


def register() -> None:
    sim.register_aggregator("phocas", Phocas(), label="Phocas", needs_f=True)
    sim.register_attack("shift", shift, label="shift by 5σ")
    sim.register_centre("midhinge", midhinge)
