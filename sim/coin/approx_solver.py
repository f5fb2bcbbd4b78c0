"""Certified (1 - eps) approximation of the non-adaptive programme, for instances beyond the exact solver.

Guarantee: the returned X satisfies X >= (1 - eps) OPT, and the recorded ``bound``
is a proven upper bound on OPT. Two stages:

1. **Greedy certificate.** The greedy X_g (:mod:`.greedy_solver`) is feasible, and
   OPT <= U = min(c_r, W_K) (the LP bound: J cannot reach the cap, nor exceed all of K).
   If X_g >= (1 - eps) U, then X_g >= (1 - eps) OPT: done (bound U).

Between the stages, instances with few classes (typically early rounds) go to the exact solver with a
small budget (:data:`EXACT_STATES` partial sums per half); its answer is optimal and recorded as exact.

2. **Trimmed dynamic programme** (the FPTAS of subset sum, with buckets). Split each
   class's count in binary (1, 2, 4, ..., rest): m items whose subset sums are exactly
   the achievable X. Items of size <= theta = (eps / 2) X_g are *small*, the others *large*.
   Over the large items keep the list of feasible partial sums, trimmed after each item
   to the minimum of each bucket [(1 + delta)^j, (1 + delta)^(j + 1)), delta = eps / (2 m_L).
   Claim (induction on items): for every feasible large sum y there is a kept z with
   y / (1 + delta)^i <= z <= y after i items. (z' + s <= y' + s = y is feasible, and the kept
   bucket minimum u of z' + s has u >= (z' + s) / (1 + delta).) Each kept z is then filled
   greedily with the small items in a fixed order (a prefix that fits, then a partial class).
   Let OPT = O_L + O_S. For the z kept for y = O_L: either every small item fits, giving
   z + sum(small) >= O_L e^(-eps/2) + O_S >= OPT e^(-eps/2), or the fill stops with slack
   below one small item, giving X > c_r - theta > OPT - (eps / 2) OPT. Since
   e^(-eps/2) >= 1 - eps / 2, X >= (1 - eps / 2) OPT >= (1 - eps) OPT, and
   OPT <= min(U, X / (1 - eps / 2)) is recorded as the bound.

The list holds at most ln(c_r / theta) / delta + 2 sums (usually far fewer); if it ever holds
more than ``max_states`` the solver returns the greedy solution with its (weaker, still proven) bound U and says so (solver
code GREEDY), so the trace never claims a factor it did not prove.
"""

from __future__ import annotations

import math

import numpy as np

from . import exact_solver, greedy_solver
from .knapsack import APPROX_DP, APPROX_GREEDY, GREEDY, Problem, Solution, infeasible, repair

EPS = 1e-3
MAX_STATES = 60_000
EXACT_STATES = 20_000   # partial sums per half for the exact solver tried between the two stages


def _binary_items(counts: np.ndarray):
    """(class, multiplicity) pairs: counts split as 1, 2, 4, ..., remainder."""
    cls, mult = [], []
    for k, c in enumerate(counts):
        q = 1
        while c > 0:
            t = min(q, c)
            cls.append(k); mult.append(t)
            c -= t; q *= 2
    return np.array(cls, dtype=np.int64), np.array(mult, dtype=np.int64)


def prefix_fill(problem: Problem, starts: np.ndarray, values: np.ndarray, counts: np.ndarray):
    """For each start z: whole classes (in order) while feasible, then the most of the next class.

    Returns (X, j, q): the filled sums, the number of whole classes and the partial count.
    """
    starts = np.asarray(starts, dtype=float)
    if len(values) == 0:
        return starts.copy(), np.zeros(len(starts), np.int64), np.zeros(len(starts), np.int64)
    P = np.concatenate(([0.0], np.cumsum(counts * values)))
    cap = problem.cap
    j = np.searchsorted(P, cap - starts + abs(cap) * 1e-12, side="right") - 1
    j = np.clip(j, 0, len(P) - 1)
    while True:                                              # the exact predicate decides at the boundary
        bad = (j > 0) & ~problem.feasible(starts + P[j])
        if not bad.any():
            break
        j = np.where(bad, j - 1, j)
    base = starts + P[j]
    C = len(values)
    jj = np.minimum(j, C - 1)
    vj, cj = values[jj], counts[jj]
    q = np.clip(np.floor((problem.cap - base) / vj), 0, cj).astype(np.int64)
    q = np.where(j >= C, 0, q)
    for _ in range(3):                                       # rounding: step down while infeasible
        bad = (q > 0) & ~problem.feasible(base + q * vj)
        q = np.where(bad, q - 1, q)
    up = (j < C) & (q + 1 <= cj) & problem.feasible(base + (q + 1) * vj)
    q = np.where(up, q + 1, q)
    X = base + q * vj
    return X, np.minimum(j, C), q


