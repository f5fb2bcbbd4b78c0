"""The non-adaptive adversary's programme in round r (Eqs. (1)-(5) of the report), as one object.

Every corrupted weight in round r is (1 + eta)^a (1 - eta)^(r - a) for an integer a
(the number of rounds its expert advised the hidden direction), so the tau corrupted
weights fall into C <= min(tau, r + 1) *classes* of equal value. The adversary picks
how many experts x_k of class k advise d (the set J); the rest advise -d.

With G = sum over good experts of w_i a_i, W_K = sum_K w_i and X = sum_J w_i, the
weighted vote is S = G + d (2 X - W_K) and the output is z = sgn(S), sgn(0) = +1.
The adversary needs z != d:

- d = +1: S < 0,  i.e. X <  c_r = (W_K - G) / 2   (strict, Eq. (5));
- d = -1: S >= 0, i.e. X <= c_r = (W_K + G) / 2   (its mirror).

and maximises the corrupted weight after the update, (1 - eta) W_K + 2 eta X, i.e. X.
:meth:`Problem.feasible` evaluates the sign test itself in floating point; it is
monotone in X (rounding is monotone), so "the largest feasible X" is well defined
and every solver and the simulator use this one predicate.

Ties are real here: every weight is a power product of (1 + eta) and (1 - eta), so S can be exactly
0 in real arithmetic (e.g. G = 6 eta against J = {one (1 + eta), six (1 - eta)}), and then floating
point decides at random. The tie rule: |S| <= TIE * (total weight) counts as S = 0, so z = +1
(sgn(0) = +1). With TIE = 1e-9 this is far above rounding (1e-16 relative) and far below any
non-tie met in practice; :func:`output` applies the same rule to the simulator's z.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

TIE = 1e-9

# solver codes recorded in traces
EXACT, APPROX_GREEDY, APPROX_DP, GREEDY, BRUTE, NONE = 0, 1, 2, 3, 4, -1
SOLVER_NAMES = {
    EXACT: "exact",
    APPROX_GREEDY: "approx (LP-bound certificate)",
    APPROX_DP: "approx (trimmed DP)",
    GREEDY: "greedy",
    BRUTE: "brute force",
    NONE: "none",
}


@dataclass(frozen=True)
class Problem:
    """max sum_k x_k v_k over 0 <= x_k <= c_k (integers) subject to z != d (module docstring)."""

    values: np.ndarray  # (C,) distinct class values, descending, > 0
    counts: np.ndarray  # (C,) int64 >= 1
    G: float  # weighted advice of the good experts
    d: int  # hidden direction, +1 or -1
    scale: float = 0.0  # total weight of all experts (tie tolerance); 0: W_K + |G|

    def __post_init__(self):
        W = float(np.dot(self.counts, self.values))
        object.__setattr__(self, "_W", W)
        tol = TIE * max(float(self.scale), W + abs(self.G))
        object.__setattr__(self, "_tol", tol)
        # the threshold the tie rule puts on X: S < -tol (d = +1) is X < c_r - tol/2; S >= -tol (d = -1) is X <= c_r + tol/2
        object.__setattr__(self, "_cap", (W - self.d * self.G) / 2.0 - self.d * tol / 2.0)

    @property
    def W_K(self) -> float:
        return self._W

    @property
    def cap(self) -> float:
        """c_r of Eq. (5), moved by the tie tolerance: X must stay below it (strictly when d = +1)."""
        return self._cap

    @property
    def strict(self) -> bool:
        return self.d > 0

    def vote(self, X):
        """S = G + d (2 X - W_K), the weighted vote when J has weight X."""
        if isinstance(X, float):
            return self.G + self.d * (2.0 * X - self._W)
        return self.G + self.d * (2.0 * np.asarray(X, dtype=float) - self._W)

    def feasible(self, X):
        """z != d for a J of weight X (vectorised)."""
        S = self.vote(X)
        return S < -self._tol if self.d > 0 else S >= -self._tol

    def scalar_feasible(self):
        """:meth:`feasible` for one Python float, as a fast closure (the same IEEE operations in the same order)."""
        G, d, W, tol = self.G, self.d, self._W, self._tol
        if d > 0:
            return lambda X: G + d * (2.0 * X - W) < -tol
        return lambda X: G + d * (2.0 * X - W) >= -tol

    def value(self, x) -> float:
        """X = sum_k x_k v_k of a count vector."""
        return float(np.dot(np.asarray(x, dtype=np.int64), self.values))

    def with_scale(self, scale: float) -> Problem:
        return Problem(self.values, self.counts, self.G, self.d, float(scale))

    def upper_bound(self) -> float:
        """LP bound: OPT <= min(c_r, W_K) (nothing above the cap, nothing beyond everything)."""
        return min(max(self.cap, 0.0), self.W_K)

    def usable_counts(self) -> np.ndarray:
        """x_k <= floor(c_r / v_k): no more of class k fits below the cap."""
        cap = self.cap
        if cap <= 0:
            return np.zeros_like(self.counts)
        with np.errstate(over="ignore"):  # cap / v = inf for a tiny v: the min takes c_k
            lim = np.minimum(np.floor(cap / self.values) + 1, self.counts)  # +1: one spare against rounding
        return lim.astype(np.int64)  # (min before the cast: inf never becomes an int)


def output(S, scale: float):
    """z = sgn(S) with sgn(0) = +1 and the tie rule (module docstring)."""
    return np.where(np.asarray(S) >= -TIE * scale, 1, -1)


def corrupted_exceeds_good(W_K: float, total: float) -> bool:
    """The state "corrupted > good": W_K - W_G > TIE * total, with W_G = total - W_K the good experts' weight.

    Lemma (proved in docs/coin.md): in a round that begins in this state, z != d is feasible whatever the
    good experts advise, so the run cannot end in it. Every good vote has |G| <= W_G; with J = {} (every
    corrupted expert advises -d) the vote is S = G - d W_K, so d S <= W_G - W_K < -TIE * total, which is
    z != d under the tie rule for either d (d = +1: S < -tol; d = -1: S > tol >= -tol). Any solver that
    finds a feasible J when one exists (all of them: J = {} is the first thing each checks) plays on."""
    return 2.0 * W_K - total > TIE * total


def classes(weights: np.ndarray, ups: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct values of ``weights`` (descending), their counts, and each item's class index.

    With ``ups`` (the integer exponents a of each weight) the classes are the distinct a,
    so equal mathematical values are one class even if written differently.
    """
    key = -np.asarray(weights if ups is None else ups)
    uniq, inv, cnt = np.unique(key, return_inverse=True, return_counts=True)
    first = np.zeros(len(uniq), dtype=np.int64)
    first[inv[::-1]] = np.arange(len(key))[::-1]
    return np.asarray(weights, dtype=float)[first], cnt.astype(np.int64), inv


