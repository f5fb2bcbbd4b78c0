"""Exact solver of the non-adaptive programme: bounded knapsack over weight classes, meet in the middle.

The report's DP (Sec. 2.2) is pseudo-polynomial in *real* weights: it is subset sum.
The structure that makes it tractable: the tau corrupted weights take only
C <= min(tau, r + 1) distinct values (1 + eta)^a (1 - eta)^(r - a), so a choice is a
count vector x with 0 <= x_k <= c_k, and there are prod_k (c_k + 1) of them, not 2^tau.

Algorithm: split the classes into two halves A and B with balanced prod (c_k + 1);
list every partial sum of each half (vectorised, pruned at the cap); sort B; for each
a in A the best partner is the largest b in B with a + b feasible (binary search on
c_r - a, then the exact predicate). Time O(P_A log P_B + P_B log P_B) with
P_A, P_B ~ sqrt(prod (c_k + 1)). Every count vector is examined (implicitly), so the
result is the optimum under the predicate of :class:`~sim.coin.knapsack.Problem`.

The solver refuses (returns None) when a half would exceed ``max_states`` partial sums;
:mod:`sim.coin.nonadaptive` then falls back to the certified approximation.
"""

from __future__ import annotations

import math

import numpy as np

from .knapsack import EXACT, Problem, Solution, infeasible, repair

MAX_STATES = 400_000  # partial sums per half (memory ~ 10 bytes each, x a few arrays)


def work(problem: Problem) -> float:
    """prod_k (c_k + 1) over the usable counts: the number of count vectors."""
    return float(np.prod((problem.usable_counts() + 1).astype(float)))


def _half_sums(values: np.ndarray, counts: np.ndarray, limit: float):
    """All partial sums sum_k x_k v_k (x_k <= c_k) not above ``limit``, with their mixed-radix codes."""
    sums = np.zeros(1)
    codes = np.zeros(1, dtype=np.int64)
    radix = 1
    for v, c in zip(values, counts):
        steps = np.arange(c + 1)
        s = (sums[:, None] + steps[None, :] * v).ravel()
        k = (codes[:, None] + steps[None, :] * radix).ravel()
        keep = s <= limit
        sums, codes = s[keep], k[keep]
        radix *= int(c + 1)
    return sums, codes


SEARCH_CHUNK = 1 << 16  # queries per searchsorted call (a signal waits for one call: well under a second)


def _search(sorted_sums: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """Index of the largest sum <= each limit (-1: none), in chunks.

    One ``searchsorted`` of millions of unsorted queries is one C call of seconds (tens under load), and a
    SIGINT or SIGTERM waits for the call to end: in chunks, the interruption is raised between two of them.
    """
    out = np.empty(limits.size, dtype=np.intp)
    for i in range(0, limits.size, SEARCH_CHUNK):
        out[i : i + SEARCH_CHUNK] = np.searchsorted(sorted_sums, limits[i : i + SEARCH_CHUNK], side="right")
    return out - 1


def _decode(code: int, counts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(counts), dtype=np.int64)
    for i, c in enumerate(counts):
        out[i] = code % (c + 1)
        code //= c + 1
    return out


def split(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Class indices of the two halves, balancing log prod (c_k + 1) (largest first, to the lighter half)."""
    order = np.argsort(-counts, kind="stable")
    a, b, la, lb = [], [], 0.0, 0.0
    for k in order:
        lk = math.log(counts[k] + 1)
        if la <= lb:
            a.append(k)
            la += lk
        else:
            b.append(k)
            lb += lk
    return np.array(sorted(a), dtype=np.int64), np.array(sorted(b), dtype=np.int64)


def solve(problem: Problem, max_states: int = MAX_STATES) -> Solution | None:
    """The optimum count vector, or None when the instance is beyond ``max_states`` per half."""
    if not problem.feasible(0.0):
        return infeasible(problem, EXACT)
    counts = problem.usable_counts()
    live = np.flatnonzero(counts > 0)
    x = np.zeros(len(counts), dtype=np.int64)
    if live.size == 0:
        return Solution(x, 0.0, EXACT, 0.0)
    if np.log(counts[live] + 1.0).sum() > 2 * math.log(max_states) + 2 * math.log(2):
        return None  # no split can bring both halves under the budget
    ia, ib = split(counts[live])
    ia, ib = live[ia], live[ib]
    pa = float(np.prod((counts[ia] + 1).astype(float)))
    pb = float(np.prod((counts[ib] + 1).astype(float))) if ib.size else 1.0
    if max(pa, pb) > max_states:
        return None
    cap = problem.cap
    slack = abs(cap) * 1e-12 + 1e-300
    sa, ca = _half_sums(problem.values[ia], counts[ia], cap + slack)
    sb, cb = (
        _half_sums(problem.values[ib], counts[ib], cap + slack) if ib.size else (np.zeros(1), np.zeros(1, np.int64))
    )
    order = np.argsort(sb, kind="stable")
    sb, cb = sb[order], cb[order]
    # largest b with a + b <= cap (+ slack), then step down while the exact predicate fails
    j = _search(sb, cap + slack - sa)
    ok = j >= 0
    sa, ca, j = sa[ok], ca[ok], j[ok]
    tot = sa + sb[j]
    bad = ~problem.feasible(tot)
    while bad.any():
        j[bad] -= 1
        keep = j >= 0
        sa, ca, j, bad = sa[keep], ca[keep], j[keep], bad[keep]
        tot = sa + sb[j]
        bad = ~problem.feasible(tot)
    if tot.size == 0:
        return Solution(x, 0.0, EXACT, 0.0)
    best = int(np.argmax(tot))
    x[ia] = _decode(int(ca[best]), counts[ia])
    if ib.size:
        x[ib] = _decode(int(cb[j[best]]), counts[ib])
    x = repair(problem, x)
    X = problem.value(x)
    return Solution(x, X, EXACT, X)
