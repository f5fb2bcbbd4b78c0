"""The global-coin MWU of Sec. 1.1, vectorised over independent runs.

n experts with weights w_i = 1. Each round r: the hidden direction d ~ U{-1, +1}; good
experts advise a_i ~ U{-1, +1} independently; the adversary (if any) sets the advice of
its experts after seeing the good advice and d; the output is z = sgn(sum_i w_i a_i) with
sgn(0) = +1. The run ends in the first round with z = d (that round is counted).
Otherwise every expert gains m_i = +1 if a_i = d and -1 otherwise, and
w_i <- w_i (1 + eta m_i). Default eta = sqrt(ln n / n) (Sec. 2.3), capped at 0.45 for
n <= 8 where the report's formula leaves (0, 1/2).

Weights are kept as exponents: an expert that advised d in a of r rounds has
w = (1 + eta)^a (1 - eta)^(r - a), evaluated from a table per round, so equal exponents
give bit-identical weights (the classes of the exact solver) and no rounding drift
accumulates. The table stays finite while r * |ln(1 -/+ eta)| < 700; longer runs are
censored (recorded, with the reason: the requested cap or this floating-point limit), never overflowed.

Runs are survival data: each run's rounds, why it stopped (:data:`ENDED`, :data:`CAP`, :data:`FLOAT_LIMIT`),
and the state "corrupted > good" (:func:`sim.coin.knapsack.corrupted_exceeds_good`, checked at the start of
each round with that round's K): the first round that began in it, how many rounds did, how often the run
left it again, and the largest corrupted share. In a round that begins in the state the run cannot end.

z is computed from the same quantities the adversary solves with
(:class:`sim.coin.knapsack.Problem`): S = G + d (2 X - W_K), G the good vote, with the tie rule of
:mod:`sim.coin.knapsack` (|S| <= 1e-9 of the total weight is S = 0: exact ties are common).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..core.errors import ParamError
from ..core.params import Param
from .adaptive import adaptive_move
from .knapsack import TIE, Problem, corrupted_exceeds_good, output
from .moves import Move, RoundView, honest_move, nonadaptive_move  # noqa: F401  (re-exported)

ADVERSARIES = ("none", "nonadaptive", "adaptive")
LOG_LIMIT = 700.0
# (no default where the caller always gives one; eta's usual value is default_eta(n))
N_EXPERTS = Param("n", int, None, "experts", low=2)
ETA = Param("eta", float, None, "update factor eta", low=0.0, high=0.5, low_open=True, high_open=True)
ADVERSARY = Param(
    "adversary", str, "nonadaptive", "none, nonadaptive (Sec. 2) or adaptive (Sec. 3)", choices=ADVERSARIES
)
ENDED, CAP, FLOAT_LIMIT = 0, 1, 2  # why a run stopped (CoinRuns.stop)
STOP_NAMES = {ENDED: "ended (z = d)", CAP: "censored at the round cap", FLOAT_LIMIT: "censored at the float limit"}


def default_eta(n: int) -> float:
    """sqrt(ln n / n) (Sec. 2.3), capped at 0.45 (the report assumes eta < 1/2)."""
    return min(math.sqrt(math.log(n) / n), 0.45)


def check_params(n, tau, eta) -> tuple[int, int, float]:
    """(n, tau, eta) checked: n >= 2, 0 <= tau < n, 0 < eta < 1/2 (Sec. 1.1); ParamError otherwise."""
    n = N_EXPERTS.coerce(n)
    if isinstance(tau, bool) or not isinstance(tau, (int, np.integer)) or not 0 <= tau < n:
        raise ParamError(f"tau: must be an integer in [0, n) = [0, {n - 1}], got {tau!r}")
    return n, int(tau), ETA.coerce(eta)


def round_limit(eta: float) -> int:
    """Rounds for which every weight (1 + eta)^a (1 - eta)^(r - a) stays a normal float."""
    return int(LOG_LIMIT / max(math.log1p(eta), -math.log1p(-eta)))


def weight_table(r: int, eta: float) -> np.ndarray:
    """(r + 1,) the weight after r rounds of an expert that advised d in a = 0..r of them."""
    a = np.arange(r + 1, dtype=float)
    return np.exp(a * math.log1p(eta) + (r - a) * math.log1p(-eta))


@dataclass(frozen=True)
class CoinRuns:
    """Outcome of independent runs; per-round records only for recorded runs."""

    rounds: np.ndarray  # (runs,) round with z = d (1-based); max_rounds + 1 when censored
    censored: np.ndarray  # (runs,) bool
    corrupted_weight: (
        np.ndarray
    )  # (runs, horizon) weight of K (with round r's captures) at the start of round r; NaN after
    corrupted_share: np.ndarray  # (runs, horizon) its share of the total weight
    records: list = field(default_factory=list)  # per run: dict of per-round arrays (when record=True)
    stop: np.ndarray | None = None  # (runs,) int64: ENDED, CAP or FLOAT_LIMIT
    first_cross: np.ndarray | None = None  # (runs,) int64: first round (1-based) begun with corrupted > good; 0 never
    state_rounds: np.ndarray | None = None  # (runs,) int64: rounds begun in that state
    exits: np.ndarray | None = None  # (runs,) int64: times the run left that state again
    peak_share: np.ndarray | None = None  # (runs,) float64: largest corrupted share at the start of a round


def run_coin(
    n: int,
    tau: int,
    eta: float,
    runs: int,
    rng: np.random.Generator,
    *,
    adversary: str = ADVERSARY.default,
    solver: str = "auto",
    eps: float = 1e-3,
    max_rounds: int = 100_000,
    horizon: int = 0,
    record: bool = False,
    adaptive_kw: dict | None = None,
    fast: bool = True,
) -> CoinRuns:
    """Simulate ``runs`` independent runs (module docstring). ``horizon`` rounds of corrupted weight are kept.

    ``fast`` (default) runs the non-adaptive adversary without per-run records through
    :func:`_nonadaptive_round`, which computes the same floats in the same order as the general loop
    (:class:`RoundView` -> :func:`nonadaptive_move`) with less per-run Python; ``fast=False`` forces the
    general loop (the reference, tests/test_coin_fastpath.py checks both give identical runs)."""
    n, tau, eta = check_params(n, tau, eta)
    adversary = ADVERSARY.coerce(adversary)
    limit = round_limit(eta)
    stop_code = FLOAT_LIMIT if limit <= int(max_rounds) else CAP
    max_rounds = min(int(max_rounds), limit)
    corrupted = np.zeros((runs, n), dtype=bool)
    if adversary == "nonadaptive":
        for i in range(runs):
            corrupted[i, rng.choice(n, tau, replace=False)] = True
    if adversary == "adaptive":
        kw = dict(adaptive_kw or {})
        move = lambda v: adaptive_move(v, tau, solver=solver, **kw)  # noqa: E731
    elif adversary == "nonadaptive":
        move = lambda v: nonadaptive_move(v, solver, eps)  # noqa: E731
    else:
        move = honest_move
    kidxs = [np.flatnonzero(corrupted[i]) for i in range(runs)] if adversary == "nonadaptive" else None
    ups = np.zeros((runs, n), dtype=np.int64)
    rounds = np.full(runs, max_rounds + 1, dtype=np.int64)
    cw = np.full((runs, horizon), np.nan)
    cs = np.full((runs, horizon), np.nan)
    recs = [
        dict(
            weights=[],
            advice=[],
            d=[],
            z=[],
            corrupted=[],
            J=[],
            volatile=[],
            solver=[],
            X=[],
            bound=[],
            corrupted_weight=[],
            corrupted_share=[],
            corrupted_above_good=[],
        )
        for _ in range(runs if record else 0)
    ]
    active = np.arange(runs)
    st = _State(runs)
    if fast and adversary == "nonadaptive" and not record:
        _run_nonadaptive_fast(n, eta, rng, corrupted, kidxs, solver, eps, max_rounds, horizon, rounds, cw, cs, st)
        return _result(rounds, max_rounds, stop_code, cw, cs, recs, st)
    for r in range(max_rounds):
        if active.size == 0:
            break
        table = weight_table(r, eta)
        w = table[ups[active]]
        d = rng.choice(np.array([-1, 1], dtype=np.int8), size=active.size)
        adv = rng.choice(np.array([-1, 1], dtype=np.int8), size=(active.size, n))
        finished = np.zeros(active.size, dtype=bool)
        Ka = corrupted[active]
        good_vote = np.einsum("ij,ij->i", np.where(Ka, 0.0, w), adv)
        Wt = w.sum(1)
        Wk = np.where(Ka, w, 0.0).sum(1)
        for j, i in enumerate(active):
            K = corrupted[i]
            kidx = kidxs[i] if kidxs is not None else None
            view = RoundView(r, int(d[j]), w[j], ups[i], adv[j], K, eta, float(good_vote[j]), kidx)
            m = move(view)
            if m.corrupted is not K:  # adaptive: K includes this round's captures
                Wk[j] = float(w[j][m.corrupted].sum())
            if r < horizon:
                cw[i, r], cs[i, r] = Wk[j], min(Wk[j] / Wt[j], 1.0)
            inside = st.update(i, r, float(w[j][m.corrupted].sum()), Wt[j])
            z = int(output(m.S, Wt[j]))
            if record:
                rec = recs[i]
                for key, val in (
                    ("weights", w[j].copy()),
                    ("advice", m.advice),
                    ("d", d[j]),
                    ("z", z),
                    ("corrupted", m.corrupted.copy()),
                    ("J", m.J),
                    ("volatile", m.volatile),
                    ("solver", m.solver),
                    ("X", m.X),
                    ("bound", m.bound),
                    ("corrupted_weight", Wk[j]),
                    ("corrupted_share", min(Wk[j] / Wt[j], 1.0)),
                    ("corrupted_above_good", inside),
                ):
                    rec[key].append(val)
            corrupted[i] = m.corrupted
            if z == d[j]:
                rounds[i] = r + 1
                finished[j] = True
            else:
                ups[i] += m.advice == d[j]
        active = active[~finished]
    if record:
        # after all max_rounds rounds: ups counts every round, so the table of r = max_rounds (not the table of the
        # last round's start, which had one entry too few: max_rounds=1 indexed past it)
        end = weight_table(max_rounds, eta) if bool((rounds > max_rounds).any()) else None
        for i, rec in enumerate(recs):
            rec["final_weights"] = end[ups[i]] if rounds[i] > max_rounds else None
    return _result(rounds, max_rounds, stop_code, cw, cs, recs, st)


class _State:
    """Per run: the state "corrupted > good" (first round in it, rounds in it, exits) and the peak share."""

    def __init__(self, runs: int):
        self.first = np.zeros(runs, dtype=np.int64)
        self.rounds = np.zeros(runs, dtype=np.int64)
        self.exits = np.zeros(runs, dtype=np.int64)
        self.peak = np.zeros(runs, dtype=np.float64)
        self._inside = np.zeros(runs, dtype=bool)

    def update(self, i: int, r: int, W_K: float, total: float) -> bool:
        """Round r (0-based) of run i begins with corrupted weight W_K of ``total``; True if that is the state."""
        inside = corrupted_exceeds_good(W_K, total)
        if inside:
            self.rounds[i] += 1
            if not self.first[i]:
                self.first[i] = r + 1
        elif self._inside[i]:
            self.exits[i] += 1
        self._inside[i] = inside
        share = min(W_K / total, 1.0)  # W_K and total are summed apart: W_K / total can pass 1 by an ulp
        if share > self.peak[i]:
            self.peak[i] = share
        return inside


def _result(rounds, max_rounds, stop_code, cw, cs, recs, st: _State) -> CoinRuns:
    censored = rounds > max_rounds
    stop = np.where(censored, stop_code, ENDED).astype(np.int64)
    return CoinRuns(rounds, censored, cw, cs, recs, stop, st.first, st.rounds, st.exits, st.peak)


def _run_nonadaptive_fast(n, eta, rng, corrupted, kidxs, solver, eps, max_rounds, horizon, rounds, cw, cs, st) -> None:
    """The general loop of :func:`run_coin` for the non-adaptive adversary without records: the same draws,
    shapes and floats, with the exponents and K kept compact over the active runs (no per-round gather of the
    active rows) and the (runs, n) W_K summed only while it is recorded (the state's W_K is the sum over K's
    indices, as in the general loop). Fills ``rounds``, ``cw``, ``cs`` and ``st`` in place."""
    act = np.arange(len(rounds))
    U = np.zeros((len(rounds), n), dtype=np.int64)  # exponents of the active runs (row j: run act[j])
    Ka = corrupted.copy()
    pm = np.array([-1, 1], dtype=np.int8)
    for r in range(max_rounds):
        if act.size == 0:
            break
        table = weight_table(r, eta)
        w = table[U]
        d = rng.choice(pm, size=act.size)
        adv = rng.choice(pm, size=(act.size, n))
        good_vote = np.einsum("ij,ij->i", np.where(Ka, 0.0, w), adv)
        Wt = w.sum(1)
        if r < horizon:
            Wk = np.where(Ka, w, 0.0).sum(1)
            cw[act, r], cs[act, r] = Wk, np.minimum(Wk / Wt, 1.0)
        finished = np.zeros(act.size, dtype=bool)
        for j in range(act.size):
            st.update(int(act[j]), r, float(w[j][kidxs[act[j]]].sum()), Wt[j])
            finished[j] = _nonadaptive_round(
                r, int(d[j]), w[j], U[j], adv[j], kidxs[act[j]], float(good_vote[j]), Wt[j], table, solver, eps
            )
        if finished.any():
            rounds[act[finished]] = r + 1
            keep = ~finished
            act, U, Ka = act[keep], U[keep], Ka[keep]


def _nonadaptive_round(
    r: int,
    d: int,
    w: np.ndarray,
    ups: np.ndarray,
    adv: np.ndarray,
    kidx: np.ndarray,
    good_vote: float,
    total: float,
    table: np.ndarray,
    solver: str,
    eps: float,
) -> bool:
    """One round of one run against the non-adaptive adversary; True when z = d (the run ends), else
    ``ups`` is updated in place. Same arithmetic as :func:`nonadaptive_move` + the general loop: the classes
    are the distinct exponents of K (descending), their values the table entries, J the first x_k experts
    of K (by index) in class k."""
    from .nonadaptive import solve

    uk = ups[kidx]
    cnt = np.bincount(uk, minlength=r + 1)
    a_desc = np.flatnonzero(cnt)[::-1]
    problem = Problem(table[a_desc], cnt[a_desc].astype(np.int64), good_vote, d, float(w.sum()))
    sol = solve(problem, solver, eps)
    X = sol.X if sol.found else 0.0
    S = float(problem.vote(X))
    z = 1 if S >= -TIE * total else -1
    if z == d:
        return True
    inc = adv == d
    inc[kidx] = False
    if sol.found:
        x = sol.x
        full = x == problem.counts
        if full.all():
            inc[kidx] = True
        elif x.any():
            part = (x > 0) & ~full
            need = np.zeros(r + 1, dtype=np.int64)  # per exponent: experts of K to take (-1: all)
            need[a_desc[full]] = -1
            need[a_desc[part]] = x[part]
            nk = need[uk]
            take = nk < 0
            idx = np.flatnonzero(nk > 0)  # experts of the partial classes, by index
            if idx.size:
                u = uk[idx]
                o = np.argsort(u, kind="stable")  # grouped by class, index order kept within
                us = u[o]
                pos = np.arange(us.size)
                first = np.concatenate(([True], us[1:] != us[:-1]))
                rank = np.empty(us.size, dtype=np.int64)
                rank[o] = pos - np.maximum.accumulate(np.where(first, pos, 0))
                take[idx[rank < nk[idx]]] = True  # the first x_k experts of class k
            inc[kidx[take]] = True
    ups += inc
    return False
