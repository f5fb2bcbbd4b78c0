"""Certified (1 - eps) approximation of the non-adaptive programme, for instances beyond the exact solver.

Guarantee: the returned X is feasible (by :meth:`Problem.feasible` on its recomputed sum) and the
recorded ``bound`` is a proven upper bound on OPT. With solver code APPROX_GREEDY or APPROX_DP also
X >= (1 - eps) OPT (proved below); with code GREEDY no factor is claimed.

Notation: classes k with values v_k and counts c_k, the cap c_r of :class:`~.knapsack.Problem`,
feasible(X) its exact predicate, which is monotone in X (so is floating-point rounding).

**Two upper bounds.** (U) OPT <= U = min(c_r, W_K): J cannot reach the cap, nor exceed all of K.
(U*) Per class, u_k = the largest q <= c_k with feasible(q v_k) (:func:`limits`). A feasible x has
x_k <= u_k: its X is at least x_k v_k (a sum of non-negative terms; in floating point the products
and the sums of non-negative terms are monotone too), and X >= (u_k + 1) v_k is infeasible by
monotonicity. So OPT <= sum_k u_k v_k, and OPT <= U* = min(c_r, sum_k u_k v_k) <= U. U* is much
tighter than U when one expert alone outweighs the cap (late rounds: one weight above c_r and a long
tail of tiny ones, where greedy takes everything else and is optimal, but X_g / U can be 0.9).

**Stages** (the first that certifies returns):

1. *Greedy certificate.* The greedy X_g (:mod:`.greedy_solver`) is feasible; if X_g >= (1 - eps) U,
   then X_g >= (1 - eps) OPT: code APPROX_GREEDY, bound U.
2. *Small exact solve.* Few classes (typically early rounds) go to the exact solver with a small
   budget (:data:`EXACT_STATES` partial sums per half); its answer is optimal: code EXACT.
3. *Certificate against U*.* If X_g >= (1 - eps) U*: code APPROX_GREEDY, bound U*.
4. *Local search* (:func:`improve`), a heuristic: remove a items of a taken class i, add as many as
   fit of a class j with room, refill greedily (largest first) from the classes with room; every
   (i, a, j) at once, vectorised; the best move is kept if its recomputed sum is feasible by the
   exact predicate and larger; repeated a few times. Nothing about it needs proof except the check:
   the kept x satisfies 0 <= x_k <= u_k <= c_k and feasible(X). If X >= (1 - eps) U* >= (1 - eps) OPT:
   code APPROX_GREEDY, bound U*. It closes the early-round gap (few classes of nearly equal weights,
   OPT = c_r to 1e-5, greedy 1.2e-3 short) that greedy alone leaves.
5. *Trimmed dynamic programme* (the FPTAS of subset sum, with buckets), for what is left: OPT truly
   below U* (late rounds: a dozen weights comparable to c_r and a tail of tiny ones). Let LB be the best
   feasible X found so far (LB <= OPT). Split each u_k in binary (1, 2, 4, ..., rest): items whose
   subset sums are exactly the sums sum_k x_k v_k with 0 <= x_k <= u_k (every feasible x among them).
   Items of size <= theta = (eps / 2) LB are *small*, the m others *large* (processed largest first).
   Over the large items keep the list L_i of feasible partial sums, trimmed after each item to the
   minimum of each bucket [(1 + delta)^j, (1 + delta)^(j + 1)), delta = eps / (2 m), then *pruned*: z is
   dropped when z (1 + delta)^i + R_i < LB, with R_i the total weight (at the limits u) of the large
   items not yet processed and of all small ones.
   Claim (induction on i): let O be an optimal x, O_i the sum of its large items among the first i;
   some z in L_i has O_i / (1 + delta)^i <= z <= O_i. Given z' for O_(i-1): if O takes item i,
   z' + s_i <= O_i <= OPT is feasible (monotone), else z' itself is a candidate; the kept bucket
   minimum u of that candidate c has c / (1 + delta) <= u <= c, so O_i / (1 + delta)^i <= u <= O_i;
   and u is not pruned, since u (1 + delta)^i + R_i >= O_i + R_i >= OPT >= LB (the rest of O weighs at
   most R_i). Each kept z is then filled greedily with the small classes in a fixed order (whole
   classes while they fit, then the most of the next class, :func:`prefix_fill`). Let OPT = O_L + O_S.
   For the z kept for O_L (i = m): either every small item fits, giving z + sum(small) >= O_L e^(-eps/2)
   + O_S >= OPT e^(-eps/2), or the fill stops at a small class j with one more item infeasible: since
   OPT is feasible and X + v_j is not, OPT < X + v_j <= X + theta <= X + (eps / 2) OPT. Since
   e^(-eps/2) >= 1 - eps / 2, X >= (1 - eps / 2) OPT >= (1 - eps) OPT: code APPROX_DP, and
   OPT <= min(U*, X / (1 - eps / 2)) is recorded as the bound.
   The list's size is checked as it grows (the worst case, ln(c_r / theta) / delta, is far above what
   these instances reach); if it ever holds more than ``max_states`` sums the DP stops. Floating point:
   the bucket index and the sums carry relative errors of order 1e-15 per item, and the window is
   tested with a 1e-12 margin in LB's favour; both are far inside the eps / 2 the proof leaves unused.
6. Otherwise the best feasible x found (greedy improved by the local search) is returned with solver
   code GREEDY and the bound U*: the trace never claims a factor it did not prove.

Order of 4 and 5: when c_r <= DP_FIRST times the largest usable weight (a few weights comparable to the
cap: the shape where OPT is often below U*), the DP runs first, with LB = X_g and a budget of
DP_FIRST_STATES sums; if that budget is exceeded, the local search runs and then the DP again with its
full budget and the larger LB. The order changes the time, never a guarantee: each stage's certificate
stands on its own.
"""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np

