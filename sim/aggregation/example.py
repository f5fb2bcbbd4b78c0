"""The original aggregation module's worked example: 5 clients, client 0's update scaled by 100.

Honest clients' vectors have mean norms 1.0, 1.1, 0.9, 1.0 (clients 1-4) and
client 0's would be 1.0 before the attack (the module's numbers). Its
z-score detector leaves client 0 unflagged (masking), the robust scorer flags
it, and the coordinate-wise median stays at the honest scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .aggregators import CoordinateMedianAggregator, MeanAggregator
from .attacks import ModelPoisoningAttack
from .scoring import ClientScore, RobustZScoreDetector, ZScoreDetector

MEAN_NORMS = (1.0, 1.0, 1.1, 0.9, 1.0)


@dataclass(frozen=True)
class SeedExample:
    honest: list
    attacked: list
    classic: list[ClientScore]
    classic_ddof1: list[ClientScore]
    robust: list[ClientScore]
    median_norm: float  # mean norm of the coordinate-median aggregate's vectors
    mean_norm: float  # same for the plain mean
    honest_median_norm: float  # the coordinate median without the attack


def client_vectors(rng: np.random.Generator, mean_norm: float, n_vectors: int = 60, dim: int = 32) -> np.ndarray:
    """n_vectors in R^dim whose norms average exactly ``mean_norm`` (spread about 5%)."""
    v = rng.standard_normal((n_vectors, dim))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    r = 1 + 0.05 * rng.standard_normal(n_vectors)
    r *= 1 / r.mean()
    return v * (mean_norm * r)[:, None]


def seed_example(rng: np.random.Generator, scale_factor: float = 100.0) -> SeedExample:
    honest = [client_vectors(rng, m) for m in MEAN_NORMS]
    attacked = ModelPoisoningAttack("scaling", scale_factor=scale_factor, rng=rng).apply(honest, [0])
    med, _ = CoordinateMedianAggregator(num_samples_per_client=100, rng=rng).aggregate(attacked)
    med0, _ = CoordinateMedianAggregator(num_samples_per_client=100, rng=rng).aggregate(honest)
    mean, _ = MeanAggregator(num_samples_per_client=100, rng=rng).aggregate(attacked)
    norm = lambda a: float(np.linalg.norm(a, axis=1).mean())  # noqa: E731
    return SeedExample(
        honest,
        attacked,
        ZScoreDetector().score_clients(attacked),
        ZScoreDetector(ddof=1).score_clients(attacked),
        RobustZScoreDetector().score_clients(attacked),
        norm(med),
        norm(mean),
        norm(med0),
    )