def make_problem(weights, good_vote: float, d: int, ups=None, scale: float = 0.0) -> tuple[Problem, np.ndarray]:
    """The problem of one round from the corrupted weights; returns it and each item's class index."""
    values, counts, inv = classes(np.asarray(weights, dtype=float), ups)
    return Problem(values, counts, float(good_vote), int(d), float(scale)), inv


def assign(counts_taken: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """Boolean J over the items: the first x_k items (by index) of class k advise d."""
    inv = np.asarray(inv)
    order = np.argsort(inv, kind="stable")
    start = np.concatenate(([0], np.cumsum(np.bincount(inv, minlength=len(counts_taken)))[:-1]))
    rank = np.empty(len(inv), dtype=np.int64)
    rank[order] = np.arange(len(inv)) - start[inv[order]]
    return rank < np.asarray(counts_taken)[inv]


@dataclass(frozen=True)
class Solution:
    """A choice of counts per class, its weight X, the solver and a proven upper bound on OPT."""

    x: np.ndarray | None  # (C,) counts advising d; None: no J makes z != d
    X: float  # its weight (NaN when x is None)
    solver: int
    bound: float  # OPT <= bound (equal to X for exact solvers)

    @property
    def found(self) -> bool:
        return self.x is not None


def infeasible(problem: Problem, solver: int) -> Solution:
    return Solution(None, math.nan, solver, math.nan)


def repair(problem: Problem, x: np.ndarray) -> np.ndarray:
    """Make x feasible if its recomputed sum crossed the boundary by rounding: drop one unit of the
    smallest taken class that restores feasibility (else empty the smallest classes one by one)."""
    x = np.array(x, dtype=np.int64)
    while x.any():
        X = problem.value(x)
        if problem.feasible(X):
            return x
        taken = np.flatnonzero(x)
        ok = problem.feasible(X - problem.values[taken])
        if ok.any():
            x[taken[np.flatnonzero(ok)[-1]]] -= 1  # values are descending: last = smallest
        else:
            x[taken[0]] -= 1
    return x