from ..core.params import Param
from . import exact_solver, greedy_solver
from .knapsack import APPROX_DP, APPROX_GREEDY, GREEDY, Problem, Solution, infeasible, repair

APPROX_EPS = Param(
    "eps", float, 1e-3, "approximation: X >= (1 - eps) OPT", low=0.0, high=1.0, low_open=True, high_open=True
)
EPS = APPROX_EPS.default
MAX_STATES = 60_000  # sums in the DP's list (checked as it grows)
EXACT_STATES = 20_000  # partial sums per half for the exact solver tried after the greedy certificate
SEARCH_MOVES = 2_000  # moves (i, a, j) tried per local-search step
SEARCH_STEPS = 4  # local-search steps
SEARCH_MAX_A = 32  # items removed from one class in one move, at most
PY_STATES = 64  # DP lists up to this size are stepped on Python floats
DP_FIRST = 6  # the DP before the local search when c_r <= DP_FIRST * (largest usable weight),
DP_FIRST_STATES = 512  # with this budget (its list stays tiny there)


def limits(problem: Problem) -> np.ndarray:
    """u_k = the largest q <= c_k with feasible(q v_k): no feasible choice takes more of class k."""
    cap = problem.cap
    v, c = problem.values, problem.counts
    if not cap > 0:
        return np.zeros_like(c)
    with np.errstate(over="ignore"):  # cap / v = inf for a tiny v: min(inf, c) = c
        q = np.minimum(np.floor(cap / v), c).astype(np.int64)
    for _ in range(4):  # rounding at the boundary: the predicate decides
        bad = (q > 0) & ~problem.feasible(q * v)
        if not bad.any():
            break
        q = np.where(bad, q - 1, q)
    while True:
        up = (q < c) & problem.feasible((q + 1) * v)
        if not up.any():
            return q
        q = np.where(up, q + 1, q)


def lp_bound(problem: Problem, u: np.ndarray) -> float:
    """U* = min(c_r, sum_k u_k v_k) >= OPT (module docstring)."""
    return min(max(problem.cap, 0.0), float(np.dot(u, problem.values)))


def _take(problem: Problem, X: np.ndarray, room: np.ndarray, v: float | np.ndarray) -> np.ndarray:
    """Per row: the most items of value v (at most ``room``) that keep X + q v feasible (vectorised)."""
    cap = problem.cap
    with np.errstate(over="ignore"):
        q = np.minimum(room, np.floor(np.maximum(cap - X, 0.0) / v)).astype(np.int64)
    for _ in range(4):
        bad = (q > 0) & ~problem.feasible(X + q * v)
        if not bad.any():
            break
        q = np.where(bad, q - 1, q)
    return q


