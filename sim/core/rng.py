"""Seeding: every random number in sim comes from a Generator built here.

No global RNG state. Child streams come from ``SeedSequence.spawn`` so that
serial, parallel and cluster runs draw identical numbers for the same work item.
"""

from __future__ import annotations

import numpy as np

from .errors import ParamError
from .params import Param

SEED_MAX = 2**63 - 1
SEED = Param("seed", int, 0, "seed of the SeedSequence every random number comes from", low=0, high=SEED_MAX)


def check_seed(seed) -> int:
    """Return ``seed`` as an int in [0, 2**63 - 1] or raise ParamError (ASCII digits; a float is no seed)."""
    if isinstance(seed, (float, np.floating)):
        raise ParamError(f"seed: must be {SEED.range_text()}, got {seed!r}")
    return SEED.coerce(seed.strip(" \t") if isinstance(seed, str) else seed)


def seed_sequence(seed: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(check_seed(seed))


def make_rng(seed: int) -> np.random.Generator:
    """The Generator of a whole trace: PCG64 seeded through SeedSequence(seed)."""
    return np.random.Generator(np.random.PCG64(seed_sequence(seed)))


def spawn_rngs(seed: int, n: int) -> list[np.random.Generator]:
    """``n`` independent child Generators (trial i always gets child i)."""
    return [np.random.Generator(np.random.PCG64(s)) for s in seed_sequence(seed).spawn(n)]


def check_generator(rng) -> np.random.Generator:
    """``rng`` itself when it is a numpy Generator; ParamError naming ``rng`` otherwise (a seed is no Generator)."""
    if not isinstance(rng, np.random.Generator):
        raise ParamError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    return rng
