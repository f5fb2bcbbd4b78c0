"""What an adversary sees in a round (:class:`RoundView`) and what it does (:class:`Move`), with the
non-adaptive adversary's and the honest (no adversary) moves. Shared by :mod:`.coin_mwu` and :mod:`.adaptive`."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .knapsack import NONE, assign, make_problem


@dataclass(frozen=True)
class RoundView:
    """What an adversary sees in round r of one run (after the good advice and d)."""

    r: int
    d: int
    weights: np.ndarray  # (n,)
    ups: np.ndarray  # (n,) exponents a_i
    advice: np.ndarray  # (n,) int8 good advice (corrupted entries to be set)
    corrupted: np.ndarray  # (n,) bool, K at the start of the round
    eta: float
    good_vote: float | None = None  # sum over good experts of w_i a_i (computed if None)
    kidx: np.ndarray | None = None  # indices of K (computed if None)


@dataclass(frozen=True)
class Move:
    """The adversary's move: advice of its experts, the J it chose, volatile experts, K after the round."""

    advice: np.ndarray  # (n,) int8 final advice of every expert
    J: np.ndarray  # (n,) bool corrupted or volatile experts advising d
    volatile: np.ndarray  # (n,) bool good experts whose advice the adversary set this round
    corrupted: np.ndarray  # (n,) bool K after this round's captures
    solver: int
    X: float  # weight advising d among the adversary's experts
    bound: float  # proven upper bound on the optimal X
    S: float  # the weighted vote
    possible: bool  # some choice made z != d


def nonadaptive_move(view: RoundView, solver: str = "auto", eps: float = 1e-3) -> Move:
    """Sec. 2: solve Eqs. (4)-(5) over the fixed K."""
    from .nonadaptive import solve

    K = view.corrupted
    kidx = np.flatnonzero(K) if view.kidx is None else view.kidx
    G = view.good_vote
    if G is None:
        G = float(np.dot(view.weights[~K], view.advice[~K]))
    problem, inv = make_problem(view.weights[kidx], G, view.d, view.ups[kidx], float(view.weights.sum()))
    sol = solve(problem, solver, eps)
    advice = view.advice.copy()
    J = np.zeros_like(K)
    if sol.found:
        jk = assign(sol.x, inv)
        J[kidx[jk]] = True
        X = sol.X
    else:
        X = 0.0  # no J works: the adversary's experts advise -d
    advice[K] = -view.d
    advice[J] = view.d
    return Move(advice, J, np.zeros_like(K), K, sol.solver, X, sol.bound, float(problem.vote(X)), sol.found)


def honest_move(view: RoundView) -> Move:
    G = float(np.dot(view.weights, view.advice))
    z = np.zeros(len(view.weights), dtype=bool)
    return Move(view.advice, z, z, view.corrupted, NONE, 0.0, math.nan, G, False)