def improve(
    problem: Problem,
    x: np.ndarray,
    X: float,
    u: np.ndarray,
    target: float,
    steps: int = SEARCH_STEPS,
    moves: int = SEARCH_MOVES,
) -> tuple[np.ndarray, float]:
    """Local search from a feasible x (module docstring, stage 4); returns a feasible (x, X), X never lower.

    One step tries every move (i, a, j): remove a <= min(x_i, A) items of a taken class i, add the most
    of class j that fit (j among the classes with room u_j > x_j, j != i), then refill greedily, largest
    first, from the classes with room (i excluded); A is chosen so that about ``moves`` moves are tried.
    """
    v = problem.values
    x = np.array(x, dtype=np.int64)
    for _ in range(steps):
        if X >= target:
            break
        N = np.flatnonzero(x < u)  # classes with room, in descending value
        T = np.flatnonzero(x > 0)
        if N.size == 0 or T.size == 0:
            break
        A = int(min(max(moves // (T.size * N.size), 1), SEARCH_MAX_A))
        am = np.minimum(x[T], A)
        I = np.repeat(T, am)
        a = np.arange(I.size) - np.repeat(np.cumsum(am) - am, am) + 1
        I, a = np.repeat(I, N.size), np.repeat(a, N.size)
        jc = np.tile(np.arange(N.size), am.sum())  # column of j in N
        keep = N[jc] != I
        I, a, jc = I[keep], a[keep], jc[keep]
        m = I.size
        if m == 0:
            break
        rows = np.arange(m)
        room = np.broadcast_to(u[N] - x[N], (m, N.size)).copy()
        ic = np.searchsorted(N, I)  # class i has no room in its own refill
        inN = (ic < N.size) & (N[np.minimum(ic, N.size - 1)] == I)
        room[rows[inN], ic[inN]] = 0
        Xn = X - a * v[I]
        add = np.zeros((m, N.size), dtype=np.int64)
        q = _take(problem, Xn, room[rows, jc], v[N[jc]])
        Xn = Xn + q * v[N[jc]]
        add[rows, jc] = q
        room[rows, jc] -= q
        for c, k in enumerate(N):
            q = _take(problem, Xn, room[:, c], v[k])
            Xn = Xn + q * v[k]
            add[:, c] += q
        b = int(np.argmax(Xn))
        if not Xn[b] > X:
            break
        xn = x.copy()
        xn[I[b]] -= a[b]
        xn[N] += add[b]
        Xv = problem.value(xn)
        if not (problem.feasible(Xv) and Xv > X):  # the exact predicate on the recomputed sum decides
            break
        x, X = xn, Xv
    return x, X


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
    while True:  # the exact predicate decides at the boundary
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
    for _ in range(3):  # rounding: step down while infeasible
        bad = (q > 0) & ~problem.feasible(base + q * vj)
        q = np.where(bad, q - 1, q)
    up = (j < C) & (q + 1 <= cj) & problem.feasible(base + (q + 1) * vj)
    q = np.where(up, q + 1, q)
    X = base + q * vj
    return X, np.minimum(j, C), q


def _step_np(problem: Problem, cur: np.ndarray, s: float, lg: float, grow: float, rest: float, floor_lb: float):
    """One DP item on arrays: candidates cur and cur + s, feasible ones, sorted; the minimum of each bucket
    floor(ln z / ln(1 + delta)) (0 its own bucket); then the window z * grow + rest >= LB. Returns
    (kept sums, parent index, took the item)."""
    n = len(cur)
    cand = np.concatenate((cur, cur + s))
    par = np.concatenate((np.arange(n), np.arange(n)))
    took = np.concatenate((np.zeros(n, bool), np.ones(n, bool)))
    ok = problem.feasible(cand)
    cand, par, took = cand[ok], par[ok], took[ok]
    o = np.argsort(cand, kind="stable")
    cand, par, took = cand[o], par[o], took[o]
    with np.errstate(divide="ignore"):
        b = np.where(cand > 0, np.floor(np.log(np.where(cand > 0, cand, 1.0)) / lg), -np.inf)
    keep = np.concatenate(([True], b[1:] != b[:-1]))  # the minimum of each bucket
    keep &= cand * grow + rest >= floor_lb  # the window
    return cand[keep], par[keep], took[keep]


def _step_py(cur: list, s: float, lg: float, grow: float, rest: float, floor_lb: float, feas):
    """:func:`_step_np` on Python lists (short lists, where numpy's per-call cost dominates): a merge of the
    two sorted candidate lists (ties: cur first, as the stable sort), the same buckets and window."""
    add = [z + s for z in cur]
    k = len(add)
    while k > 0 and not feas(add[k - 1]):  # feasible is monotone: a prefix of add
        k -= 1
    n = len(cur)
    out, par, took = [], [], []
    i = j = 0
    last = None
    log = math.log
    while i < n or j < k:
        if j >= k or (i < n and cur[i] <= add[j]):
            z, p, t = cur[i], i, False
            i += 1
        else:
            z, p, t = add[j], j, True
            j += 1
        b = math.floor(log(z) / lg) if z > 0 else -1.0e308
        if b == last:
            continue
        last = b
        if z * grow + rest >= floor_lb:
            out.append(z)
            par.append(p)
            took.append(t)
    return out, par, took


def trimmed_dp(
    problem: Problem, u: np.ndarray, lb: float, eps: float = EPS, max_states: int = MAX_STATES
) -> tuple[np.ndarray, float] | None:
    """Stage 5 of the module docstring: a feasible x with X >= (1 - eps / 2) OPT, given 0 < lb <= OPT
    (a feasible value); None when the list outgrows ``max_states``."""
    v = problem.values
    theta = 0.5 * eps * lb
    large = v > theta
    cls, mult, sizes = [], [], []
    for k in np.flatnonzero(large & (u > 0)).tolist():  # binary split of u_k: 1, 2, 4, ..., rest
        c, q, vk = int(u[k]), 1, float(v[k])
        while c > 0:
            t = min(q, c)
            cls.append(k)
            mult.append(t)
            sizes.append(t * vk)
            c -= t
            q *= 2
    o = sorted(range(len(sizes)), key=lambda t: -sizes[t])  # largest first (stable): R_i falls fastest
    cls, mult, sizes = [cls[t] for t in o], [mult[t] for t in o], [sizes[t] for t in o]
    m = max(len(cls), 1)
    delta = eps / (2 * m)
    lg = math.log1p(delta)
    small = np.flatnonzero(~large & (u > 0))
    acc = float(np.dot(u[small], v[small]))
    rest = [0.0] * len(sizes)  # R_i: large items after i, and all small ones
    for t in range(len(sizes) - 1, -1, -1):
        rest[t] = acc
        acc += sizes[t]
    floor_lb = lb * (1 - 1e-12)  # pruning margin against rounding
    feas = problem.scalar_feasible()
    cur = [0.0]
    parents, takes = [], []
    for i, s in enumerate(sizes):
        grow = (1 + delta) ** (i + 1) * (1 + 1e-12)
        if len(cur) <= PY_STATES:
            cur, par, took = _step_py(
                cur if isinstance(cur, list) else cur.tolist(), s, lg, grow, rest[i], floor_lb, feas
            )
        else:
            cur, par, took = _step_np(problem, np.asarray(cur), s, lg, grow, rest[i], floor_lb)
        if len(cur) > max_states or len(cur) == 0:  # empty cannot happen for lb <= OPT: refuse, never guess
            return None
        parents.append(par)
        takes.append(took)
    if len(cur) <= PY_STATES:
        X_all, j_all, q_all = _prefix_fill_py(problem, feas, list(cur), v[small], u[small])
    else:
        X_all, j_all, q_all = prefix_fill(problem, np.asarray(cur, dtype=float), v[small], u[small])
    best_i = int(np.argmax(X_all))
    x = np.zeros(len(v), dtype=np.int64)
    i = best_i
    for lvl in range(len(sizes) - 1, -1, -1):
        if takes[lvl][i]:
            x[cls[lvl]] += mult[lvl]
        i = int(parents[lvl][i])
    j, q = int(j_all[best_i]), int(q_all[best_i])
    x[small[:j]] += u[small[:j]]
    if j < len(small):
        x[small[j]] += q
    x = repair(problem, x)
    return x, problem.value(x)


def _prefix_fill_py(problem: Problem, feas, starts: list, values: np.ndarray, counts: np.ndarray):
    """:func:`prefix_fill` for a few starts, on Python floats (the same operations; bisect on the same
    prefix sums in place of searchsorted)."""
    C = len(values)
    if C == 0:
        return list(starts), [0] * len(starts), [0] * len(starts)
    P = np.concatenate(([0.0], np.cumsum(counts * values))).tolist()
    vals, cnts = values.tolist(), counts.tolist()
    cap = problem.cap
    Xs, js, qs = [], [], []
    for z in starts:
        j = min(max(bisect_right(P, cap - z + abs(cap) * 1e-12) - 1, 0), C)
        while j > 0 and not feas(z + P[j]):
            j -= 1
        base = z + P[j]
        q = 0
        if j < C:
            vj, cj = vals[j], cnts[j]
            q = int(min(max(math.floor((cap - base) / vj), 0), cj))
            for _ in range(3):
                if q > 0 and not feas(base + q * vj):
                    q -= 1
            if q + 1 <= cj and feas(base + (q + 1) * vj):
                q += 1
            Xs.append(base + q * vj)
        else:
            Xs.append(base)
        js.append(j)
        qs.append(q)
    return Xs, js, qs


def solve(
    problem: Problem,
    eps: float = EPS,
    max_states: int = MAX_STATES,
    certificate: bool = True,
    exact_states: int = EXACT_STATES,
) -> Solution:
    """(1 - eps)-approximation (module docstring). ``certificate=False`` skips stages 1-4 (tests exercise
    the DP alone; it then starts from the greedy value as LB); ``exact_states=0`` skips stage 2."""
    eps = APPROX_EPS.coerce(eps)
    if not problem.feasible(0.0):
        return infeasible(problem, APPROX_GREEDY)
    U = problem.upper_bound()
    g = greedy_solver.solve(problem)
    if certificate and g.X >= (1 - eps) * U:
        return Solution(g.x, g.X, APPROX_GREEDY, U)
    if certificate and exact_states > 0:  # few classes (typically early rounds): exact is cheap
        ex = exact_solver.solve(problem, max_states=exact_states)
        if ex is not None:
            return ex
    u = limits(problem)
    Us = min(U, lp_bound(problem, u))
    target = (1 - eps) * Us
    x, X = g.x, g.X
    if X >= target and (certificate or X <= 0):  # X = 0 < target cannot happen: greedy takes any u_k > 0
        return Solution(x, X, APPROX_GREEDY, Us)
    live = np.flatnonzero(u > 0)
    dp_first = not certificate or problem.cap <= DP_FIRST * problem.values[live[0]]
    if dp_first:  # a few weights comparable to c_r: OPT often below U*
        dp = trimmed_dp(problem, u, X, eps, max_states if not certificate else min(max_states, DP_FIRST_STATES))
        if dp is not None:
            return _dp_solution(x, X, dp, Us, eps)
        if not certificate:
            return Solution(x, X, GREEDY, Us)
    x, X = improve(problem, x, X, u, target)
    if X >= target:
        return Solution(x, X, APPROX_GREEDY, Us)
    dp = trimmed_dp(problem, u, X, eps, max_states)  # LB = the local search's X: a narrower window
    if dp is not None:
        return _dp_solution(x, X, dp, Us, eps)
    return Solution(x, X, GREEDY, Us)  # the DP's list outgrew its budget: no factor claimed


def _dp_solution(x, X, dp, Us, eps) -> Solution:
    """The DP's certified answer (never below the start x, which only raises X), bound min(U*, X_dp / (1 - eps / 2))."""
    xd, Xd = dp
    bound = min(Us, Xd / (1 - eps / 2))
    if Xd < X:
        xd, Xd = x, X
    return Solution(xd, Xd, APPROX_DP, bound)
