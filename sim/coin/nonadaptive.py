"""The non-adaptive adversary of Sec. 2: tau experts fixed a priori, Eqs. (1)-(5) solved every round.

After seeing the good advice and d, the adversary picks J (the corrupted experts that
advise d; the rest advise -d) maximising the corrupted weight after the update,
(1 - eta) W_K + 2 eta X, subject to z != d. When no J makes z != d the round ends the run.

Solvers (``solver=``): ``auto`` (exact while prod (c_k + 1) fits the exact solver's
budget, else the certified approximation), ``exact``, ``approx``, ``greedy``, ``brute``
(tau <= 16). Each returns the recorded solver code and a proven upper bound on OPT.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import ParamError
from ..core.params import Param
from . import approx_solver, brute_force, exact_solver, greedy_solver
from .knapsack import BRUTE, EXACT, Problem, Solution, assign, infeasible, make_problem

SOLVERS = ("auto", "exact", "approx", "greedy", "brute")
SOLVER = Param("solver", str, "auto", "solver of the non-adaptive programme", choices=SOLVERS)
EXACT_MAX_STATES = 4_000_000  # solver=exact: partial sums per half (about a second and 100 MB a round at most)


def solve(
    problem: Problem,
    solver: str = SOLVER.default,
    eps: float = approx_solver.EPS,
    max_states: int = exact_solver.MAX_STATES,
) -> Solution:
    """Dispatch one round's programme to a solver (module docstring)."""
    solver = SOLVER.coerce(solver)
    if solver == "greedy":
        return greedy_solver.solve(problem)
    if solver == "approx":
        return approx_solver.solve(problem, eps)
    if solver == "exact":
        s = exact_solver.solve(problem, max_states=EXACT_MAX_STATES)
        if s is None:  # would not finish in minutes (10**9 states per half before: hours and tens of GB)
            raise ParamError(
                f"solver: exact: a round's programme has {exact_solver.work(problem):.3g} count vectors, more than "
                f"the exact solver does in seconds ({EXACT_MAX_STATES} partial sums per half); use solver=auto "
                f"(exact while it fits, else the certified approximation) or a smaller tau"
            )
        return s
    if solver == "brute":
        w = np.repeat(problem.values, problem.counts)
        J, X = brute_force.solve_items(w, problem.G, problem.d, problem.scale)
        if J is None:
            return infeasible(problem, BRUTE)
        # counts per class of the chosen subset (items are in class order)
        cls = np.repeat(np.arange(len(problem.values)), problem.counts)
        x = np.bincount(cls[J], minlength=len(problem.values)).astype(np.int64)
        return Solution(x, problem.value(x), BRUTE, X)
    s = exact_solver.solve(problem, max_states=max_states)
    return s if s is not None else approx_solver.solve(problem, eps)


def choose(
    weights: np.ndarray,
    ups: np.ndarray,
    good_vote: float,
    d: int,
    solver: str = "auto",
    eps: float = approx_solver.EPS,
    scale: float = 0.0,
) -> tuple[np.ndarray | None, Solution]:
    """J (a mask over the given corrupted experts) or None, and the solution behind it."""
    problem, inv = make_problem(weights, good_vote, d, ups, scale)
    sol = solve(problem, solver, eps)
    if not sol.found:
        return None, sol
    return assign(sol.x, inv), sol


def non_adaptive_value(
    weights: np.ndarray, ups: np.ndarray, good_vote: float, d: int, eta: float, solver: str = "auto"
) -> tuple[float, np.ndarray | None, Solution]:
    """NON-ADAPTIVE(K, r, d) of Eq. (7): corrupted weight after the round if some expert of K can advise d
    (and z != d), else 0; with the J that achieves it."""
    J, sol = choose(weights, ups, good_vote, d, solver)
    if J is None or not J.any():
        return 0.0, J, sol
    W = float(np.sum(weights))
    return (1 - eta) * W + 2 * eta * sol.X, J, sol


__all__ = ["SOLVERS", "solve", "choose", "non_adaptive_value", "EXACT"]
