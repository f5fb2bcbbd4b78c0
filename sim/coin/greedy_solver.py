"""Greedy heuristic for the non-adaptive programme: largest class first, as many as fit.

For each class in descending value, take the largest x_k <= c_k that keeps the vote
feasible. No optimality guarantee by itself, but a gap guarantee: if some class k is
not exhausted, the final slack c_r - X is below v_k (one more would not fit), so
X > c_r - v_min(non-exhausted) >= OPT - v_min(non-exhausted). Vectorised with prefix sums: each
pass takes a run of whole classes and one partial class; the fill stops once the slack is
below 1e-10 c_r (far inside any certificate it is used for).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right

import numpy as np

from .knapsack import GREEDY, Problem, Solution, infeasible, repair

STOP = 1e-10  # stop once the slack c_r - X is below STOP * c_r (the weights can span 1e-30 .. 1e3)


def fill(problem: Problem, start: float, values: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, float]:
    """Greedy from partial sum ``start`` over (values, counts) in the given (descending) order; returns (x, X).

    Scalar arithmetic in Python floats (the same IEEE operations, in the same order, as
    :meth:`Problem.feasible` on floats) on lists, binary searches with :mod:`bisect` (equal to
    ``np.searchsorted`` on these non-decreasing, finite lists; non-finite input takes numpy's): this runs
    once per round per run.
    """
    C = len(values)
    if C == 0:
        return np.zeros(0, dtype=np.int64), float(start)
    Parr = np.concatenate(([0.0], np.cumsum(counts * values)))  # P[k] = weight of classes < k
    P = Parr.tolist()
    vals = values.tolist()
    cnts = counts.tolist()
    if math.isfinite(P[-1]) and min(vals) > 0:
        negv = [-v for v in vals]
        right = lambda key: bisect_right(P, key)  # noqa: E731
        left = lambda key: bisect_left(negv, key)  # noqa: E731
    else:
        negarr = -values
        right = lambda key: int(Parr.searchsorted(key, side="right"))  # noqa: E731
        left = lambda key: int(negarr.searchsorted(key, side="left"))  # noqa: E731
    feas = problem.scalar_feasible()
    x = [0] * C
    cap = problem.cap
    s, k0 = float(start), 0
    acap = abs(cap)
    tiny = STOP * acap
    while k0 < C and cap - s > tiny:
        # classes k0..k-1 fit entirely: the largest k with s + P[k] - P[k0] feasible (binary search, then check)
        k = right(cap - s + P[k0] + acap * 1e-12) - 1
        k = min(max(k, k0), C)
        while k > k0 and not feas(s + (P[k] - P[k0])):
            k -= 1
        while k < C and feas(s + (P[k + 1] - P[k0])):
            k += 1
        if k > k0:
            x[k0:k] = cnts[k0:k]
            s = s + (P[k] - P[k0])
        if k >= C:
            break
        v = vals[k]
        ck = cnts[k]
        q = int(min(ck, max(math.floor((cap - s) / v), 0)))
        while q > 0 and not feas(s + q * v):
            q -= 1
        while q + 1 <= ck and feas(s + (q + 1) * v):
            q += 1
        x[k] = q
        s = s + q * v
        # the slack is now below v_k: skip to the first later class that can still fit one item
        k0 = max(k + 1, left(-(cap - s) * (1 + 1e-12)))
    return np.array(x, dtype=np.int64), s


def solve(problem: Problem) -> Solution:
    if not problem.feasible(0.0):
        return infeasible(problem, GREEDY)
    x, _ = fill(problem, 0.0, problem.values, problem.counts)
    x = repair(problem, x)
    return Solution(x, problem.value(x), GREEDY, problem.upper_bound())
