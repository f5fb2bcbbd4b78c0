"""Seeding: every random number in sim comes from a Generator built here.

No global RNG state. Child streams come from ``SeedSequence.spawn`` so that
serial, parallel and cluster runs draw identical numbers for the same work item.
"""

from __future__ import annotations

import re

import numpy as np

from .errors import ParamError

SEED_MAX = 2**63 - 1


def check_seed(seed) -> int:
    """Return ``seed`` as an int in [0, 2**63 - 1] or raise ParamError."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        try:
            if isinstance(seed, str) and re.fullmatch(r"\+?[0-9]{1,25}", seed.strip(" \t")):  # ASCII digits only
                seed = int(seed)
            else:
                raise ValueError
        except ValueError:
            raise ParamError(f"seed: must be an integer in [0, {SEED_MAX}], got {seed!r}") from None
    seed = int(seed)
    if not 0 <= seed <= SEED_MAX:
        raise ParamError(f"seed: must be an integer in [0, {SEED_MAX}], got {seed}")
    return seed


def seed_sequence(seed: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(check_seed(seed))


def make_rng(seed: int) -> np.random.Generator:
    """The Generator of a whole trace: PCG64 seeded through SeedSequence(seed)."""
    return np.random.Generator(np.random.PCG64(seed_sequence(seed)))


def spawn_rngs(seed: int, n: int) -> list[np.random.Generator]:
    """``n`` independent child Generators (trial i always gets child i)."""
    return [np.random.Generator(np.random.PCG64(s)) for s in seed_sequence(seed).spawn(n)]
