"""The adaptive adversary of Sec. 3: captures experts as rounds go (at most tau in all) and flips
the advice of up to floor(sqrt(n)) good ("volatile") experts per round, following Sec. 3.3 / Eq. (8).

NON-ADAPTIVE(T) (Eq. (7)) is the corrupted weight after the round when the adversary controls T,
some expert of T advises d and z != d; 0 otherwise. In round r:

1. the current set: if NON-ADAPTIVE(K) > 0, play its optimum, capture nobody;
2. volatile flips: the fewest v <= sqrt(n) good experts V with NON-ADAPTIVE(K u V) > 0;
3. captures: the fewest m <= tau - |K| new experts J (with volatile flips V alongside) such that
   NON-ADAPTIVE(K u J u V) > 0; among the sets of that size, the one with the most weight
   (the largest NON-ADAPTIVE value) -- the steps of Sec. 3.3 in their order.

Observation (used as pruning and stated here so it can be checked): NON-ADAPTIVE depends only
on the union T = K u J u V, not on which new experts are captured and which only flipped. Step
(m, v) therefore succeeds iff some T = K u S with |S| = m + v does, and the order of Sec. 3.3
(m = 0 with v = 0..sqrt(n), then m = 1 with v = 0..sqrt(n), ...) visits the sizes
s = |S| = 0, 1, 2, ... with m = max(0, s - floor(sqrt(n))) captures. The search is over s; of the
chosen S the m heaviest are captured (the most weight kept), the rest are volatile.

If no S works (or the capture budget is spent), the adversary plays its best over K alone: J = {}
(every corrupted expert advises -d) if that still gives z != d, else the run ends.

Exact search (n <= 20): every S of each size, vectorised, with the knapsack over T solved
by enumerating its 2^|T| subsets. Heuristic beyond: S is the s heaviest good experts that
advise d (the ones whose flip moves the vote most towards -d); the knapsack over T is solved
by the non-adaptive ``auto`` solver. The heuristic is not optimal (it ignores weight-keeping
candidates that advise -d) and records solver code GREEDY.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .knapsack import EXACT, GREEDY, TIE, make_problem
from .moves import Move, RoundView
from .nonadaptive import solve

EXACT_MAX_N = 20
_CHUNK = 20_000


SQRT, HALF_SQRT = -1, -2  # volatile budgets by name: floor(sqrt n) (the report's), floor(sqrt n) // 2
VOLATILE_DOC = "volatile flips per round (-1 = floor(sqrt n), the report's; -2 = floor(sqrt n) // 2)"


def max_volatile(n: int) -> int:
    return math.isqrt(n)


def volatile_budget(n: int, volatile: int) -> int:
    """Flips per round: ``volatile`` itself, or by name SQRT (floor(sqrt n)) and HALF_SQRT (its half, floored)."""
    if volatile == SQRT:
        return max_volatile(n)
    if volatile == HALF_SQRT:
        return max_volatile(n) // 2
    if volatile < 0:
        raise ValueError(f"volatile: must be >= 0, {SQRT} or {HALF_SQRT}, got {volatile}")
    return int(volatile)


def _best_over_sets(view: RoundView, G: float, base: np.ndarray, sets: np.ndarray):
    """For each candidate S (rows of ``sets``), NON-ADAPTIVE(base u S) by subset enumeration.

    Returns (value (B,), best mask (B, t)) with value 0 where NON-ADAPTIVE is 0.
    """
    w, a, d, eta = view.weights, view.advice, view.d, view.eta
    B = len(sets)
    items = np.concatenate((np.broadcast_to(base, (B, len(base))), sets), axis=1) if len(base) else sets
    t = items.shape[1]
    Wi = w[items]  # (B, t)
    G_T = G - (w[sets] * a[sets]).sum(1) if sets.shape[1] else np.full(B, G)
    W_T = Wi.sum(1)
    masks = ((np.arange(2**t)[:, None] >> np.arange(t)[None, :]) & 1).astype(float)  # (2^t, t)
    X = Wi @ masks.T  # (B, 2^t)
    S = G_T[:, None] + d * (2 * X - W_T[:, None])
    tol = TIE * float(w.sum())  # the tie rule of sim.coin.knapsack
    ok = S < -tol if d > 0 else S >= -tol
    ok[:, 0] = False  # Eq. (7): some expert must advise d
    Xb = np.where(ok, X, -1.0)
    k = Xb.argmax(1)
    best = Xb[np.arange(B), k]
    val = np.where(best >= 0, (1 - eta) * W_T + 2 * eta * np.maximum(best, 0), 0.0)
    return val, masks[k].astype(bool), np.where(best >= 0, best, 0.0)


def _na(view: RoundView, G: float, T: np.ndarray, solver: str):
    """NON-ADAPTIVE(T) with the non-adaptive solver: (value, J mask over T, solution)."""
    w, a = view.weights, view.advice
    extra = T[~view.corrupted[T]]
    G_T = G - float(np.dot(w[extra], a[extra]))
    problem, inv = make_problem(w[T], G_T, view.d, view.ups[T], float(w.sum()))
    sol = solve(problem, solver)
    if not sol.found or sol.X <= 0:
        return 0.0, None, sol
    from .knapsack import assign

    return (1 - view.eta) * problem.W_K + 2 * view.eta * sol.X, assign(sol.x, inv), sol


def _play(
    view: RoundView,
    G: float,
    T: np.ndarray,
    Jmask: np.ndarray,
    captured: np.ndarray,
    volatile: np.ndarray,
    X: float,
    solver: int,
    bound: float,
    possible: bool,
) -> Move:
    n = len(view.weights)
    advice = view.advice.copy()
    advice[T] = -view.d
    J = np.zeros(n, dtype=bool)
    J[T[Jmask]] = True
    advice[J] = view.d
    K = view.corrupted.copy()
    K[captured] = True
    V = np.zeros(n, dtype=bool)
    V[volatile] = True
    S = float(np.dot(view.weights, advice.astype(float)))
    return Move(advice, J, V, K, solver, X, bound, S, possible)


def adaptive_move(
    view: RoundView, tau: int, solver: str = "auto", exact_max_n: int = EXACT_MAX_N, volatile: int = -1
) -> Move:
    """One round of the Sec. 3 adversary (module docstring); ``volatile`` flips per round (:func:`volatile_budget`)."""
    w, a, d = view.weights, view.advice, view.d
    n = len(w)
    K = np.flatnonzero(view.corrupted)
    free = np.flatnonzero(~view.corrupted)
    G = float(np.dot(w[free], a[free]))
    vmax = volatile_budget(n, volatile)
    budget = tau - len(K)
    exact = n <= exact_max_n
    code = EXACT if exact else GREEDY
    # step 1: the current set
    if len(K):
        val, Jm, sol = _na(view, G, K, "exact" if exact else solver)
        if val > 0:
            return _play(
                view,
                G,
                K,
                Jm,
                np.array([], int),
                np.array([], int),
                sol.X,
                code,
                sol.bound if exact else math.nan,
                True,
            )
    # steps 2-3: the fewest new experts S (volatile first, then captures), the most weight
    for s in range(1, vmax + budget + 1):
        m = max(0, s - vmax)
        if exact:
            best_val, best = 0.0, None
            combos = itertools.combinations(free.tolist(), s)
            while True:
                chunk = np.array(list(itertools.islice(combos, _CHUNK)), dtype=np.int64)
                if chunk.size == 0:
                    break
                val, masks, Xs = _best_over_sets(view, G, K, chunk.reshape(-1, s))
                i = int(np.argmax(val))
                if val[i] > best_val:
                    best_val, best = float(val[i]), (chunk[i], masks[i], float(Xs[i]))
            if best is None:
                continue
            S, Jm, X = best
            T = np.concatenate((K, S))
        else:
            helpful = free[a[free] == d]
            if len(helpful) < s:
                break
            S = helpful[np.argsort(-w[helpful], kind="stable")[:s]]
            T = np.concatenate((K, S))
            val, Jm, sol = _na(view, G, T, solver)
            if val <= 0:
                continue
            X = sol.X
        heavy = S[np.argsort(-w[S], kind="stable")]
        captured, volatile = heavy[:m], heavy[m:]
        return _play(view, G, T, Jm, captured, volatile, X, code, X if exact else math.nan, True)
    # nothing helps: play the best over K alone (J may be empty) if z != d is still possible
    if len(K):
        problem, inv = make_problem(w[K], G, d, view.ups[K], float(w.sum()))
        sol = solve(problem, "exact" if exact else solver)
        if sol.found:
            from .knapsack import assign

            return _play(
                view, G, K, assign(sol.x, inv), np.array([], int), np.array([], int), sol.X, code, sol.bound, True
            )
    return _play(view, G, K, np.zeros(len(K), bool), np.array([], int), np.array([], int), 0.0, code, math.nan, False)