def solve(problem: Problem, eps: float = EPS, max_states: int = MAX_STATES, certificate: bool = True) -> Solution:
    """(1 - eps)-approximation; ``certificate=False`` skips stage 1 (tests exercise the DP alone)."""
    if not 0 < eps < 1:
        raise ValueError("eps must be in (0, 1)")
    if not problem.feasible(0.0):
        return infeasible(problem, APPROX_GREEDY)
    U = problem.upper_bound()
    g = greedy_solver.solve(problem)
    if certificate and g.X >= (1 - eps) * U:
        return Solution(g.x, g.X, APPROX_GREEDY, U)
    if certificate:                                  # few classes (typically early rounds): exact is cheap
        ex = exact_solver.solve(problem, max_states=EXACT_STATES)
        if ex is not None:
            return ex
    counts = problem.usable_counts()
    v = problem.values
    theta = 0.5 * eps * g.X
    large = v > theta
    cls, mult = _binary_items(np.where(large, counts, 0))
    sizes = mult * v[cls]
    m = max(len(cls), 1)
    delta = eps / (2 * m)
    if g.X <= 0 or math.log(max(U, theta) / theta) / delta + 2 > max_states:
        return Solution(g.x, g.X, GREEDY, U)       # the DP's list could outgrow the budget: greedy, bound U
    lg = math.log1p(delta)
    cur = np.zeros(1)
    parents, takes = [], []
    for s in sizes:
        cand = np.concatenate((cur, cur + s))
        par = np.concatenate((np.arange(len(cur)), np.arange(len(cur))))
        took = np.concatenate((np.zeros(len(cur), bool), np.ones(len(cur), bool)))
        ok = problem.feasible(cand)
        cand, par, took = cand[ok], par[ok], took[ok]
        o = np.argsort(cand, kind="stable")
        cand, par, took = cand[o], par[o], took[o]
        with np.errstate(divide="ignore"):
            b = np.where(cand > 0, np.floor(np.log(np.where(cand > 0, cand, 1.0)) / lg), -np.inf)
        keep = np.concatenate(([True], b[1:] != b[:-1]))
        cur = cand[keep]
        if len(cur) > max_states:                  # beyond the budget: greedy with its proven (weaker) bound
            return Solution(g.x, g.X, GREEDY, U)
        parents.append(par[keep]); takes.append(took[keep])
    # fill every kept sum with the small classes (descending): whole classes while they fit, then one partial
    small = np.flatnonzero(~large & (counts > 0))
    X_all, j_all, q_all = prefix_fill(problem, cur, v[small], counts[small])
    best_i = int(np.argmax(X_all))
    x = np.zeros(len(v), dtype=np.int64)
    i = best_i
    for lvl in range(len(sizes) - 1, -1, -1):
        if takes[lvl][i]:
            x[cls[lvl]] += mult[lvl]
        i = int(parents[lvl][i])
    j, q = int(j_all[best_i]), int(q_all[best_i])
    x[small[:j]] += counts[small[:j]]
    if j < len(small):
        x[small[j]] += q
    x = repair(problem, x)
    X = problem.value(x)
    if X < g.X:                                   # never worse than the greedy start
        x, X = g.x, g.X
    return Solution(x, X, APPROX_DP, min(U, X / (1 - eps / 2)))
