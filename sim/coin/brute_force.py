"""Brute force over all 2^tau subsets J of the corrupted experts (tau <= 16): the reference solver.

Works on the items themselves (not on classes), so it checks the class reduction too.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import ParamError
from .knapsack import BRUTE, Problem

MAX_ITEMS = 16


def subset_sums(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(2^t,) sums over every subset of the t weights and the (2^t, t) membership masks."""
    t = len(weights)
    if t > MAX_ITEMS:
        raise ParamError(f"tau: brute force takes at most {MAX_ITEMS} corrupted experts, got {t}")
    masks = ((np.arange(2**t)[:, None] >> np.arange(t)[None, :]) & 1).astype(bool)
    return masks.astype(float) @ np.asarray(weights, dtype=float), masks


def solve_items(weights: np.ndarray, good_vote: float, d: int, scale: float = 0.0):
    """(J mask, X) maximising X = sum_J w subject to z != d, or (None, nan) when no J works."""
    w = np.asarray(weights, dtype=float)
    prob = Problem(np.sort(w)[::-1], np.ones(len(w), dtype=np.int64), float(good_vote), int(d), float(scale))
    sums, masks = subset_sums(w)
    ok = prob.feasible(sums)
    if not ok.any():
        return None, float("nan")
    i = int(np.flatnonzero(ok)[np.argmax(sums[ok])])
    return masks[i], float(sums[i])


SOLVER = BRUTE
